"""The post-sign-in ``next`` target: one table of known open-redirect shapes,
checked through the built-in page's form and through the Next.js example's
``safeNextPath``, so the server and the frontend agree on every row.

The table is ``tests/next_targets/table.json``. For each row the form sign-in
must redirect exactly to the canonical target or not at all, and node (the
example's TypeScript, transpiled) must return the same path. The URL parser
node ships, the one browsers implement, then confirms that every target the
server sends is already canonical: the browser follows what was checked.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from auth.core.urls import origin_of
from tests.conftest import PASSWORD
from tests.servers import ROOT, missing

TABLE_FILE = Path(__file__).with_name("next_targets") / "table.json"
CASES: list[dict[str, Any]] = json.loads(TABLE_FILE.read_text())["cases"]
NEXTJS = ROOT / "examples" / "nextjs"
API_ORIGIN = "http://localhost"  # the test client's host


def server_target(case: dict[str, Any]) -> str | None:
    return case["server"] if "server" in case else case["path"]


def by_name(cases: list[dict[str, Any]]) -> list[Any]:
    return [pytest.param(case, id=case["name"]) for case in cases]


def test_the_table_covers_at_least_twenty_bypass_shapes() -> None:
    refused = [case for case in CASES if server_target(case) is None]
    assert len(refused) >= 20 and len({case["name"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", by_name(CASES))
def test_form_sign_in_redirects_only_to_the_canonical_target(make_user, client, case: dict[str, Any]) -> None:
    make_user()
    reply = client.post("/auth/login", data={"username": "alice", "password": PASSWORD, "next": case["next"]})
    assert any(h.startswith("access_token=") for h in reply.headers.getlist("Set-Cookie"))
    expected = server_target(case)
    if expected is None:  # post/redirect/get to the sign-in page, which shows who is signed in
        assert reply.status_code == 303 and reply.headers["Location"] == "/auth/login"
    else:
        assert reply.status_code == 303 and reply.headers["Location"] == expected


@pytest.mark.parametrize("case", by_name(CASES))
def test_the_sign_in_form_carries_only_the_canonical_target(client, case: dict[str, Any]) -> None:
    page = client.get("/auth/login", query_string={"next": case["next"]})
    assert page.status_code == 200
    expected = server_target(case)
    if expected is None:
        assert 'name="next"' not in page.text
    else:
        assert f'name="next" value="{expected}"' in page.text.replace("&amp;", "&")


def test_a_newline_in_next_is_no_500(make_user, client) -> None:
    """``next=/\\n/x`` used to crash after the session was created (a newline in Location)."""
    make_user()
    assert client.get("/auth/login?next=/%0A/x").status_code == 200
    reply = client.post("/auth/login", data={"username": "alice", "password": PASSWORD, "next": "/\n/x"})
    assert reply.status_code == 303 and reply.headers["Location"] == "/auth/login"
    assert "signed in as" in client.get("/auth/login").text


@pytest.fixture(scope="module")
def node_results() -> dict[str, dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        missing("node is not installed")
    if not (NEXTJS / "node_modules" / "typescript").is_dir():
        missing("examples/nextjs/node_modules is missing; run npm ci there")
    result = subprocess.run(
        [node, str(TABLE_FILE.with_name("check.mjs")), str(TABLE_FILE), str(NEXTJS)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("case", by_name(CASES))
def test_safe_next_path_agrees_with_the_table(node_results: dict[str, dict[str, Any]], case: dict[str, Any]) -> None:
    assert node_results[case["name"]]["nextjs"] == case["path"]


@pytest.mark.parametrize("case", by_name([case for case in CASES if server_target(case) is not None]))
def test_each_accepted_target_is_what_a_browser_would_follow(
    node_results: dict[str, dict[str, Any]], case: dict[str, Any]
) -> None:
    target = server_target(case)
    seen = node_results[case["name"]]
    assert seen["reparsed"] == target
    assert seen["origin"] == (API_ORIGIN if target.startswith("/") else origin_of(target))

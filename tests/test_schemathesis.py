"""Schemathesis against a live gunicorn server, driven from the OpenAPI document.

For every documented operation, in positive and negative generation modes, a
bounded number of generated requests go to a real server; each reply must be
no 5xx, a documented status, a documented content type, and match the
documented headers and body schema, and invalid data must be refused with a
4xx. Every non-HTML reply must be JSON with ``success``, and failures must say
why in ``message``. Authenticated operations get a fresh Bearer token per
request in positive mode (logout and logout-all end sessions as they go);
negative mode sends none.

The whole module runs twice: on SQLite and on PostgreSQL (a database of its
own), which enforces the column lengths SQLite ignores.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    FailureGroup,
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.checks import negative_data_rejection

from auth.web.openapi_view import document
from tests.conftest import PASSWORD
from tests.provider_flow import rsa_key_file
from tests.servers import LiveServers, scratch_postgres

pytestmark = pytest.mark.live


MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12"))
DOC: dict[str, Any] = document()
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection]
HTML_OPERATIONS = {
    ("GET", "/"),  # a redirect to the sign-in page, with Werkzeug's small HTML body
    ("GET", "/auth/login"),
    ("GET", "/auth/email/verify"),
    ("GET", "/auth/password/reset"),
    ("GET", "/auth/magic-link"),
    ("GET", "/auth/passkeys/login"),
    ("GET", "/auth/account"),
    ("GET", "/auth/register"),
    ("GET", "/auth/password/forgot"),
    ("GET", "/auth/invitations/accept"),
    # The OpenID provider's browser steps: a consent, sign-out or error page, or a redirect.
    ("GET", "/oauth2/authorize"),
    ("POST", "/oauth2/authorize"),
    ("GET", "/oauth2/logout"),
    ("POST", "/oauth2/logout"),
}
# Operations whose form-encoded posts come from a built-in page and answer with that page.
FORM_PAGE_PATHS = {"/auth/login", "/auth/mfa/verify", "/auth/register", "/auth/password/forgot", "/auth/magic-link"}
# Prometheus text format when it succeeds; JSON failures like every other endpoint.
TEXT_OPERATIONS = {("GET", "/metrics")}
# Invalid data must be refused with one of these; 413 is the right refusal of an oversized field.
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
CONFIG = {"checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}}}
# Replies in a format of their own (no ``success``): the key that format requires.
# ("" for RFC 7009's empty object.)
STANDARD_FORMATS = {
    "/.well-known/jwks.json": "keys",
    "/openapi.json": "openapi",
    "/.well-known/openid-configuration": "issuer",
    "/oauth2/token": "access_token",
    "/oauth2/userinfo": "sub",
    "/oauth2/introspect": "active",
    "/oauth2/revoke": "",
}
OPERATIONS = [
    (method.upper(), path)
    for path, item in DOC["paths"].items()
    for method in item
    if method in {"get", "post", "put", "patch", "delete"}
]


def needs_auth(method: str, path: str) -> bool:
    security = DOC["paths"][path][method.lower()].get("security", [])
    return bool(security) and {} not in security


def has_inputs(method: str, path: str) -> bool:
    """Whether invalid data can be made for the operation (parameters, a body or required credentials)."""
    operation = DOC["paths"][path][method.lower()]
    return bool(operation.get("parameters") or operation.get("requestBody")) or needs_auth(method, path)


CASES = [
    pytest.param(method, path, mode, id=f"{method} {path} {label}")
    for method, path in OPERATIONS
    for mode, label in ((GenerationMode.POSITIVE, "valid-data"), (GenerationMode.NEGATIVE, "invalid-data"))
    if mode is GenerationMode.POSITIVE or has_inputs(method, path)
]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """'' for the server's own SQLite file, else a fresh PostgreSQL database, dropped afterwards."""
    if request.param == "sqlite":
        yield ""
        return
    with scratch_postgres(request.getfixturevalue("postgres_url")) as url:
        yield url


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[str]:
    """One gunicorn server per database (the live_server fixture's LiveServers, module-scoped)."""
    servers = LiveServers(tmp_path_factory.mktemp("schemathesis"))
    try:
        # DEV: mail goes to the server's console (MAIL_URL=console:), so every email endpoint is live.
        env = servers.env(
            ALLOW_REGISTRATION="true",
            ALLOW_MAGIC_LINKS="true",
            # The OpenID provider's endpoints are fuzzed switched on (off, they only answer 404).
            OIDC_PROVIDER_ENABLED="true",
            OIDC_PROVIDER_KEY_FILE=rsa_key_file(servers.tmp),
            **({"DATABASE_URL": database_url} if database_url else {}),
        )
        servers.prepare(env, {"alice": PASSWORD})
        yield servers.start(env, threads=4)
    finally:
        servers.stop_all()


@pytest.fixture(scope="module")
def api_schema(live_url: str) -> Any:
    schema = schemathesis.openapi.from_dict(DOC, config=schemathesis.Config.from_dict(CONFIG))
    schema.config.update(base_url=live_url)
    return schema


def bearer(url: str, session: requests.Session) -> dict[str, str]:
    reply = session.post(f"{url}/auth/login", json={"username": "alice", "password": PASSWORD}, timeout=10)
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.cookies['access_token']}"}


ERROR_CODE = re.compile(r"[a-z][a-z0-9_]*")  # every failure carries a stable code (docs/i18n.md)


def assert_json_reply(response: Any, method: str, path: str) -> None:
    """Every reply outside the HTML sign-in page is JSON with success, and failures say why."""
    status = response.status_code
    content_type = ",".join(response.headers.get("content-type", []))  # schemathesis: lowercase keys, list values
    if (method, path) in HTML_OPERATIONS or status == 303:
        return
    if path in FORM_PAGE_PATHS and content_type.startswith("text/html"):
        return  # a built-in page's form post (the request was form-encoded)
    if (method, path) in TEXT_OPERATIONS and status == 200:
        assert content_type.startswith("text/plain"), f"{method} {path}: {content_type!r}"
        return
    assert content_type.split(";")[0].strip() == "application/json", f"{method} {path} {status}: {content_type!r}"
    body = response.json()
    if path in STANDARD_FORMATS and status == 200:
        key = STANDARD_FORMATS[path]
        assert isinstance(body, dict) and (not key or key in body), f"{method} {path}: {body!r}"
        return
    assert isinstance(body.get("success"), bool), f"{method} {path} {status}: {body!r}"
    if status >= 400:
        assert body["success"] is False and str(body.get("message", "")).strip(), f"{method} {path}: {body!r}"
        assert ERROR_CODE.fullmatch(str(body.get("error", ""))), f"{method} {path}: no error code: {body!r}"


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_operation_conforms(api_schema: Any, live_url: str, method: str, path: str, mode: GenerationMode) -> None:
    operation = api_schema[path][method]
    session = requests.Session()
    authenticated = needs_auth(method, path) and mode is GenerationMode.POSITIVE
    checks = NEGATIVE_CHECKS if mode is GenerationMode.NEGATIVE else CHECKS
    seen: list[int] = []

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        headers = bearer(live_url, session) if authenticated else None
        response = case.call_and_validate(base_url=live_url, session=session, headers=headers, checks=checks)
        assert_json_reply(response, method, path)
        seen.append(response.status_code)
        session.cookies.clear()

    run()
    assert seen, f"no request was sent to {method} {path}"


def test_served_document_is_the_merged_document(live_url: str) -> None:
    """The live server (``app:app``, as create_app builds it) serves exactly document(): what schemathesis tests."""
    reply = requests.get(f"{live_url}/openapi.json", timeout=10)
    assert reply.status_code == 200, f"the server does not serve /openapi.json: {reply.status_code}"
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.json() == DOC


def test_a_schema_violation_is_reported(api_schema: Any, live_url: str) -> None:
    """The checks can fail: the same live reply against a document that promises another body."""
    broken = json.loads(json.dumps(DOC))
    broken["components"]["schemas"]["Health"]["required"] = ["success", "uptime"]
    schema = schemathesis.openapi.from_dict(broken)
    schema.config.update(base_url=live_url)
    case = schema["/healthz"]["GET"].Case()
    with pytest.raises(FailureGroup, match="uptime"):
        case.call_and_validate(base_url=live_url, checks=CHECKS)


def test_cli_coverage_phase_with_every_check(live_url: str, tmp_path: Path) -> None:
    """The ``schemathesis run`` CLI's coverage phase: boundary values and wrong types for every field,
    under every check except positive_data_acceptance (a random valid-looking password is rightly 401)
    and ignored_auth (it pairs a garbage access_token cookie with our fixed, valid Bearer header and
    expects 401; the Bearer wins, as documented). Missing credentials are covered by invalid-data above.
    Signed in with a Bearer token; logout and logout-all are left to the test above so it stays valid.
    """
    token = bearer(live_url, requests.Session())["Authorization"]
    config = tmp_path / "schemathesis.toml"
    config.write_text(f"[checks.negative_data_rejection]\nexpected-statuses = {json.dumps(REJECTIONS)}\n")
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "schemathesis"),
            "--config-file",
            str(config),
            "run",
            f"{live_url}/openapi.json",
            "--phases",
            "examples,coverage",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance,ignored_auth",
            "--exclude-path",
            "/auth/logout",
            "--exclude-path",
            "/auth/logout-all",
            "--header",
            f"Authorization: {token}",
            "--seed",
            "1",
            "--workers",
            "1",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert counts and counts[1] == counts[2] and int(counts[1]) > 0, result.stdout[-3000:]

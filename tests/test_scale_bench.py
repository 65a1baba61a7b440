"""bench/scale.py as a smoke test: 10,000 users on a throwaway PostgreSQL database
(on TEST_POSTGRES_URL's server, made and dropped here) and the tests' Redis.

It checks the table's shape (every figure, its baseline, its goal, the
organisations line), not its numbers: those depend on the machine.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

from bench.scale import FIGURES, GOALS
from tests.servers import ROOT, missing

pytestmark = [pytest.mark.live, pytest.mark.postgres, pytest.mark.redis]


def test_scale_bench_prints_every_figure_at_10000_users(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    postgres = postgres_url
    if shutil.which("wrk") is None:
        missing("wrk is not installed")
    name = f"bench_scale_smoke_{secrets.token_hex(4)}"  # bench/scale.py refuses test* databases
    url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
    admin = sqlalchemy.create_engine(postgres, isolation_level="AUTOCOMMIT")
    out = tmp_path / "figures.json"
    try:
        result = subprocess.run(
            [
                *(sys.executable, "bench/scale.py", "--users", "10000", "--seconds", "1", "--runs", "10"),
                *("--url", url, "--redis-url", redis_url, "--json", str(out)),
            ],
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert list(figures["sizes"]) == ["10000"], "10,000 users is the only size of a small run"
    measured = figures["sizes"]["10000"]
    for key, _label, goal in FIGURES:
        assert isinstance(measured[key], int | float), key
        if goal is not None:
            assert isinstance(measured[goal], int | float), goal
    for baseline in ("argon2_rate", "floor_rate"):
        assert measured[baseline] > 0, f"the baseline {baseline} was not measured"
    assert measured["refresh_per_core"] > 0 and measured["cached_rate"] > 0 and measured["api_key_rate"] > 0
    assert measured["failures"] == 0, "probes, API keys or refreshes failed"

    lines = result.stdout.splitlines()
    header = next(index for index, line in enumerate(lines) if line.startswith("figure (baseline)"))
    assert "10,000 users" in lines[header] and "goal" in lines[header]
    rows = lines[header + 2 : header + 2 + len(FIGURES)]
    assert [row.split("|")[0].strip() for row in rows] == [label for _key, label, _goal in FIGURES]
    for row, (_key, _label, goal) in zip(rows, FIGURES, strict=True):
        cells = [cell.strip() for cell in row.split("|")]
        assert cells[1], f"no figure in {row!r}"
        if goal is not None:
            assert cells[-1].endswith(("yes", "NO")) and f"{GOALS[goal]:g}" in cells[-1], row
    assert "organisations: N/10, every user a member of one" in result.stdout
    assert "  memberships: " in result.stdout, "the memberships were not loaded"
    assert "machine: " in result.stdout

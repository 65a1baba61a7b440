"""The probe's p99 while one account is flooded with sign-ins, against its idle p99 (issue 18).

    .venv/bin/python bench/login_flood.py [--database sqlite|postgresql+psycopg://...] [--runs 5]

The worst state the issue found, made on purpose: the flooded user already
holds ``SESSION_LIMIT_PER_USER`` sessions (so every sign-in that gets through
also ends the oldest one: a revocation, a write and a commit), and wrk sends
its sign-ins with four times as many connections as the hashing gate admits
(so the gate turns most of them away with quick 503s). The probe
(``GET /auth/is-authenticated``) runs as a second user, whose session the
flood never touches. Each run is an idle probe window, then the same window
with the flood running; the ratio is per run, and every run must stay within
``--target`` (3x).

The server runs under the repository's ``gunicorn.conf.py`` with production
settings (``ENVIRONMENT=PROD``, default argon2 parameters,
``RATELIMIT_ENABLED=false``, no Redis). With a PostgreSQL URL the database's
tables are dropped and re-created first: give it a database of its own.
``--app-dir`` serves another checkout of the code (e.g. the code before a
change) with this script, so before and after run back to back.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import BIN, PASSWORD, USER, Gunicorn, Load, wrk  # noqa: E402

PROBE_USER = "probeuser"
SESSION_CAP = 5
FLOOD_CONNECTIONS = 16
"""Four times the 4 hashes two workers admit at once (``HASH_CONCURRENCY`` 2 each)."""
PROBE_CONNECTIONS = 8


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def prepare(env: dict[str, str], app_dir: Path) -> None:
    flask = [str(BIN / "flask"), "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=app_dir, env=env, check=True, capture_output=True, timeout=120)
    for name in (USER, PROBE_USER):
        subprocess.run(
            [*flask, "users", "create", name, "--password-stdin"],
            cwd=app_dir,
            env=env,
            input=PASSWORD + "\n",
            text=True,
            check=True,
            capture_output=True,
            timeout=120,
        )


def sign_in(url: str, name: str) -> str:
    reply = requests.post(url + "/auth/login", json={"username": name, "password": PASSWORD}, timeout=60)
    reply.raise_for_status()
    return reply.cookies["access_token"]


def flood_runs(database: str, app_dir: Path, runs: int, seconds: int) -> list[tuple[Load, Load, Load]]:
    """(idle probe, flooded probe, the flood) per run."""
    with tempfile.TemporaryDirectory(prefix="auth-flood-") as tmp:
        if database == "sqlite":
            database_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        else:
            reset_postgres(database)
            database_url = database
        env = {
            **os.environ,
            "ENVIRONMENT": "PROD",
            "JWT_SECRET": secrets.token_urlsafe(48),
            "FRONTEND_URL": "https://app.example.com",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(Path(tmp) / "instance"),
            "RATELIMIT_ENABLED": "false",
            "REDIS_URL": "",
            "HIBP_URL": "off",
            "SESSION_LIMIT_PER_USER": str(SESSION_CAP),
            "PYTHONPATH": str(app_dir),
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        prepare(env, app_dir)
        server = Gunicorn("app:app", env, Path(tmp) / "server.log", root=app_dir)
        try:
            server.wait_ready("/healthz")
            for _ in range(SESSION_CAP):  # the flooded user starts at the cap
                sign_in(server.url, USER)
            token = sign_in(server.url, PROBE_USER)
            probe, login = server.url + "/auth/is-authenticated", server.url + "/auth/login"
            results = []
            for _ in range(runs):
                idle = wrk(probe, seconds, PROBE_CONNECTIONS, cookie=token)
                floods: list[Load] = []
                flood = threading.Thread(
                    target=lambda into=floods: into.append(wrk(login, seconds + 2, FLOOD_CONNECTIONS, login=True))
                )
                flood.start()
                time.sleep(1)
                flooded = wrk(probe, seconds, PROBE_CONNECTIONS, cookie=token)
                flood.join()
                results.append((idle, flooded, floods[0]))
        finally:
            server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", default="sqlite", help="sqlite, or a PostgreSQL URL whose tables may be dropped")
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout to serve")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--target", type=float, default=3.0)
    options = parser.parse_args()
    load_before = os.getloadavg()[0]
    results = flood_runs(options.database, options.app_dir.resolve(), options.runs, options.seconds)
    kind = "sqlite" if options.database == "sqlite" else "postgresql"
    print(
        f"{kind}, {options.runs} runs of {options.seconds} s; probe {PROBE_CONNECTIONS} connections, "
        f"flood {FLOOD_CONNECTIONS} connections, flooded user at SESSION_LIMIT_PER_USER={SESSION_CAP}; "
        f"load average before {load_before:.2f}, after {os.getloadavg()[0]:.2f}"
    )
    print("| run | idle p99 ms | flooded p99 ms | ratio | probe req/s idle / flooded | sign-ins/s | 503/s | met |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    ratios = []
    for number, (idle, flooded, flood) in enumerate(results, 1):
        ratio = flooded.p99_ms / idle.p99_ms
        ratios.append(ratio)
        print(
            f"| {number} | {idle.p99_ms:.1f} | {flooded.p99_ms:.1f} | {ratio:.1f}x | {idle.rate:,.0f} / "
            f"{flooded.rate:,.0f} | {flood.ok_rate:.1f} | {flood.rate - flood.ok_rate:,.0f} | "
            f"{'yes' if ratio <= options.target else 'NO'} |"
        )
    print(f"worst {max(ratios):.1f}x, median {statistics.median(ratios):.1f}x (target <= {options.target:g}x each run)")


if __name__ == "__main__":
    main()

"""The API-key check beside the cookie probe, in one run on one machine.

    .venv/bin/python bench/api_keys.py [--seconds 4] [--rounds 4]

Starts the server as ``bench/run.py`` does (repository ``gunicorn.conf.py``,
production settings, fresh SQLite, ``RATELIMIT_ENABLED=false``), signs a user
in for an access-token cookie, mints an API key with ``flask api-keys
create``, then alternates wrk rounds on ``GET /auth/is-authenticated``: with
the cookie (the Next.js middleware's probe) and with ``Authorization: Bearer
fak_...``. Goal: the key at least 0.9x the probe's requests/s.

Last, in this process without HTTP (steadier on a busy machine): the guard's
``authenticate_request`` per call with the key and with the cookie, both
answered from the process's caches, as a warm server answers them.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import BIN, PASSWORD, PROBE_CONNECTIONS, USER, Gunicorn, median, prepare, verdict, wrk  # noqa: E402

GOAL = 0.9


def mint_key(env: dict[str, str]) -> str:
    made = subprocess.run(
        [str(BIN / "flask"), "--app", "app", "api-keys", "create", USER, "--name", "bench"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return made.stdout.strip()


def check_us(env: dict[str, str], key: str, token: str) -> tuple[float, float]:
    """Microseconds per ``authenticate_request``, in this process: (key, cookie), best of three."""
    from app import create_app
    from auth.web.guard import authenticate_request

    app = create_app(env)
    state = app.extensions["auth"]

    def best_of_three(headers: dict[str, str], calls: int = 20_000) -> float:
        timings = []
        with app.test_request_context("/auth/is-authenticated", headers=headers):
            authenticate_request(state, time.time())  # warm the caches
            for _ in range(3):
                started = time.perf_counter()
                for _ in range(calls):
                    authenticate_request(state, time.time())
                timings.append((time.perf_counter() - started) / calls * 1e6)
        return min(timings)

    return best_of_three({"Authorization": f"Bearer {key}"}), best_of_three({"Cookie": f"access_token={token}"})


def measure(seconds: int, rounds: int) -> list[tuple[str, ...]]:
    with tempfile.TemporaryDirectory(prefix="auth-bench-keys-") as tmp:
        env = {
            **os.environ,
            "ENVIRONMENT": "PROD",
            "JWT_SECRET": secrets.token_urlsafe(48),
            "FRONTEND_URL": "https://app.example.com",
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            "INSTANCE_PATH": str(Path(tmp) / "instance"),
            "RATELIMIT_ENABLED": "false",
            "REDIS_URL": "",
            "HIBP_URL": "off",
        }
        prepare(env)
        key = mint_key(env)
        server = Gunicorn("app:app", env, Path(tmp) / "server.log")
        try:
            server.wait_ready("/healthz")
            reply = requests.post(server.url + "/auth/login", json={"username": USER, "password": PASSWORD}, timeout=30)
            reply.raise_for_status()
            token = reply.cookies["access_token"]
            probe = server.url + "/auth/is-authenticated"
            bearer = f"Authorization: Bearer {key}"
            assert requests.get(probe, headers={"Authorization": f"Bearer {key}"}, timeout=10).status_code == 200
            cookie_loads, key_loads = [], []
            for _ in range(rounds):
                cookie_loads.append(wrk(probe, seconds, PROBE_CONNECTIONS, cookie=token))
                key_loads.append(wrk(probe, seconds, PROBE_CONNECTIONS, header=bearer))
        finally:
            server.stop()
        key_us, cookie_us = check_us(env, key, token)
    cookie, keyed = median(cookie_loads), median(key_loads)
    ratio = statistics.median(k.rate / c.rate for k, c in zip(key_loads, cookie_loads, strict=True))
    failures = sum(load.failures for load in cookie_loads + key_loads)
    return [
        (
            "API key check requests/s (cookie probe)",
            f"{keyed.rate:,.0f}",
            f"{cookie.rate:,.0f}",
            f"{ratio:.2f}",
            f">= {GOAL}",
            verdict(ratio >= GOAL and failures == 0),
        ),
        ("API key p50 ms (cookie probe p50)", f"{keyed.p50_ms:.2f}", f"{cookie.p50_ms:.2f}", "", "", ""),
        ("API key p99 ms (cookie probe p99)", f"{keyed.p99_ms:.2f}", f"{cookie.p99_ms:.2f}", "", "", ""),
        ("failed or non-2xx requests", str(failures), "", "", "0", verdict(failures == 0)),
        (
            "in this process: us per guard check, key (cookie)",
            f"{key_us:.1f}",
            f"{cookie_us:.1f}",
            f"{cookie_us / key_us:.2f}",
            f">= {GOAL}",
            verdict(cookie_us / key_us >= GOAL),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=int, default=4, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=4, help="alternated rounds")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    load_before = os.getloadavg()[0]
    rows = measure(options.seconds, options.rounds)
    header = ("measure", "server", "reference", "ratio", "target", "met")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print(f"load average (1 min) before {load_before:.2f}, after {os.getloadavg()[0]:.2f}")
    for row in [header, tuple("-" * width for width in widths), *rows]:
        print("| " + " | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) + " |")


if __name__ == "__main__":
    main()

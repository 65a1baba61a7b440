"""Benchmark one protected Next.js page three ways in one run; print one table.

    .venv/bin/python bench/next_gate.py [--seconds 6] [--rounds 5] [--connections 8]

The page is ``bench/next-page`` (``next start``, a server component rendered
per request), built once and started three times with ``BENCH_GATE``:

- ``none``: ``proxy.ts`` passes every request (the floor);
- ``probe``: ``authProxy({localCheck: false})``, one ``GET
  /auth/is-authenticated`` to the API per page view;
- ``local``: ``authProxy()``, the EdDSA access token checked in the Next.js
  server against the API's JWKS (fetched once), no call to the API.

The API runs under the repository's ``gunicorn.conf.py`` with production
settings, ``JWT_ALGORITHM=EdDSA`` and ``RATELIMIT_ENABLED=false``; every wrk
request carries one valid access-token cookie. The three servers run side by
side and the rounds alternate between them, so a neighbour's burst hits all
three; each figure is the median over rounds. The CPU time per page view of
the Next.js server and of the API's workers comes from ``/proc`` (the figure
least disturbed by other work on the machine); the API's requests per view
from its access log.

It needs wrk and ``npm ci`` in clients/next and examples/nextjs (the page
borrows the example's node_modules through hard links); it stops everything
it started by PID.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import PASSWORD, USER, Gunicorn, Load, free_port, prepare, wrk

ROOT = Path(__file__).resolve().parent.parent
PAGE_APP = ROOT / "bench" / "next-page"
EXAMPLE_MODULES = ROOT / "examples" / "nextjs" / "node_modules"
MODES = ("none", "probe", "local")


@dataclass
class Figures:
    load: Load
    api_requests: int
    api_cpu_s: float
    next_cpu_s: float


class NextServer:
    """``next start`` of the bench page with one gate, in its own process group."""

    def __init__(self, mode: str, api_url: str, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "BENCH_GATE": mode,
            "API_INTERNAL_URL": api_url,
            "NODE_ENV": "production",
            "NEXT_TELEMETRY_DISABLED": "1",
        }
        with log.open("w") as handle:
            self.process = subprocess.Popen(
                [str(PAGE_APP / "node_modules" / ".bin" / "next"), "start", "-H", "127.0.0.1", "-p", str(self.port)],
                cwd=PAGE_APP,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.log = log

    def wait_ready(self, cookie: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"next start exited:\n{self.log.read_text()}")
            try:
                reply = requests.get(f"{self.url}/page", cookies={"access_token": cookie}, timeout=10)
                if reply.status_code == 200 and "Protected" in reply.text:
                    return
                raise RuntimeError(f"/page answered {reply.status_code} with a valid token")
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError(f"next start did not answer:\n{self.log.read_text()}")

    def cpu_seconds(self) -> float:
        """User + system CPU time of every process of this server's group so far."""
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def build_page_app(log: Path) -> None:
    if not (EXAMPLE_MODULES / "next").exists() or not (EXAMPLE_MODULES / "@flask-auth" / "next").exists():
        raise SystemExit("run `npm ci` in clients/next and examples/nextjs first")
    modules = PAGE_APP / "node_modules"
    if modules.exists():
        shutil.rmtree(modules)
    subprocess.run(["cp", "-al", str(EXAMPLE_MODULES), str(modules)], check=True)
    with log.open("w") as handle:
        subprocess.run(
            [str(modules / ".bin" / "next"), "build"],
            cwd=PAGE_APP,
            env={**os.environ, "NEXT_TELEMETRY_DISABLED": "1"},
            stdout=handle,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=900,
        )


def ed25519_key(folder: Path) -> Path:
    key = folder / "ed25519.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(key)], check=True, capture_output=True)
    return key


def access_log_lines(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(1 for _ in handle)
    except FileNotFoundError:
        return 0


def measure(seconds: int, rounds: int, connections: int) -> str:
    tmp = Path(tempfile.mkdtemp(prefix="flask-auth-bench-next-"))
    api: Gunicorn | None = None
    servers: dict[str, NextServer] = {}
    try:
        build_page_app(tmp / "next-build.log")
        access_log = tmp / "api-access.log"
        env = {
            **os.environ,
            "ENVIRONMENT": "PROD",
            "JWT_SECRET": secrets.token_hex(32),
            "JWT_ALGORITHM": "EdDSA",
            "JWT_PRIVATE_KEY_FILE": str(ed25519_key(tmp)),
            "DATABASE_URL": f"sqlite:///{tmp / 'auth.sqlite3'}",
            "INSTANCE_PATH": str(tmp / "instance"),
            "FRONTEND_URL": "http://127.0.0.1:3000",
            "RATELIMIT_ENABLED": "false",
            "ACCESS_TOKEN_TTL": "3600",
            "GUNICORN_ACCESS_LOG": str(access_log),
            "FLASK_SKIP_DOTENV": "1",
        }
        prepare(env)
        api = Gunicorn("app:app", env, tmp / "api.log")
        api.wait_ready("/healthz")
        login = requests.post(f"{api.url}/auth/login", json={"username": USER, "password": PASSWORD}, timeout=30)
        login.raise_for_status()
        cookie = login.cookies["access_token"]
        servers = {mode: NextServer(mode, api.url, tmp / f"next-{mode}.log") for mode in MODES}
        for server in servers.values():
            server.wait_ready(cookie)
            wrk(f"{server.url}/page", 2, connections, cookie=cookie)  # warm up: JIT, JWKS fetch
        results: dict[str, list[Figures]] = {mode: [] for mode in MODES}
        load_before = os.getloadavg()[0]
        for _ in range(rounds):
            for mode, server in servers.items():
                lines, cpu, next_cpu = access_log_lines(access_log), api.cpu_seconds(), server.cpu_seconds()
                load = wrk(f"{server.url}/page", seconds, connections, cookie=cookie)
                results[mode].append(
                    Figures(
                        load,
                        access_log_lines(access_log) - lines,
                        api.cpu_seconds() - cpu,
                        server.cpu_seconds() - next_cpu,
                    )
                )
        return report(results, seconds, rounds, connections, load_before)
    finally:
        for server in servers.values():
            server.stop()
        if api is not None:
            api.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def report(results: dict[str, list[Figures]], seconds: int, rounds: int, connections: int, load_before: float) -> str:
    def med(mode: str, pick) -> float:  # type: ignore[no-untyped-def]
        return statistics.median(pick(f) for f in results[mode])

    floor = med("none", lambda f: f.load.rate)
    labels = {
        "none": "no gate (proxy passes)",
        "probe": "probe (GET /auth/is-authenticated per view)",
        "local": "local check (EdDSA via JWKS)",
    }
    rows = [
        "| gate | page requests/s | p99 ms | vs no gate | Next.js CPU us per view | API requests per view "
        "| API CPU us per view | non-2xx |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for mode in MODES:
        rate = med(mode, lambda f: f.load.rate)
        per_view = med(mode, lambda f: f.api_requests / max(1, f.load.requests))
        cpu_us = med(mode, lambda f: f.api_cpu_s * 1e6 / max(1, f.load.requests))
        next_us = med(mode, lambda f: f.next_cpu_s * 1e6 / max(1, f.load.requests))
        failures = sum(f.load.failures for f in results[mode])
        rows.append(
            f"| {labels[mode]} | {rate:,.0f} | {med(mode, lambda f: f.load.p99_ms):.1f} | {rate / floor:.2f} "
            f"| {next_us:,.0f} | {per_view:.2f} | {cpu_us:,.0f} | {failures} |"
        )
    local_ratio = med("local", lambda f: f.load.rate) / floor
    head = (
        f"{platform.node()}: {os.cpu_count()} CPUs, load average before {load_before:.2f}, after "
        f"{os.getloadavg()[0]:.2f}; wrk 1 thread x {connections} connections, medians of {rounds} alternated "
        f"rounds of {seconds} s"
    )
    met = "met" if local_ratio >= 0.8 else "NOT met"
    verdict = f"local check at {local_ratio:.2f}x the ungated page's requests/s: {met} (target >= 0.8)"
    return "\n".join([head, *rows, verdict])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    print(measure(args.seconds, args.rounds, args.connections))


if __name__ == "__main__":
    main()

"""Benchmark the server against its floors, all in one run on one machine; print one table.

    .venv/bin/python bench/run.py [--seconds 8] [--server gunicorn granian]

It starts everything it measures and stops it by PID: the server and the
floor app (``bench/floor_app.py``) under the repository's ``gunicorn.conf.py``
(or ``granian_serve.py``: ``--server granian``; ``--server gunicorn granian``
measures both, one after the other, and prints granian's figures over
gunicorn's) on free 127.0.0.1 ports, over a fresh SQLite database in a temporary
directory, with production settings (``ENVIRONMENT=PROD``, default argon2
parameters) and ``RATELIMIT_ENABLED=false``. Load comes from wrk (closed
loop, keep-alive connections). Environment variables the gunicorn config
reads (``WEB_CONCURRENCY``, ``GUNICORN_THREADS``) and the server's own
(``HASH_CONCURRENCY``, ``ARGON2_*``) pass through, to compare settings.

Measured, in this order:

1. the floor, then the probe (``GET /auth/is-authenticated`` with a valid
   access-token cookie): requests/s, p50, p99;
2. the argon2 bound: argon2-cffi verifying alone, in this process, with the
   server's parameters and as many threads as the server admits hashes at
   once (workers x ``HASH_CONCURRENCY``);
3. logins/s with that many wrk connections;
4. the probe again while a login flood runs (more connections than the
   argon2 gate admits: the excess is refused with 503 at once);
5. peak RSS (``VmHWM``) of each worker, the largest reported;
6. in this process, without HTTP: the token check with the revocation view
   against PyJWT's decode alone (issue 3);
7. in this process, through the test client: a passkey sign-in and the TOTP
   second step beside a password sign-in (``bench/second_factors.py``);
8. in this process: the probe and the access check with an ``org`` claim
   against the same without one (``bench/orgs.py``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import runpy
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from argon2 import PasswordHasher

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auth.core.settings import Settings  # noqa: E402
from bench.orgs import org_claim_rows  # noqa: E402
from bench.second_factors import second_factor_rows  # noqa: E402

BIN = Path(sys.executable).parent
LUA = Path(__file__).resolve().parent / "wrk.lua"
USER = "loadtest"
PASSWORD = "mauve otter quartz lantern 917"
PROBE_CONNECTIONS = 16
FLOOD_FACTOR = 4
"""The login flood opens this many connections per argon2 slot: more than the gate admits."""
COLD_TOKENS = 40_000
"""More than a round sends, so no token repeats within a run."""


@dataclass(frozen=True)
class Load:
    """One wrk run: throughput and latency (closed loop, so latency is per connection)."""

    requests: int
    rate: float
    ok_rate: float
    p50_ms: float
    p99_ms: float
    failures: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """A gunicorn master under the repo's config, in its own process group."""

    def __init__(self, target: str, env: dict[str, str], log: Path, *, root: Path = ROOT) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        with log.open("w") as handle:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", str(root / "gunicorn.conf.py"), target],
                cwd=root,
                env={**env, "BIND": f"127.0.0.1:{port}"},
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.log = log

    def wait_ready(self, path: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log.read_text()}")
            try:
                requests.get(self.url + path, timeout=5)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer:\n{self.log.read_text()}")

    def workers(self) -> list[int]:
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    children.append(int(entry.name))
        return children

    def cpu_seconds(self) -> float:
        """User + system CPU time the workers have used so far."""
        total = 0
        for pid in self.workers():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def peak_rss_mib(self) -> float:
        peaks = []
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class Granian(Gunicorn):
    """A granian master under the repo's granian_serve.py, in its own process group."""

    def __init__(self, target: str, env: dict[str, str], log: Path, *, root: Path = ROOT) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        with log.open("w") as handle:
            self.process = subprocess.Popen(
                [sys.executable, str(root / "granian_serve.py"), target],
                cwd=root,
                env={**env, "BIND": f"127.0.0.1:{port}"},
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.log = log


SERVERS: dict[str, type[Gunicorn]] = {"gunicorn": Gunicorn, "granian": Granian}


def wrk(
    url: str,
    seconds: int,
    connections: int,
    *,
    cookie: str | None = None,
    login: bool = False,
    tokens: Path | None = None,
    header: str | None = None,
) -> Load:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(LUA)]
    if cookie:
        command += ["-H", f"Cookie: access_token={cookie}"]
    if header:
        command += ["-H", header]
    command.append(url)
    if login:
        command += ["--", "login", json.dumps({"username": USER, "password": PASSWORD})]
    if tokens:
        command += ["--", "tokens", str(tokens)]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    result = json.loads(output.strip().splitlines()[-1])
    return Load(
        requests=result["requests"],
        rate=result["requests"] / (result["duration_us"] / 1e6),
        ok_rate=(result["requests"] - result["non_2xx"]) / (result["duration_us"] / 1e6),
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        failures=result["non_2xx"] + result["socket_errors"],
    )


def _verify_for(settings: Settings, threads: int, start_at: float, stop_at: float, results: mp.Queue) -> None:
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    stored = hasher.hash(PASSWORD)
    counts = [0] * threads

    def verify(index: int) -> None:
        time.sleep(max(0.0, start_at - time.time()))
        while True:
            hasher.verify(stored, PASSWORD)
            if time.time() > stop_at:
                return
            counts[index] += 1

    pool = [threading.Thread(target=verify, args=(index,)) for index in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    results.put(sum(counts))


def argon2_bound(settings: Settings, processes: int, threads: int, seconds: int) -> float:
    """Verifications/s of argon2-cffi alone, laid out like the server: processes x threads.

    The layout matters: each verification maps and frees its memory
    (``ARGON2_MEMORY_KIB``), and threads of one process contend on that
    process's address space, so 4 threads in 1 process are slower than 2 x 2.
    As with wrk, only verifications finished inside the window count.
    """
    results: mp.Queue = mp.Queue()
    start_at = time.time() + 1.0
    stop_at = start_at + seconds
    workers = [
        mp.Process(target=_verify_for, args=(settings, threads, start_at, stop_at, results)) for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    total = sum(results.get(timeout=seconds + 60) for _ in workers)
    for worker in workers:
        worker.join()
    return total / seconds


def token_check_us(env: dict[str, str], token: str) -> tuple[float, float]:
    """Microseconds per call, in this process: the server's token check (``decode_access``,
    the revocation view and the live-session check, as ``auth.core.access`` makes them
    minus its cache of verified tokens) and PyJWT's ``decode`` alone with the same key and claims.

    Issue 3's question, asked without HTTP or Flask around it.
    """
    import jwt

    from app import create_app
    from auth.core.tokens import REQUIRED_CLAIMS, decode_access

    app = create_app(env)
    state = app.extensions["auth"]
    issuer, keys = state.settings.jwt_issuer, state.keys

    def checked() -> None:
        now = time.time()
        claims = decode_access(token, keys, issuer=issuer, now=now)
        assert not state.revocations.refuses(claims.session_id, claims.version, now)
        assert state.live_sessions.confirms(claims.session_id, claims.user_id, now)

    def plain() -> None:
        jwt.decode(
            token, keys.verifying_key, algorithms=[keys.algorithm], issuer=issuer, options={"require": REQUIRED_CLAIMS}
        )

    def best_of_three(check: Callable[[], None], calls: int = 20_000) -> float:
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            for _ in range(calls):
                check()
            timings.append((time.perf_counter() - started) / calls * 1e6)
        return min(timings)

    with app.app_context():
        return best_of_three(checked), best_of_three(plain)


def fresh_tokens(env: dict[str, str], token: str, count: int, path: Path) -> Path:
    """``count`` distinct, valid access tokens of the signed-in session, one a line.

    Each is new to the server, so every request of a run pays the full
    signature check: the probe's worst case, with its cache of verified tokens
    always missing.
    """
    import jwt

    from app import create_app
    from auth.core.tokens import encode_access

    state = create_app(env).extensions["auth"]
    claims = jwt.decode(token, options={"verify_signature": False})
    now = time.time()
    lines = (
        encode_access(
            state.keys,
            user_id=claims["sub"],
            session_id=claims["sid"],
            version=claims["sv"],
            roles=claims["roles"],
            issuer=state.settings.jwt_issuer,
            now=now,
            ttl=state.settings.access_token_ttl,
        )
        for _ in range(count)
    )
    path.write_text("\n".join(lines) + "\n")
    return path


def prepare(env: dict[str, str]) -> None:
    flask = [str(BIN / "flask"), "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    subprocess.run(
        [*flask, "users", "create", USER, "--password-stdin"],
        cwd=ROOT,
        env=env,
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
        timeout=120,
    )


def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def median(loads: list[Load]) -> Load:
    """Per measure, the median over the rounds: one round disturbed by a neighbour does not decide."""
    return Load(
        requests=sum(load.requests for load in loads),
        rate=statistics.median(load.rate for load in loads),
        ok_rate=statistics.median(load.ok_rate for load in loads),
        p50_ms=statistics.median(load.p50_ms for load in loads),
        p99_ms=statistics.median(load.p99_ms for load in loads),
        failures=sum(load.failures for load in loads),
    )


def measure(seconds: int, rounds: int, server_kind: str = "gunicorn") -> tuple[list[tuple[str, ...]], str]:
    """Run every measurement, alternating each figure with its reference round by round.

    Alternating spreads any background load over both sides of a ratio.
    """
    with tempfile.TemporaryDirectory(prefix="auth-bench-") as tmp:
        env = {
            **os.environ,
            "ENVIRONMENT": "PROD",
            "JWT_SECRET": secrets.token_urlsafe(48),
            "FRONTEND_URL": "https://app.example.com",
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            "INSTANCE_PATH": str(Path(tmp) / "instance"),
            "RATELIMIT_ENABLED": "false",
            "REDIS_URL": "",
            "HIBP_URL": "off",  # measure the server, not a third party
        }
        settings = Settings.from_env(env, env["INSTANCE_PATH"])
        gunicorn = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
        workers, threads = gunicorn["workers"], gunicorn["threads"]
        if gunicorn.get("METRICS_DIR_OWNED"):  # reading the config made a metrics dir: each master makes its own
            shutil.rmtree(gunicorn["METRICS_DIR"], ignore_errors=True)
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        hash_slots = workers * settings.hash_concurrency
        prepare(env)
        if server_kind == "granian":
            threads = int(os.environ.get("GRANIAN_BLOCKING_THREADS") or 8)
        kind = SERVERS[server_kind]
        server = kind("app:app", env, Path(tmp) / "server.log")
        floor = kind("bench.floor_app:app", env, Path(tmp) / "floor.log")
        try:
            server.wait_ready("/healthz")
            floor.wait_ready("/auth/is-authenticated")
            reply = requests.post(server.url + "/auth/login", json={"username": USER, "password": PASSWORD}, timeout=30)
            reply.raise_for_status()
            token = reply.cookies["access_token"]
            probe = server.url + "/auth/is-authenticated"
            floor_probe = floor.url + "/auth/is-authenticated"
            login = server.url + "/auth/login"

            floor_loads, probe_loads, cold_loads, cpu_ratios = [], [], [], []
            for round_number in range(rounds):
                floor_cpu = floor.cpu_seconds()
                floor_loads.append(wrk(floor_probe, seconds, PROBE_CONNECTIONS, cookie=token))
                floor_cpu = (floor.cpu_seconds() - floor_cpu) / floor_loads[-1].requests
                probe_cpu = server.cpu_seconds()
                probe_loads.append(wrk(probe, seconds, PROBE_CONNECTIONS, cookie=token))
                probe_cpu = (server.cpu_seconds() - probe_cpu) / probe_loads[-1].requests
                cpu_ratios.append((probe_cpu, floor_cpu))
                unseen = fresh_tokens(env, token, COLD_TOKENS, Path(tmp) / f"tokens-{round_number}.txt")
                cold_loads.append(wrk(probe, seconds, PROBE_CONNECTIONS, tokens=unseen))
            floor_rss = floor.peak_rss_mib()
            floor.stop()

            bounds, login_loads = [], []
            for _ in range(rounds):
                bounds.append(argon2_bound(settings, workers, settings.hash_concurrency, seconds))
                login_loads.append(wrk(login, seconds, hash_slots, login=True))

            idle_loads, flooded_loads, flood_loads = [], [], []
            for _ in range(rounds):
                idle_loads.append(wrk(probe, seconds, PROBE_CONNECTIONS, cookie=token))
                flood = threading.Thread(
                    target=lambda: flood_loads.append(wrk(login, seconds + 2, FLOOD_FACTOR * hash_slots, login=True))
                )
                flood.start()
                time.sleep(1)
                flooded_loads.append(wrk(probe, seconds, PROBE_CONNECTIONS, cookie=token))
                flood.join()
            server_rss = server.peak_rss_mib()
            # The floods' sign-ins can pass the per-user session cap and end the first session: sign in anew.
            deadline = time.monotonic() + 60
            while True:  # the flood's last sign-ins may still hold the hashing gate: 503, retry
                reply = requests.post(
                    server.url + "/auth/login", json={"username": USER, "password": PASSWORD}, timeout=60
                )
                if reply.status_code != 503 or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            reply.raise_for_status()
            checked_us, plain_us = token_check_us(env, reply.cookies["access_token"])
        finally:
            server.stop()
            floor.stop()

    floor_load, idle = median(floor_loads), median(probe_loads)
    logins, bound = median(login_loads), statistics.median(bounds)
    quiet, flooded = median(idle_loads), median(flooded_loads)
    failures = sum(load.failures for load in (floor_load, idle, logins, quiet, flooded))
    flood_load = median(flood_loads)
    # Each ratio is the median of the rounds' own ratios: a round compares runs made seconds apart.
    probe_ratio = statistics.median(p.rate / f.rate for p, f in zip(probe_loads, floor_loads, strict=True))
    cold = median(cold_loads)
    cold_ratio = statistics.median(c.rate / f.rate for c, f in zip(cold_loads, floor_loads, strict=True))
    # A machine too busy to finish one argon2 verification in a window gives no bound: no ratio, not a crash.
    login_ratio = statistics.median(
        run.ok_rate / b if b else float("nan") for run, b in zip(login_loads, bounds, strict=True)
    )
    probe_cpu_us = statistics.median(probe for probe, _ in cpu_ratios) * 1e6
    floor_cpu_us = statistics.median(floor for _, floor in cpu_ratios) * 1e6
    cpu_ratio = statistics.median(probe / floor for probe, floor in cpu_ratios)
    flood_ratio = statistics.median(f.p99_ms / q.p99_ms for f, q in zip(flooded_loads, idle_loads, strict=True))
    rows = [
        (
            "probe requests/s, one token as a browser sends (floor: bare Flask + PyJWT decode)",
            f"{idle.rate:,.0f}",
            f"{floor_load.rate:,.0f}",
            f"{probe_ratio:.2f}",
            ">= 0.85",
            verdict(probe_ratio >= 0.85),
        ),
        (
            "probe CPU us per request, workers' user+sys (floor's)",
            f"{probe_cpu_us:.0f}",
            f"{floor_cpu_us:.0f}",
            f"{1 / cpu_ratio:.2f}",
            ">= 0.85",
            verdict(1 / cpu_ratio >= 0.85),
        ),
        (
            "probe requests/s, every token new to the server (floor)",
            f"{cold.rate:,.0f}",
            f"{floor_load.rate:,.0f}",
            f"{cold_ratio:.2f}",
            ">= 0.85",
            verdict(cold_ratio >= 0.85),
        ),
        ("probe p50 ms (floor p50)", f"{idle.p50_ms:.2f}", f"{floor_load.p50_ms:.2f}", "", "", ""),
        ("probe p99 ms (floor p99)", f"{idle.p99_ms:.2f}", f"{floor_load.p99_ms:.2f}", "", "", ""),
        (
            "issue 3: token check with revocation view and live session, us (PyJWT decode alone)",
            f"{checked_us:.1f}",
            f"{plain_us:.1f}",
            f"{checked_us / plain_us:.2f}x",
            "<= 1.2x",
            verdict(checked_us / plain_us <= 1.2),
        ),
        (
            "issue 3, over HTTP, tokens new to the server: probe time per request / floor's",
            f"{1000 / cold.rate:.3f} ms",
            f"{1000 / floor_load.rate:.3f} ms",
            f"{1 / cold_ratio:.2f}x",
            "<= 1.2x",
            verdict(1 / cold_ratio <= 1.2),
        ),
        (
            f"logins/s, {hash_slots} connections (argon2-cffi alone, {workers} x {settings.hash_concurrency} threads)",
            f"{logins.ok_rate:.2f}",
            f"{bound:.2f}",
            f"{login_ratio:.2f}",
            ">= 0.9",
            verdict(login_ratio >= 0.9),
        ),
        (
            "probe p99 ms under a login flood (idle p99)",
            f"{flooded.p99_ms:.2f}",
            f"{quiet.p99_ms:.2f}",
            f"{flood_ratio:.1f}x",
            "<= 5x",
            verdict(flood_ratio <= 5),
        ),
        ("probe requests/s under the login flood (idle)", f"{flooded.rate:,.0f}", f"{quiet.rate:,.0f}", "", "", ""),
        (
            f"the flood: {FLOOD_FACTOR * hash_slots} connections; logins/s signed in (refused 503/s)",
            f"{flood_load.ok_rate:.2f}",
            f"{flood_load.rate - flood_load.ok_rate:,.0f}",
            "",
            "",
            "",
        ),
        ("peak RSS per worker, MiB (floor app)", f"{server_rss:.0f}", f"{floor_rss:.0f}", "", "", ""),
    ]
    setup = (
        f"{server_kind}: {workers} workers x {threads} threads, wrk {PROBE_CONNECTIONS} connections for the probe, "
        f"medians of {rounds} alternated rounds of {seconds} s; argon2 t={settings.argon2_time_cost} "
        f"m={settings.argon2_memory_kib} KiB p={settings.argon2_parallelism}"
    )
    if failures:
        setup += f"\nWARNING: {failures} non-2xx replies or socket errors; the figures are suspect"
    return rows, setup


COMPARED = (
    "probe requests/s, one token as a browser sends",
    "probe requests/s, every token new to the server",
    "logins/s",
    "probe p99 ms under a login flood",
    "peak RSS per worker, MiB",
)
"""Rows whose server figures the two servers are compared on (matched by the start of the label)."""


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * width for width in widths), *rows]:
        print("| " + " | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) + " |")


def number(cell: str) -> float | None:
    try:
        return float(cell.replace(",", "").rstrip("x"))
    except ValueError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=int, default=4, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=4, help="alternated rounds per comparison")
    parser.add_argument(
        "--server",
        nargs="+",
        choices=sorted(SERVERS),
        default=["gunicorn"],
        help="the server(s) to measure; with both, one after the other and their ratio (granian / gunicorn)",
    )
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    header = ("measure", "server", "reference", "ratio", "target", "met")
    measured: dict[str, list[tuple[str, ...]]] = {}
    for kind in options.server:
        load_before = os.getloadavg()[0]
        rows, setup = measure(options.seconds, options.rounds, kind)
        measured[kind] = rows
        if kind == options.server[-1]:
            rows = rows + second_factor_rows() + org_claim_rows()
        print(setup)
        print(f"load average (1 min) before {load_before:.2f}, after {os.getloadavg()[0]:.2f}")
        print_table(header, rows)
        print()
    if {"gunicorn", "granian"} <= set(measured):
        compared = []
        for start in COMPARED:
            found = [
                next((row for row in measured[kind] if row[0].startswith(start)), None)
                for kind in ("gunicorn", "granian")
            ]
            if None in found:
                continue
            gunicorn, granian = (number(row[1]) for row in found)
            ratio = f"{granian / gunicorn:.2f}" if gunicorn and granian is not None else ""
            compared.append((start, found[1][1], found[0][1], ratio))
        print_table(("measure", "granian", "gunicorn", "granian / gunicorn"), compared)


if __name__ == "__main__":
    main()

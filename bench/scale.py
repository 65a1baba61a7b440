"""The server at scale, on real PostgreSQL and Redis; one table, each figure against its baseline.

    .venv/bin/python bench/scale.py --users 1000000     # also measures at 10,000 first, to compare
    .venv/bin/python bench/scale.py --users 10000 --seconds 1 --runs 20   # the CI smoke run

Uses its own database (``--url``, default ``bench_scale`` on 127.0.0.1:5432,
created when missing, never a ``test*`` one) and ``--redis-url``. For each
size it loads, with COPY (secondary indexes dropped, then rebuilt, then
ANALYZE): N users (one precomputed argon2 hash with the server's parameters
for all of them; user 1 is the bench's own sign-in), N live sessions, 5N
audit rows, N API keys (SHA-256 digests of real keys), N/10 organisations
and a membership for every user. Then it starts the server
(``gunicorn.conf.py``, one worker per usable core, production settings) and
the floor app (``bench/floor_app.py``) and measures, each against a
baseline from the same run:

- server start (from the command to the first probe answered 200, a token of
  a generated session, so no sign-in is timed) and resident memory per worker
  with every session in the database (the revocation view must not load them);
- logins/s against argon2-cffi alone with the same parameters and layout;
- refresh rotations per second of server CPU (per core), beside Keycloak's
  published 120 per vCPU;
- the probe with a token new to the server on every request (the first
  request after a refresh) and with the browser's cached token, against the
  floor;
- the API-key check against the cookie probe;
- the admin console's user search and audit list, p95 (``bench/admin_search.py``'s queries).

``--json FILE`` also writes the figures, for tests and for bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import requests  # noqa: E402

from bench.admin_search import AGENTS, EVENTS, YEAR, _name, ensure_database  # noqa: E402
from bench.admin_search import measure as admin_measure  # noqa: E402
from bench.run import COLD_TOKENS, PASSWORD, PROBE_CONNECTIONS, USER, Gunicorn, argon2_bound, fresh_tokens, wrk  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_scale"
SMALL = 10_000
KEYCLOAK_PER_VCPU = 120
GOALS = {
    "login": 0.9,
    "unseen": 0.8,
    "cached": 1.0,
    "api_key": 0.9,
    "admin_p95_ms": 50.0,
    "rss_mib": 256.0,
    "start_s": 5.0,
}
FIGURES = (
    ("start_s", "server start to the first probe, s", "start_s"),
    ("rss_mib", "RSS per worker after the run, MiB (largest)", "rss_mib"),
    ("login_rate", "logins/s (argon2 alone)", "login"),
    ("login_per_core", "logins/s per core", None),
    ("refresh_per_core", f"refresh rotations per CPU-second (Keycloak: {KEYCLOAK_PER_VCPU}/vCPU)", None),
    ("unseen_rate", "probe req/s, every token new (floor)", "unseen"),
    ("cached_rate", "probe req/s, the browser's cached token (floor)", "cached"),
    ("api_key_rate", "API key req/s (cookie probe)", "api_key"),
    ("admin_p95_ms", "admin search and audit list p95, ms (slowest query)", "admin_p95_ms"),
    ("failures", "failed or non-2xx requests (probes, keys, refreshes)", None),
    ("login_refused", "logins refused (503 at the full hashing gate, by design)", None),
)


def copy_rows(connection: psycopg.Connection, statement: str, rows: Iterator[str], batch: int = 100_000) -> None:
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        buffer = io.StringIO()
        for count, line in enumerate(rows, 1):
            buffer.write(line)
            if count % batch == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def load(app: Any, plain_url: str, users: int, password_hash: str) -> tuple[str, dict[str, float]]:
    """Make the tables from the models and fill them; returns the API key of user 1 and load times."""
    from auth.apikeys.keyformat import digest, new_key, shown_prefix
    from models import ApiKey, AuditEvent, Membership, Organisation, Session, User, db

    with app.app_context():
        db.drop_all()
        db.create_all()
        tables = [User, AuditEvent, Session, ApiKey, Organisation, Membership]
        indexes = [index for model in tables for index in model.__table__.indexes]
        for index in indexes:
            index.drop(db.engine)
    rng = random.Random(24)
    now = time.time()
    timings: dict[str, float] = {}
    known_key = new_key()
    with psycopg.connect(plain_url, autocommit=True) as connection:

        def timed(name: str, statement: str, rows: Iterator[str]) -> None:
            started = time.perf_counter()
            copy_rows(connection, statement, rows)
            timings[name] = time.perf_counter() - started
            print(f"  {name}: {timings[name]:.0f} s", flush=True)

        def user_rows() -> Iterator[str]:
            for index in range(1, users + 1):
                name = USER if index == 1 else _name(rng, index)
                roles = '["admin"]' if index % 100 == 0 else '["editor"]' if index % 10 == 0 else "[]"
                created = now - rng.random() * YEAR
                yield f"{index}\t{name}\t{name}\t{password_hash}\t{roles}\t{created:.3f}\t{name}@example.org\n"

        timed(
            "users",
            "COPY users (id, username, username_key, password_hash, roles, created_at, email) FROM STDIN",
            user_rows(),
        )

        def session_rows() -> Iterator[str]:
            for index in range(1, users + 1):
                created = now - rng.random() * 86400 * 7
                yield (
                    f"s{index:031x}\t{index}\t{created:.3f}\t{now:.3f}\t{now + 86400 * 30:.3f}\t{created:.3f}\t1\t"
                    f"{AGENTS[index % 3]}\t10.0.{index % 250}.1\n"
                )

        timed(
            "sessions",
            "COPY sessions (id, user_id, created_at, last_used_at, expires_at, authenticated_at, version, "
            "user_agent, ip) FROM STDIN",
            session_rows(),
        )
        names = [name for name, weight in EVENTS for _ in range(weight)]

        def event_rows() -> Iterator[str]:
            for index in range(1, users * 5 + 1):
                yield (
                    f"{index}\t{now - rng.random() * YEAR:.3f}\t{rng.choice(names)}\t{rng.randint(1, users)}\t\\N\t"
                    f"s{rng.getrandbits(64):x}\t10.{index % 250}.{rng.randint(0, 255)}.1\t{AGENTS[index % 3]}\t{{}}\n"
                )

        timed(
            "audit_events",
            "COPY audit_events (id, created_at, event, user_id, actor_id, session_id, ip, user_agent, details) "
            "FROM STDIN",
            event_rows(),
        )

        def key_rows() -> Iterator[str]:
            for index in range(1, users + 1):
                key = known_key if index == 1 else new_key()
                yield f"{index}\t{index}\tbench\t{shown_prefix(key)}\t{digest(key)}\t[]\t{now:.3f}\t[]\n"

        timed(
            "api_keys",
            "COPY api_keys (id, user_id, name, prefix, digest, scopes, created_at, addresses) FROM STDIN",
            key_rows(),
        )
        orgs = max(1, users // 10)
        timed(
            "organisations",
            "COPY organisations (id, slug, name, created_by, created_at) FROM STDIN",
            (f"{i}\torg{i}\tOrganisation {i}\t{i}\t{now:.3f}\n" for i in range(1, orgs + 1)),
        )
        # Every user belongs to one organisation; the first user of each is its owner.
        timed(
            "memberships",
            "COPY memberships (org_id, user_id, role, created_at) FROM STDIN",
            (
                f"{(i - 1) % orgs + 1}\t{i}\t{'owner' if i <= orgs else 'member'}\t{now:.3f}\n"
                for i in range(1, users + 1)
            ),
        )
        for table, count in (
            ("users", users),
            ("audit_events", users * 5),
            ("api_keys", users),
            ("organisations", max(1, users // 10)),
        ):
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", (count,))
    started = time.perf_counter()
    with app.app_context():
        for index in indexes:
            index.create(db.engine)
    with psycopg.connect(plain_url, autocommit=True) as connection:
        connection.execute("ANALYZE")
    timings["indexes"] = time.perf_counter() - started
    print(f"  indexes and ANALYZE: {timings['indexes']:.0f} s", flush=True)
    return known_key, timings


def rotations_per_cpu_second(server: Gunicorn, seconds: float, browsers: int = 4) -> tuple[float, int]:
    """Browsers refreshing in a loop; rotations per second of the workers' CPU time.

    Production cookies are ``Secure``, so over the bench's plain HTTP each
    browser carries its refresh cookie itself.
    """
    cookies = []
    for _ in range(browsers):
        reply = requests.post(server.url + "/auth/login", json={"username": USER, "password": PASSWORD}, timeout=60)
        reply.raise_for_status()
        cookies.append(reply.cookies["refresh_token"])
    counts = [0] * browsers
    failures = [0] * browsers
    stop = threading.Event()

    def loop(index: int) -> None:
        http = requests.Session()
        while not stop.is_set():
            reply = http.post(
                server.url + "/auth/refresh", headers={"Cookie": f"refresh_token={cookies[index]}"}, timeout=30
            )
            if reply.status_code == 200:
                cookies[index] = reply.cookies["refresh_token"]
                counts[index] += 1
            else:
                failures[index] += 1

    cpu = server.cpu_seconds()
    threads = [threading.Thread(target=loop, args=(index,)) for index in range(browsers)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(60)
    used = server.cpu_seconds() - cpu
    return sum(counts) / max(used, 1e-9), sum(failures)


def generated_session_token(app: Any) -> str:
    """An access token for user 1's generated session: the first probe needs no sign-in (no argon2)."""
    from auth.core.tokens import encode_access

    state = app.extensions["auth"]
    return encode_access(
        state.keys,
        user_id="1",
        session_id=f"s{1:031x}",
        version=1,
        roles=[],
        issuer=state.settings.jwt_issuer,
        now=time.time(),
        ttl=state.settings.access_token_ttl,
    )


def worker_rss_mib(server: Gunicorn) -> float:
    sizes = []
    for pid in server.workers():
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return max(sizes)


def measure_size(options: argparse.Namespace, users: int, plain_url: str, workdir: Path) -> dict[str, float]:
    from app import create_app
    from auth.core.settings import Settings

    env = {
        **os.environ,
        "ENVIRONMENT": "PROD",
        "JWT_SECRET": secrets.token_urlsafe(48),
        "FRONTEND_URL": "https://app.example.com",
        "DATABASE_URL": options.url,
        "REDIS_URL": options.redis_url,
        "INSTANCE_PATH": str(workdir / "instance"),
        "RATELIMIT_ENABLED": "false",
        "HIBP_URL": "off",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    app = create_app(env)
    settings: Settings = app.extensions["auth"].settings
    from argon2 import PasswordHasher

    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    print(f"== {users:,} users: loading", flush=True)
    key, _timings = load(app, plain_url, users, hasher.hash(PASSWORD))
    figures: dict[str, float] = {}
    seconds = options.seconds
    workers = int(os.environ.get("WEB_CONCURRENCY") or len(os.sched_getaffinity(0)))
    env["WEB_CONCURRENCY"] = str(workers)

    generated = generated_session_token(app)
    started = time.monotonic()
    server = Gunicorn("app:app", env, workdir / f"server-{users}.log")
    floor = Gunicorn("bench.floor_app:app", env, workdir / f"floor-{users}.log")
    try:
        server.wait_ready("/healthz")
        probe = server.url + "/auth/is-authenticated"
        first = requests.get(probe, headers={"Cookie": f"access_token={generated}"}, timeout=30)
        figures["start_s"] = time.monotonic() - started
        assert first.status_code == 200, first.text
        reply = requests.post(server.url + "/auth/login", json={"username": USER, "password": PASSWORD}, timeout=60)
        reply.raise_for_status()
        token = reply.cookies["access_token"]
        floor.wait_ready("/auth/is-authenticated")
        print(f"== {users:,} users: measuring", flush=True)
        floor_load = wrk(floor.url + "/auth/is-authenticated", seconds, PROBE_CONNECTIONS, cookie=token)
        cached = wrk(probe, seconds, PROBE_CONNECTIONS, cookie=token)
        unseen_tokens = fresh_tokens(
            env, token, min(COLD_TOKENS, max(2000, int(floor_load.rate * seconds * 2))), workdir / "tokens.txt"
        )
        unseen = wrk(probe, seconds, PROBE_CONNECTIONS, tokens=unseen_tokens)
        keyed = wrk(probe, seconds, PROBE_CONNECTIONS, header=f"Authorization: Bearer {key}")
        floor.stop()
        hash_slots = workers * settings.hash_concurrency
        hashing_seconds = max(seconds, 3)  # an argon2 verification takes a good part of a second
        logins = wrk(server.url + "/auth/login", hashing_seconds, hash_slots, login=True)
        bound = argon2_bound(settings, workers, settings.hash_concurrency, hashing_seconds)
        per_cpu, refresh_failures = rotations_per_cpu_second(server, seconds)
        figures["rss_mib"] = worker_rss_mib(server)
    finally:
        server.stop()
        floor.stop()
    figures |= {
        "floor_rate": floor_load.rate,
        "cached_rate": cached.rate,
        "unseen_rate": unseen.rate,
        "api_key_rate": keyed.rate,
        "login_rate": logins.rate,
        "argon2_rate": bound,
        "login_per_core": logins.rate / workers,
        "refresh_per_core": per_cpu,
        "workers": workers,
        "failures": cached.failures + unseen.failures + keyed.failures + refresh_failures,
        "login_refused": logins.failures,
    }
    figures["login"] = ratio(logins.rate, bound)
    figures["unseen"] = ratio(unseen.rate, floor_load.rate)
    figures["cached"] = ratio(cached.rate, floor_load.rate)
    figures["api_key"] = ratio(keyed.rate, cached.rate)
    with app.app_context():
        from models import db

        admin = admin_measure(app, options.runs, users, False)
        db.session.remove()
        db.engine.dispose()
    figures["admin_p95_ms"] = max(p95 for _, _, p95 in admin)
    for label, p50, p95 in admin:
        print(f"  {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    return figures


def ratio(value: float, base: float) -> float:
    return value / base if base else 0.0


def shown(key: str, figures: dict[str, float]) -> str:
    """One cell: the figure and, where there is a baseline, the ratio to it."""
    value = figures[key]
    ratios = {
        "login_rate": ("login", "argon2_rate"),
        "unseen_rate": ("unseen", "floor_rate"),
        "cached_rate": ("cached", "floor_rate"),
        "api_key_rate": ("api_key", "cached_rate"),
    }
    if key in ratios:
        ratio, base = ratios[key]
        return f"{value:,.0f} ({figures[base]:,.0f}) {figures[ratio]:.2f}x"
    if key == "refresh_per_core":
        return f"{value:,.0f} {value / KEYCLOAK_PER_VCPU:.2f}x"
    return f"{value:,.1f}" if isinstance(value, float) else str(value)


def met(goal_key: str | None, figures: dict[str, float]) -> str:
    if goal_key is None:
        return ""
    goal = GOALS[goal_key]
    if goal_key in ("admin_p95_ms", "rss_mib", "start_s"):
        return f"< {goal:g}: {'yes' if figures[goal_key] < goal else 'NO'}"
    return f">= {goal:g}x: {'yes' if figures[goal_key] >= goal else 'NO'}"


def table(results: dict[int, dict[str, float]]) -> str:
    sizes = sorted(results)
    largest = results[sizes[-1]]
    header = ["figure (baseline)", *(f"{size:,} users" for size in sizes), "goal (largest)"]
    if len(sizes) > 1:
        header.insert(-1, "moves")
    rows = [header]
    for key, label, goal_key in FIGURES:
        row = [label, *(shown(key, results[size]) for size in sizes)]
        if len(sizes) > 1:
            first = results[sizes[0]][key]
            row.append(f"{largest[key] / first:.2f}x" if first else "")
        row.append(met(goal_key, largest))
        rows.append(row)
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    lines.append("organisations: N/10, every user a member of one")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--url", default=os.environ.get("BENCH_SCALE_URL", DEFAULT_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_SCALE_REDIS_URL", "redis://127.0.0.1:6379/11"))
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--runs", type=int, default=100, help="samples per admin query")
    parser.add_argument("--no-small", action="store_true", help="skip the 10,000-user comparison run")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    options = parser.parse_args()
    plain = ensure_database(options.url)
    sizes = [options.users] if options.users <= SMALL or options.no_small else [SMALL, options.users]
    started = time.monotonic()
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="auth-bench-scale-") as tmp:
        for size in sizes:
            results[size] = measure_size(options, size, plain, Path(tmp))
    print(
        f"\nmachine: {len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.1f}; "
        f"{time.monotonic() - started:.0f} s in all\n"
    )
    print(table(results))
    if options.json:
        options.json.write_text(json.dumps({"sizes": {str(k): v for k, v in results.items()}}, indent=2))


if __name__ == "__main__":
    main()

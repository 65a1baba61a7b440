"""The admin console's lists on real PostgreSQL: user search and the audit list.

    .venv/bin/python bench/admin_search.py                 # 1,000,000 users, 5,000,000 audit rows
    .venv/bin/python bench/admin_search.py --users 20000   # a quick run (events: 5 per user)

Uses its own database (``--url``, default ``bench_admin`` on 127.0.0.1:5432,
created when missing; never a test database). The tables are made from the
models (what ``flask db upgrade`` makes: ``tests/test_migrations.py`` holds
them equal), loaded with COPY with their secondary indexes dropped and then
rebuilt, one precomputed argon2 hash for every user, then ANALYZEd. A load is
reused when the row counts already match (``--fresh`` reloads).

Each query runs through the server's own code (``auth.admin.listing``: the
SQLAlchemy statement, the ORM rows), in an app context, after a warm-up, and
prints p50/p95 in milliseconds:

- prefix search: ``q`` = two random letters of a name (``GET /auth/admin/users?q=ka``);
- filtered page: a one-letter prefix and ``role=editor&locked=false``;
- tenth page by cursor: the users list walked page by page, the tenth timed;
- the audit list: one user's events, one event name, and its tenth page.

``--explain`` prints each query's plan.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_admin"
SYLLABLES = (
    "ka ri to mi na se lo ve da ne ar el in on us am or is ul an ba co de fi go hu ja ke li mo nu pa "
    "qu ra so ta vi wo xa yu zo be ce du fa ge hi jo ku la me ni"
).split()
EVENTS = (("login", 50), ("refresh", 30), ("login_failed", 10), ("logout", 6), ("user_locked", 1), ("mfa_reset", 1))
AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile Safari/604.1",
)
YEAR = 365 * 86400


def _name(rng: random.Random, index: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) + str(index)


def _copy(connection: psycopg.Connection, statement: str, rows: Callable[[], Any], batch: int = 100_000) -> None:
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        buffer = io.StringIO()
        for count, line in enumerate(rows(), 1):
            buffer.write(line)
            if count % batch == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def load(app: Any, plain_url: str, users: int, events: int) -> None:
    """Drop and make the tables, COPY the rows in, rebuild the indexes, ANALYZE."""
    from argon2 import PasswordHasher

    from models import AuditEvent, User, db

    with app.app_context():
        db.drop_all()
        db.create_all()
        indexes = [*User.__table__.indexes, *AuditEvent.__table__.indexes]
        for index in indexes:
            index.drop(db.engine)
    password_hash = PasswordHasher().hash("bench password that nobody uses")
    rng = random.Random(19)
    now = time.time()
    started = time.perf_counter()
    with psycopg.connect(plain_url, autocommit=True) as connection:

        def user_rows() -> Any:
            for index in range(1, users + 1):
                name = _name(rng, index)
                roll = rng.random()
                roles = '["admin"]' if roll < 0.01 else '["editor"]' if roll < 0.11 else "[]"
                email = f"{name}@example.org"
                verified = rng.random() < 0.6
                locked = f"{now - 86400:.3f}" if rng.random() < 0.005 else "\\N"
                yield (
                    f"{index}\t{name}\t{name}\t{password_hash}\t{roles}\t{now - rng.random() * YEAR:.3f}\t{email}\t"
                    f"{email if verified else chr(92) + 'N'}\t{f'{now:.3f}' if verified else chr(92) + 'N'}\t{locked}\n"
                )

        _copy(
            connection,
            "COPY users (id, username, username_key, password_hash, roles, created_at, email, email_key, "
            "email_verified_at, locked_at) FROM STDIN",
            user_rows,
        )
        print(f"users: {users:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
        names = [name for name, weight in EVENTS for _ in range(weight)]

        def event_rows() -> Any:
            for index in range(1, events + 1):
                user = rng.randint(1, users)
                yield (
                    f"{index}\t{now - rng.random() * YEAR:.3f}\t{rng.choice(names)}\t{user}\t\\N\t"
                    f"s{rng.getrandbits(64):x}\t10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}\t"
                    f"{rng.choice(AGENTS)}\t{{}}\n"
                )

        started = time.perf_counter()
        _copy(
            connection,
            "COPY audit_events (id, created_at, event, user_id, actor_id, session_id, ip, user_agent, details) "
            "FROM STDIN",
            event_rows,
        )
        print(f"audit_events: {events:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
        connection.execute("SELECT setval('users_id_seq', %s)", (users,))
        connection.execute("SELECT setval('audit_events_id_seq', %s)", (events,))
    started = time.perf_counter()
    with app.app_context():
        for index in indexes:
            index.create(db.engine)
    with psycopg.connect(plain_url, autocommit=True) as connection:
        connection.execute("ANALYZE users")
        connection.execute("ANALYZE audit_events")
    print(f"indexes and ANALYZE in {time.perf_counter() - started:.0f} s", flush=True)


def ensure_database(url: str) -> str:
    """The plain libpq URL of ``url``'s database, created when missing."""
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    base, _, name = plain.rpartition("/")
    if name.startswith("test"):
        raise SystemExit(f"refusing to use {name!r}: the benchmark needs a database of its own")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
    return plain


def plan(session: Any, statement: Any, *, analyze: bool = False) -> list[str]:
    """The PostgreSQL plan of a SQLAlchemy statement, with its parameters bound as the server binds them."""
    compiled = statement.compile(session.get_bind())
    prefix = "EXPLAIN ANALYZE " if analyze else "EXPLAIN "
    rows = session.connection().exec_driver_sql(prefix + str(compiled), compiled.params)
    return [row[0] for row in rows]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000


def measure(app: Any, runs: int, users: int, explain: bool) -> list[tuple[str, float, float]]:
    from auth.admin.listing import AuditQuery, UserQuery, events_statement, list_events, search_users, users_statement
    from models import db

    rng = random.Random(7)
    letters = "abcdefghijklmnoprstuvwyz"

    def prefix_search() -> float:
        query = UserQuery(q=rng.choice(SYLLABLES)[0] + rng.choice(letters))
        started = time.perf_counter()
        search_users(query, cursor=None, limit=50)
        return time.perf_counter() - started

    def filtered_page() -> float:
        query = UserQuery(q=rng.choice(SYLLABLES)[0], role="editor", locked=False)
        started = time.perf_counter()
        search_users(query, cursor=None, limit=50)
        return time.perf_counter() - started

    def tenth_page() -> float:
        query = UserQuery(q=rng.choice(SYLLABLES)[:1])
        cursor = None
        for _ in range(9):
            cursor = search_users(query, cursor=cursor, limit=50).next_cursor
        started = time.perf_counter()
        search_users(query, cursor=cursor, limit=50)
        return time.perf_counter() - started

    def audit_by_user() -> float:
        started = time.perf_counter()
        list_events(AuditQuery(user_id=rng.randint(1, users)), cursor=None, limit=50)
        return time.perf_counter() - started

    def audit_by_event() -> float:
        started = time.perf_counter()
        list_events(AuditQuery(event=rng.choice(("login", "logout", "user_locked"))), cursor=None, limit=50)
        return time.perf_counter() - started

    def audit_tenth_page() -> float:
        query = AuditQuery(event=rng.choice(("login", "login_failed")))
        cursor = None
        for _ in range(9):
            cursor = list_events(query, cursor=cursor, limit=50).next_cursor
        started = time.perf_counter()
        list_events(query, cursor=cursor, limit=50)
        return time.perf_counter() - started

    cases: list[tuple[str, Callable[[], float]]] = [
        ("users: prefix search (q=2 letters)", prefix_search),
        ("users: filtered page (q=1 letter, role, locked)", filtered_page),
        ("users: tenth page by cursor", tenth_page),
        ("audit: one user's events", audit_by_user),
        ("audit: one event name", audit_by_event),
        ("audit: tenth page by cursor", audit_tenth_page),
    ]
    results = []
    with app.app_context():
        if explain:
            plans = [
                users_statement(UserQuery(q="ka"), None, 51)[0],
                users_statement(UserQuery(q="k", role="editor", locked=False), None, 51)[0],
                users_statement(UserQuery(q="k"), ["kakaka"], 51)[0],
                events_statement(AuditQuery(user_id=1), None, 51),
                events_statement(AuditQuery(event="login"), [time.time() - 86400, 10**9], 51),
            ]
            for statement in plans:
                print("\n".join(plan(db.session, statement, analyze=True)), "\n")
        for label, case in cases:
            for _ in range(5):
                case()
            samples = []
            for _ in range(runs):
                samples.append(case())
                db.session.rollback()
            p50, p95 = percentiles(samples)
            results.append((label, p50, p95))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_ADMIN_URL", DEFAULT_URL))
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, help="audit rows (default: 5 per user)")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--fresh", action="store_true", help="reload even when the row counts match")
    parser.add_argument("--explain", action="store_true", help="print the query plans (EXPLAIN ANALYZE)")
    options = parser.parse_args()
    events = options.events if options.events is not None else options.users * 5
    plain = ensure_database(options.url)

    from app import create_app
    from models import AuditEvent, User, db

    app = create_app(
        {
            "ENVIRONMENT": "PROD",
            "JWT_SECRET": "bench-secret-0123456789-abcdefghijklmnop",
            "FRONTEND_URL": "https://app.example.com",
            "DATABASE_URL": options.url,
            "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-admin-"),
            "REDIS_URL": "",
            "HIBP_URL": "off",
            "MAIL_URL": "console:",
        }
    )
    with app.app_context():
        try:
            have = (
                db.session.scalar(select(func.count()).select_from(User)),
                db.session.scalar(select(func.count()).select_from(AuditEvent)),
            )
        except Exception:  # noqa: BLE001 - no tables yet
            db.session.rollback()
            have = (None, None)
    if options.fresh or have != (options.users, events):
        load(app, plain, options.users, events)
    else:
        print(f"reusing {options.users:,} users and {events:,} audit rows in the database", flush=True)
    print(f"\n{'query':<50} {'p50 ms':>8} {'p95 ms':>8}   ({options.runs} runs each)")
    for label, p50, p95 in measure(app, options.runs, options.users, options.explain):
        print(f"{label:<50} {p50:>8.2f} {p95:>8.2f}")


if __name__ == "__main__":
    main()

"""On PostgreSQL, the admin lists' queries use indexes: no sequential scan for the
user search (prefix, filtered, a later page) nor for the audit list (by user, by
event, a later page), on tables large enough for the planner to prefer one if it could.

The statements are the server's own (``auth.admin.listing``), bound as it binds them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import text

from auth.admin.listing import AuditQuery, UserQuery, events_statement, users_statement
from models import db
from tests.admin_helpers import admin_client
from tests.conftest import add_user
from tests.servers import scratch_postgres

pytestmark = pytest.mark.postgres

USERS, EVENTS = 30_000, 150_000


@pytest.fixture
def pg_app(make_app: Callable[..., Flask], postgres_url: str) -> Iterator[Flask]:
    with scratch_postgres(postgres_url) as url:
        app = make_app(DATABASE_URL=url)
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def fill(app: Flask) -> None:
    now = time.time()
    with app.app_context():
        db.session.execute(
            text(
                "INSERT INTO users (username, username_key, password_hash, roles, created_at, email, email_key, "
                "locked_at) SELECT 'u' || md5(i::text), 'u' || md5(i::text), 'x', "
                "CASE WHEN i % 10 = 0 THEN '[\"editor\"]' ELSE '[]' END::json, :now, "
                "md5(i::text) || '@example.org', CASE WHEN i % 2 = 0 THEN md5(i::text) || '@example.org' END, "
                "CASE WHEN i % 200 = 0 THEN :now END FROM generate_series(1, :n) AS i"
            ),
            {"now": now, "n": USERS},
        )
        db.session.execute(
            text(
                "INSERT INTO audit_events (created_at, event, user_id, details) "
                "SELECT :now - i, (ARRAY['login','refresh','logout','login_failed'])[1 + i % 4], 1 + i % :users, "
                "'{}'::json FROM generate_series(1, :n) AS i"
            ),
            {"now": now, "users": USERS, "n": EVENTS},
        )
        db.session.commit()
        db.session.execute(text("ANALYZE users"))
        db.session.execute(text("ANALYZE audit_events"))
        db.session.commit()


def plan(statement: object) -> str:
    compiled = statement.compile(db.engine)  # type: ignore[attr-defined]
    rows = db.session.connection().exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
    return "\n".join(row[0] for row in rows)


STATEMENTS = {
    "prefix search": lambda: users_statement(UserQuery(q="u1"), None, 51)[0],
    "email prefix": lambda: users_statement(UserQuery(q="ab@"), None, 51)[0],
    "filtered page": lambda: users_statement(UserQuery(q="u1", role="editor", locked=False), None, 51)[0],
    "all users, later page": lambda: users_statement(UserQuery(), ["u8"], 51)[0],
    "audit by user": lambda: events_statement(AuditQuery(user_id=7), None, 51),
    "audit by event": lambda: events_statement(AuditQuery(event="logout"), None, 51),
    "audit later page": lambda: events_statement(AuditQuery(), [time.time() - 5000, 10**9], 51),
    "audit by user since": lambda: events_statement(AuditQuery(user_id=7, since=time.time() - 86400), None, 51),
}


def test_the_admin_lists_use_indexes(pg_app: Flask) -> None:
    fill(pg_app)
    with pg_app.app_context():
        for name, build in STATEMENTS.items():
            shown = plan(build())
            assert "Seq Scan" not in shown, f"{name}:\n{shown}"
            assert "Index" in shown, f"{name}:\n{shown}"


def test_the_check_sees_a_sequential_scan(pg_app: Flask) -> None:
    """The assertion above can fail: a search on an unindexed column plans a sequential scan."""
    fill(pg_app)
    from sqlalchemy import select

    from models import User

    with pg_app.app_context():
        assert "Seq Scan" in plan(select(User).where(User.password_hash == "x").order_by(User.created_at).limit(5))


def test_search_on_postgresql_is_byte_ordered_and_case_folded(pg_app: Flask) -> None:
    for name in ("Anton", "antje", "ännchen", "anna"):
        add_user(pg_app, name)
    _, admin = admin_client(pg_app)
    reply = admin.get("/auth/admin/users?q=AN")
    assert [u["username"] for u in reply.json["items"]] == ["anna", "antje", "Anton"]
    first = admin.get("/auth/admin/users?q=an&limit=2").json
    rest = admin.get(f"/auth/admin/users?q=an&limit=2&cursor={first['next_cursor']}").json
    assert [u["username"] for u in first["items"] + rest["items"]] == ["anna", "antje", "Anton"]
    assert [u["username"] for u in admin.get("/auth/admin/users?q=ÄN").json["items"]] == ["ännchen"]

"""A sign-in the hashing gate would refuse is refused before any other work (issue 18).

Under a flood most sign-ins get a quick 503; each used to read the user from
the database first, and that read, thousands of times a second, held up every
other request of the process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from models import db
from tests.conftest import PASSWORD, add_user


@contextmanager
def statements(app) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_full_gate_refuses_a_sign_in_without_reading_the_user(make_app):
    app = make_app(HASH_CONCURRENCY="1", HASH_QUEUE="0")
    add_user(app)
    client = app.test_client()
    with app.extensions["auth"].gate.admit(), statements(app) as seen:  # the one slot is taken
        reply = client.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    assert reply.status_code == 503
    assert reply.headers["Retry-After"] == "1"
    assert reply.get_json()["success"] is False
    assert not [s for s in seen if "users" in s], f"the refusal read the database: {seen}"
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200

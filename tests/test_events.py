"""Signals the core raises (auth/core/events.py): sent once per event, to the app it happened in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from blinker import NamedSignal
from flask import Flask

from auth.core.events import password_changed, session_started, user_registered
from tests.conftest import PASSWORD, add_user

NEW_PASSWORD = "a different horse battery staple"


@contextmanager
def heard(signal: NamedSignal, app: Flask) -> Iterator[list[dict]]:
    events: list[dict] = []

    def receive(sender: Flask, **details: object) -> None:
        events.append(details)

    signal.connect(receive, sender=app)
    try:
        yield events
    finally:
        signal.disconnect(receive, sender=app)


def test_registration_announces_the_new_user_to_its_own_app_only(make_app, tmp_path):
    app = make_app(ALLOW_REGISTRATION="true")
    other = make_app(ALLOW_REGISTRATION="true", DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}")
    with heard(user_registered, app) as here, heard(user_registered, other) as there:
        reply = app.test_client().post(
            "/auth/register", json={"username": "bob", "password": PASSWORD, "email": "bob@example.com"}
        )
        assert reply.status_code == 201
    assert len(here) == 1 and here[0]["email"] == "bob@example.com" and isinstance(here[0]["user_id"], int)
    assert there == []


def test_a_sign_in_announces_its_session_and_method(make_app):
    app = make_app()
    add_user(app)
    with heard(session_started, app) as events:
        reply = app.test_client().post("/auth/login", json={"username": "alice", "password": PASSWORD})
        assert reply.status_code == 200
    assert [(e["method"], bool(e["session_id"])) for e in events] == [("password", True)]


def test_a_password_change_is_announced(make_app):
    app = make_app()
    user_id = add_user(app)
    client = app.test_client()
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    with heard(password_changed, app) as events:
        reply = client.post("/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
        assert reply.status_code == 200, reply.get_json()
    assert events == [{"user_id": user_id}]

"""SESSION_LIMIT_PER_USER: successful sign-ins cannot grow one user's sessions without bound.

Beyond the limit, each new sign-in ends the least recently used session,
revoked like a logout: its refresh token dies and its access token is refused
at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from auth.core.settings import ConfigError
from tests.conftest import PASSWORD, add_user


def sign_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    return client


def test_the_least_recently_used_session_ends_beyond_the_limit(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(SESSION_LIMIT_PER_USER="3")
    add_user(app)
    first, second, third = sign_in(app), sign_in(app), sign_in(app)
    assert first.post("/auth/refresh").status_code == 200  # first is now used more recently than second
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="auth.audit"):
        fourth = sign_in(app)
    assert second.get("/auth/me").status_code == 401
    assert second.post("/auth/refresh").status_code == 401
    for client in (first, third, fourth):
        assert client.get("/auth/me").status_code == 200
    assert len(fourth.get("/auth/sessions").get_json()["sessions"]) == 3
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "auth.audit"]
    assert [e["event"] for e in events] == ["login", "session_limit_reached"]
    assert events[1]["session_id"] not in {events[0]["session_id"]}


def test_a_limit_of_one_keeps_only_the_newest(make_app: Callable[..., Flask]) -> None:
    app = make_app(SESSION_LIMIT_PER_USER="1")
    add_user(app)
    old = sign_in(app)
    new = sign_in(app)
    assert old.get("/auth/me").status_code == 401
    assert new.get("/auth/me").status_code == 200


def test_the_default_is_fifty_and_zero_is_refused(make_app: Callable[..., Flask]) -> None:
    assert make_app().extensions["auth"].settings.session_limit_per_user == 50
    with pytest.raises(ConfigError, match="SESSION_LIMIT_PER_USER"):
        make_app(SESSION_LIMIT_PER_USER="0")

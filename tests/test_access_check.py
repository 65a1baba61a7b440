"""An access token must name a live session of its ``sub``, and never outlives today's TTL."""

from __future__ import annotations

import time

import jwt
import pytest

from tests.conftest import PASSWORD, SECRET, add_user
from tests.helpers import forge, set_cookies

CREDENTIALS = {"username": "alice", "password": PASSWORD}


def me(app, access: str) -> int:
    return app.test_client(use_cookies=False).get("/auth/me", headers={"Authorization": f"Bearer {access}"}).status_code


def access_after_login(app, name: str = "alice") -> str:
    reply = app.test_client().post("/auth/login", json={"username": name, "password": PASSWORD})
    assert reply.status_code == 200
    return set_cookies(reply)["access_token"]["value"]


def live_claims(token: str) -> dict:
    return jwt.decode(token, SECRET, algorithms=["HS256"], issuer="flask-auth")


@pytest.fixture
def server(make_app):
    app = make_app()
    add_user(app, "alice")
    add_user(app, "bob")
    return app


def test_a_well_signed_token_naming_a_session_that_never_existed_is_refused(server):
    real = live_claims(access_after_login(server))
    assert me(server, forge(**{**real, "jti": "other"})) == 200, "the forger's tool itself makes valid tokens"
    assert me(server, forge(**{**real, "sid": "never-existed-0000000000"})) == 401
    probe = server.test_client(use_cookies=False).get(
        "/auth/is-authenticated", headers={"Cookie": f"access_token={forge(**{**real, 'sid': 'never-existed'})}"}
    )
    assert probe.status_code == 401


def test_a_token_naming_someone_elses_session_is_refused(server):
    alices = live_claims(access_after_login(server, "alice"))
    bobs = live_claims(access_after_login(server, "bob"))
    assert me(server, forge(**{**bobs, "sub": alices["sub"], "roles": ["admin"]})) == 401
    assert me(server, forge(**{**alices, "jti": "x"})) == 200, "alice's session is cached now"
    assert me(server, forge(**{**alices, "sub": bobs["sub"]})) == 401, "the cache binds the session to its user"


def test_a_session_ended_elsewhere_is_refused_by_a_process_that_starts_later(make_app):
    first = make_app()
    add_user(first)
    token = access_after_login(first)
    assert first.test_client().post("/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    later = make_app(ACCESS_TOKEN_TTL="3600")
    assert me(later, token) == 401


def test_lowering_the_ttl_at_a_restart_forgets_no_revocation_of_tokens_in_flight(make_app, monkeypatch):
    """A role change refuses the tokens minted before it; that must hold after a restart
    that lowers ACCESS_TOKEN_TTL below the age of the change, when the revocation view
    no longer reads it."""
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 1200)  # twenty minutes ago
    before = make_app(ACCESS_TOKEN_TTL="3600")
    add_user(before)
    token = access_after_login(before)
    assert me(before, token) == 200
    result = before.test_cli_runner().invoke(args=["users", "set-roles", "alice", "--role", "viewer"])
    assert result.exit_code == 0
    assert me(before, token) == 401
    monkeypatch.setattr(time, "time", real_time)

    after = make_app(ACCESS_TOKEN_TTL="600")
    assert live_claims(token)["exp"] > time.time(), "the token itself has not expired"
    assert me(after, token) == 401
    assert me(after, access_after_login(after)) == 200

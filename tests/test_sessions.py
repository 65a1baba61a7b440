"""Session lifecycle through the test client: rotation, reuse, grace, revocation, listing."""

from __future__ import annotations

import hashlib
import time

import jwt
import pytest

from models import RefreshToken, Session, db
from tests.conftest import PASSWORD, SECRET, add_user
from tests.helpers import forge, set_cookies


def cookie(client, name: str) -> str | None:
    found = client.get_cookie(name, path="/auth" if name == "refresh_token" else "/")
    return found.value if found else None


def bearer(app, token: str, path: str = "/auth/me"):
    return app.test_client(use_cookies=False).get(path, headers={"Authorization": f"Bearer {token}"})


def refresh_with(app, token: str):
    return app.test_client(use_cookies=False).post("/auth/refresh", headers={"Cookie": f"refresh_token={token}"})


def test_refresh_rotates_both_tokens(app, make_user, login, client):
    make_user()
    login()
    old_access, old_refresh = cookie(client, "access_token"), cookie(client, "refresh_token")
    reply = client.post("/auth/refresh")
    assert reply.status_code == 200 and reply.json == {"success": True, "message": "Token refreshed"}
    assert set(set_cookies(reply)) >= {"access_token", "refresh_token"}
    assert cookie(client, "refresh_token") != old_refresh
    assert cookie(client, "access_token") != old_access
    assert client.get("/auth/me").status_code == 200


def test_refresh_token_is_stored_only_as_a_hash(app, make_user, login, client):
    make_user()
    login()
    token = cookie(client, "refresh_token")
    with app.app_context():
        stored = [row.token_hash for row in db.session.scalars(db.select(RefreshToken))]
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64
    assert stored[0] != hashlib.sha256(token.encode()).hexdigest(), "bound to the secret, not a plain digest"


def test_reuse_after_grace_ends_the_session(make_app, make_user, login, client):
    app = make_app(REFRESH_GRACE_SECONDS="0")
    add_user(app)
    browser = app.test_client()
    assert browser.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    stolen = cookie(browser, "refresh_token")
    time.sleep(0.01)
    assert browser.post("/auth/refresh").status_code == 200
    newer_access = cookie(browser, "access_token")
    replay = refresh_with(app, stolen)
    assert replay.status_code == 401 and "already used" in replay.json["message"]
    assert bearer(app, newer_access).status_code == 401, "the newer access token dies with the session"
    assert browser.post("/auth/refresh").status_code == 401, "the legitimate successor dies too"


def test_within_grace_the_same_successor_is_returned(app, make_user, login, client):
    make_user()
    login()
    old = cookie(client, "refresh_token")
    first = refresh_with(app, old)
    second = refresh_with(app, old)
    assert first.status_code == second.status_code == 200
    assert set_cookies(first)["refresh_token"]["value"] == set_cookies(second)["refresh_token"]["value"]
    assert bearer(app, set_cookies(second)["access_token"]["value"]).status_code == 200


def test_unknown_refresh_token_is_401(client):
    reply = client.post("/auth/refresh", headers={"Cookie": "refresh_token=made-up"})
    assert reply.status_code == 401 and reply.json["success"] is False
    assert client.post("/auth/refresh").status_code == 401


def test_session_life_is_absolute(make_app):
    app = make_app(REFRESH_TOKEN_TTL="900", ACCESS_TOKEN_TTL="900")
    add_user(app)
    client = app.test_client()
    client.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    with app.app_context():
        session = db.session.scalars(db.select(Session)).one()
        session.expires_at = time.time() - 1
        db.session.commit()
    assert client.post("/auth/refresh").status_code == 401


def test_silent_refresh_in_the_probe(app, make_user, login, client):
    make_user()
    login()
    refresh = cookie(client, "refresh_token")
    live = jwt.decode(cookie(client, "access_token"), SECRET, algorithms=["HS256"])
    expired = forge(**{**live, "iat": live["iat"] - 1000, "exp": live["iat"] - 100})
    probe = app.test_client(use_cookies=False).get(
        "/auth/is-authenticated", headers={"Cookie": f"access_token={expired}; refresh_token={refresh}"}
    )
    assert probe.status_code == 200 and probe.json["success"] is True
    fresh = set_cookies(probe)
    assert fresh["access_token"]["value"] and fresh["refresh_token"]["value"] != refresh
    assert bearer(app, fresh["access_token"]["value"]).status_code == 200


def test_probe_without_access_token_refreshes_too(app, make_user, login, client):
    make_user()
    login()
    refresh = cookie(client, "refresh_token")
    probe = app.test_client(use_cookies=False).get(
        "/auth/is-authenticated", headers={"Cookie": f"refresh_token={refresh}"}
    )
    assert probe.status_code == 200 and {"access_token", "refresh_token"} <= set(set_cookies(probe))


def test_probe_with_a_dead_refresh_token_expires_the_cookies(app):
    reply = app.test_client(use_cookies=False).get(
        "/auth/is-authenticated", headers={"Cookie": "access_token=old; refresh_token=unknown"}
    )
    assert reply.status_code == 401
    cleared = set_cookies(reply)
    assert cleared["refresh_token"]["max-age"] == "0" and cleared["access_token"]["max-age"] == "0"


def test_probe_with_nothing_is_401(client):
    reply = client.get("/auth/is-authenticated")
    assert reply.status_code == 401 and "Set-Cookie" not in reply.headers


@pytest.mark.parametrize("ender", ["logout", "logout-all", "password", "delete-user", "delete-session"])
def test_each_way_out_refuses_the_copied_access_token(app, make_user, login, client, runner, ender):
    make_user()
    login()
    copied = cookie(client, "access_token")
    sid = jwt.decode(copied, SECRET, algorithms=["HS256"])["sid"]
    if ender == "logout":
        assert client.post("/auth/logout").status_code == 200
    elif ender == "logout-all":
        assert client.post("/auth/logout-all").status_code == 200
    elif ender == "password":
        other = app.test_client()
        login(c=other)
        reply = other.post(
            "/auth/password", json={"current_password": PASSWORD, "new_password": "another long passphrase"}
        )
        assert reply.status_code == 200, reply.json
        assert other.get("/auth/me").status_code == 200, "the session that changed it stays"
    elif ender == "delete-user":
        assert runner.invoke(args=["users", "delete", "alice", "--yes"]).exit_code == 0
    else:
        other = app.test_client()
        login(c=other)
        assert other.delete(f"/auth/sessions/{sid}").status_code == 200
    assert bearer(app, copied).status_code == 401
    assert bearer(app, copied, "/auth/is-authenticated").status_code == 401


def test_logout_twice_is_fine(client):
    assert client.post("/auth/logout").status_code == 200
    assert client.post("/auth/logout").json == {"success": True, "message": "Logged out"}


def test_logout_all_ends_every_session(app, make_user, login, client):
    make_user()
    phones = [app.test_client() for _ in range(3)]
    for phone in phones:
        login(c=phone)
    login()
    assert client.post("/auth/logout-all").json["message"] == "Signed out of 4 session(s)"
    for phone in phones:
        assert phone.get("/auth/me").status_code == 401
        assert phone.post("/auth/refresh").status_code == 401


def test_sessions_list_and_delete(app, make_user, login, client):
    make_user()
    laptop = app.test_client()
    laptop.post("/auth/login", json={"username": "alice", "password": PASSWORD}, headers={"User-Agent": "Laptop/1.0"})
    login()
    listed = client.get("/auth/sessions").json["sessions"]
    assert len(listed) == 2
    assert {s["user_agent"] for s in listed} >= {"Laptop/1.0"}
    assert [s["current"] for s in listed].count(True) == 1
    assert set(listed[0]) == {"id", "created_at", "last_used_at", "user_agent", "ip", "current"}
    laptop_id = next(s["id"] for s in listed if s["user_agent"] == "Laptop/1.0")
    assert client.delete(f"/auth/sessions/{laptop_id}").status_code == 200
    assert laptop.get("/auth/me").status_code == 401
    assert client.delete(f"/auth/sessions/{laptop_id}").status_code == 404
    assert client.delete("/auth/sessions/not-a-session").status_code == 404


def test_cannot_end_someone_elses_session(app, make_user, login, client):
    make_user("alice")
    make_user("bob")
    bob = app.test_client()
    login("bob", c=bob)
    bob_sid = bob.get("/auth/sessions").json["sessions"][0]["id"]
    login()
    assert client.delete(f"/auth/sessions/{bob_sid}").status_code == 404
    assert bob.get("/auth/me").status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"current_password": "wrong", "new_password": "another long passphrase"}, 401),
        ({"current_password": PASSWORD, "new_password": "short"}, 400),
        ({"current_password": PASSWORD, "new_password": "password123"}, 400),
        ({"current_password": PASSWORD, "new_password": "my name is alice!"}, 400),
        ({"current_password": PASSWORD}, 400),
    ],
    ids=["wrong-current", "too-short", "common", "contains-username", "missing-new"],
)
def test_password_change_refusals(make_user, login, client, body, status):
    make_user()
    login()
    reply = client.post("/auth/password", json=body)
    assert reply.status_code == status and reply.json["success"] is False


def test_register_is_off_by_default(client):
    reply = client.post("/auth/register", json={"username": "newbie", "password": "a long new passphrase"})
    assert reply.status_code == 404 and reply.json["success"] is False


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"username": "newbie", "password": "a long new passphrase"}, 201),
        ({"username": "alice", "password": "a long new passphrase"}, 409),
        ({"username": "ALICE", "password": "a long new passphrase"}, 409),
        ({"username": "newbie", "password": "short"}, 400),
        ({"username": "newbie", "password": "qwertyuiop"}, 400),
        ({"username": "newbie", "password": "newbie-newbie"}, 400),
        ({"username": "no spaces allowed", "password": "a long new passphrase"}, 400),
        ({"username": "ab", "password": "a long new passphrase"}, 400),
    ],
    ids=[
        "created",
        "taken",
        "taken-other-case",
        "short-password",
        "common-password",
        "password-has-username",
        "bad-username",
        "short-username",
    ],
)
def test_register_when_enabled(make_app, body, status):
    app = make_app(ALLOW_REGISTRATION="true")
    add_user(app)
    client = app.test_client()
    reply = client.post("/auth/register", json=body)
    assert reply.status_code == status, reply.json
    if status == 201:
        assert client.get("/auth/me").json["user"]["username"] == "newbie"


def test_prune_removes_dead_sessions(app, make_user, login, client, runner):
    make_user()
    login()
    client.post("/auth/logout")
    login()
    with app.app_context():
        for session in db.session.scalars(db.select(Session)):
            if session.revoked_at is not None:
                session.revoked_at -= 10_000
        db.session.commit()
    result = runner.invoke(args=["sessions", "prune"])
    assert result.exit_code == 0 and "Pruned 1 session(s)" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Session)) == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(RefreshToken)) == 1
    assert client.get("/auth/me").status_code == 200

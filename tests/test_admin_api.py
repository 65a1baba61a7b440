"""The admin API from the outside: who is refused and why, what each action does,
and the audit row each action writes (with the admin as actor)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import AuditEvent, Session, TotpSecret, User, db
from tests.admin_helpers import admin_client, give_totp, make_sign_in_old, signed_in
from tests.conftest import PASSWORD, add_user
from tests.mailsink import text_of

# Every admin operation, as (method, path template, JSON body); {uid} is a plain user's id.
OPERATIONS = [
    ("GET", "/auth/admin/users", None),
    ("POST", "/auth/admin/users", {"username": "newbie"}),
    ("GET", "/auth/admin/users/{uid}", None),
    ("PATCH", "/auth/admin/users/{uid}", {"roles": ["editor"]}),
    ("POST", "/auth/admin/users/{uid}/lock", {}),
    ("POST", "/auth/admin/users/{uid}/unlock", {}),
    ("POST", "/auth/admin/users/{uid}/sessions/revoke", {}),
    ("DELETE", "/auth/admin/sessions/nosuchsession", None),
    ("POST", "/auth/admin/users/{uid}/reset-mfa", {}),
    ("POST", "/auth/admin/users/{uid}/password-reset", {}),
    ("DELETE", "/auth/admin/users/{uid}", None),
    ("POST", "/auth/admin/users/{uid}/impersonate", {}),
    ("GET", "/auth/admin/audit", None),
]
CHANGES = [op for op in OPERATIONS if op[0] != "GET"]


def call(client: FlaskClient, method: str, path: str, body: dict | None, uid: int):
    return client.open(path.format(uid=uid), method=method, json=body)


def rows(app: Flask, event: str) -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == event)))
        db.session.expunge_all()
        return found


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_without_a_session_every_operation_is_401(app: Flask, method: str, path: str, body: dict | None) -> None:
    uid = add_user(app, "bob")
    assert call(app.test_client(), method, path, body, uid).status_code == 401


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_a_user_without_an_admin_role_gets_403(app: Flask, method: str, path: str, body: dict | None) -> None:
    uid = add_user(app, "bob")
    add_user(app, "eve", roles=("editor",))
    reply = call(signed_in(app, "eve"), method, path, body, uid)
    assert reply.status_code == 403
    assert reply.json["error"] == "admin_required"
    with app.app_context():
        assert db.session.get(User, uid) is not None


@pytest.mark.parametrize(("method", "path", "body"), CHANGES)
def test_changes_need_a_recent_sign_in(app: Flask, method: str, path: str, body: dict | None) -> None:
    uid = add_user(app, "bob")
    admin_id, admin = admin_client(app)
    make_sign_in_old(app, admin_id)
    reply = call(admin, method, path, body, uid)
    assert reply.status_code == 403
    assert reply.json["error"] == "reauth_required"


def test_reads_do_not_need_a_recent_sign_in(app: Flask) -> None:
    uid = add_user(app, "bob")
    admin_id, admin = admin_client(app)
    make_sign_in_old(app, admin_id)
    assert admin.get(f"/auth/admin/users/{uid}").status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_with_admin_require_mfa_an_admin_without_a_factor_gets_403(
    make_app: Callable[..., Flask], method: str, path: str, body: dict | None
) -> None:
    app = make_app(ADMIN_REQUIRE_MFA="true")
    uid = add_user(app, "bob")
    _, admin = admin_client(app)
    reply = call(admin, method, path, body, uid)
    assert reply.status_code == 403
    assert reply.json["error"] == "mfa_enrolment_required"


def test_with_admin_require_mfa_an_enrolled_admin_passes(make_app: Callable[..., Flask]) -> None:
    app = make_app(ADMIN_REQUIRE_MFA="true")
    admin_id, admin = admin_client(app)
    give_totp(app, admin_id)
    assert admin.get("/auth/admin/users").status_code == 200


def test_admin_require_mfa_defaults_on_outside_dev(make_app: Callable[..., Flask]) -> None:
    from auth.admin.settings import AdminSettings
    from auth.core.settings import Settings

    app = make_app()
    prod = Settings(**{**app.extensions["auth"].settings.__dict__, "environment": "PROD"})
    assert AdminSettings.from_env({}, prod).require_mfa is True
    assert AdminSettings.from_env({}, app.extensions["auth"].settings).require_mfa is False


def test_admin_roles_setting_names_who_is_an_admin(make_app: Callable[..., Flask]) -> None:
    app = make_app(ADMIN_ROLES="ops, support")
    add_user(app, "sue", roles=("support",))
    add_user(app, "ada", roles=("admin",))
    assert signed_in(app, "sue").get("/auth/admin/users").status_code == 200
    assert signed_in(app, "ada").get("/auth/admin/users").status_code == 403


def test_a_role_taken_away_ends_admin_access_at_once(app: Flask) -> None:
    """The role is read from the database, not from the still-valid access token."""
    admin_id, admin = admin_client(app)
    with app.app_context():
        db.session.get(User, admin_id).roles = []
        db.session.commit()
    assert admin.get("/auth/admin/users").json["error"] == "admin_required"


def test_create_user_with_roles_and_email_then_conflict(app: Flask) -> None:
    admin_id, admin = admin_client(app)
    reply = admin.post("/auth/admin/users", json={"username": "Newbie", "email": "n@example.com", "roles": ["x"]})
    assert reply.status_code == 201, reply.json
    assert reply.json["user"]["username"] == "Newbie"
    assert reply.json["user"]["email_verified"] is True
    assert admin.post("/auth/admin/users", json={"username": "newbie"}).status_code == 409
    [row] = [r for r in rows(app, "user_created") if r.actor_id is not None]
    assert row.actor_id == admin_id and row.user_id == int(reply.json["user"]["id"])


def test_create_with_invite_mails_a_set_password_link(make_app: Callable[..., Flask], sink) -> None:
    app = make_app(MAIL_URL=sink.url)
    _, admin = admin_client(app)
    reply = admin.post("/auth/admin/users", json={"username": "inv", "email": "inv@example.com", "invite": True})
    assert reply.status_code == 201
    message = sink.wait_for("inv@example.com")
    assert "/auth/password/reset?token=" in text_of(message)


def test_invite_without_email_is_400(app: Flask) -> None:
    _, admin = admin_client(app)
    assert admin.post("/auth/admin/users", json={"username": "inv", "invite": True}).status_code == 400


def test_user_detail_has_factors_sessions_and_sign_ins_but_no_secret(app: Flask) -> None:
    uid = add_user(app, "bob")
    signed_in(app, "bob")
    with app.app_context():
        db.session.add(TotpSecret(user_id=uid, secret_enc="SECRET-CIPHERTEXT", created_at=1.0, confirmed_at=2.0))
        db.session.commit()
    _, admin = admin_client(app)
    reply = admin.get(f"/auth/admin/users/{uid}")
    user = reply.json["user"]
    assert user["factors"]["totp"] is True
    assert len(user["sessions"]) == 1
    assert user["last_sign_ins"][0]["method"] == "password"
    assert "SECRET-CIPHERTEXT" not in reply.text and "argon2" not in reply.text
    assert admin.get("/auth/admin/users/999999").status_code == 404
    assert admin.get("/auth/admin/users/abc").status_code == 404


def test_patch_roles_and_email(app: Flask) -> None:
    uid = add_user(app, "bob")
    bob = signed_in(app, "bob")
    admin_id, admin = admin_client(app)
    reply = admin.patch(f"/auth/admin/users/{uid}", json={"roles": ["editor"], "email": "bob@example.com"})
    assert reply.status_code == 200, reply.json
    assert reply.json["user"]["roles"] == ["editor"]
    # bob's old token (no role) is refused; a refresh carries the new role
    assert bob.get("/auth/me").status_code == 401
    assert bob.post("/auth/refresh").status_code == 200
    assert bob.get("/auth/me").json["user"]["roles"] == ["editor"]
    assert rows(app, "roles_changed")[0].actor_id == admin_id
    assert rows(app, "email_changed")[0].actor_id == admin_id
    assert admin.patch(f"/auth/admin/users/{uid}", json={}).status_code == 400
    assert admin.patch(f"/auth/admin/users/{uid}", json={"roles": "not a list"}).status_code in (200, 400)


def test_lock_with_reason_ends_sessions_and_unlock(app: Flask) -> None:
    uid = add_user(app, "bob")
    bob = signed_in(app, "bob")
    admin_id, admin = admin_client(app)
    reply = admin.post(f"/auth/admin/users/{uid}/lock", json={"reason": "fraud"})
    assert reply.status_code == 200 and reply.json["user"]["locked"] is True
    assert bob.get("/auth/me").status_code == 401
    assert app.test_client().post("/auth/login", json={"username": "bob", "password": PASSWORD}).status_code == 403
    [row] = rows(app, "user_locked")
    assert (row.user_id, row.actor_id) == (uid, admin_id)
    assert (row.details["reason"], row.details["sessions_ended"]) == ("fraud", 1)
    assert admin.post(f"/auth/admin/users/{uid}/unlock").status_code == 200
    assert rows(app, "user_unlocked")[0].actor_id == admin_id
    signed_in(app, "bob")


def test_a_lock_with_an_end_lifts_by_itself(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    uid = add_user(app, "bob")
    _, admin = admin_client(app)
    until = time.time() + 120
    assert admin.post(f"/auth/admin/users/{uid}/lock", json={"until": until}).status_code == 200
    login = {"username": "bob", "password": PASSWORD}
    assert app.test_client().post("/auth/login", json=login).status_code == 403
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 121)
    assert app.test_client().post("/auth/login", json=login).status_code == 200


def test_lock_until_in_the_past_is_400(app: Flask) -> None:
    uid = add_user(app, "bob")
    _, admin = admin_client(app)
    assert admin.post(f"/auth/admin/users/{uid}/lock", json={"until": "2001-01-01T00:00:00Z"}).status_code == 400


def test_end_every_session_and_one(app: Flask) -> None:
    uid = add_user(app, "bob")
    one, two = signed_in(app, "bob"), signed_in(app, "bob")
    admin_id, admin = admin_client(app)
    sessions = admin.get(f"/auth/admin/users/{uid}").json["user"]["sessions"]
    assert admin.delete(f"/auth/admin/sessions/{sessions[0]['id']}").status_code == 200
    assert admin.delete(f"/auth/admin/sessions/{sessions[0]['id']}").status_code == 404
    assert sorted(c.get("/auth/me").status_code for c in (one, two)) == [200, 401]
    assert admin.post(f"/auth/admin/users/{uid}/sessions/revoke").status_code == 200
    assert [c.get("/auth/me").status_code for c in (one, two)] == [401, 401]
    assert rows(app, "session_revoked")[0].actor_id == admin_id
    assert rows(app, "sessions_revoked")[0].details["sessions"] == 1


def test_reset_mfa_removes_factors(app: Flask) -> None:
    uid = add_user(app, "bob")
    give_totp(app, uid)
    admin_id, admin = admin_client(app)
    reply = admin.post(f"/auth/admin/users/{uid}/reset-mfa")
    assert reply.status_code == 200 and reply.json["removed"]["totp"] == 1
    with app.app_context():
        assert db.session.get(TotpSecret, uid) is None
    assert rows(app, "mfa_reset")[0].actor_id == admin_id


def test_password_reset_mails_a_link_or_409_without_verified_email(make_app: Callable[..., Flask], sink) -> None:
    app = make_app(MAIL_URL=sink.url)
    uid = add_user(app, "bob")
    admin_id, admin = admin_client(app)
    assert admin.post(f"/auth/admin/users/{uid}/password-reset").status_code == 409
    admin.patch(f"/auth/admin/users/{uid}", json={"email": "bob@example.com"})
    assert admin.post(f"/auth/admin/users/{uid}/password-reset").status_code == 202
    assert "/auth/password/reset?token=" in text_of(sink.wait_for("bob@example.com"))
    assert rows(app, "password_reset_mailed")[0].actor_id == admin_id


def test_delete_user_keeps_the_audit_trail(app: Flask) -> None:
    uid = add_user(app, "bob")
    bob = signed_in(app, "bob")
    admin_id, admin = admin_client(app)
    assert admin.delete(f"/auth/admin/users/{uid}").status_code == 200
    assert bob.get("/auth/me").status_code == 401
    with app.app_context():
        assert db.session.get(User, uid) is None
        assert db.session.scalars(select(Session).where(Session.user_id == uid)).first() is None
    assert rows(app, "user_deleted")[0].actor_id == admin_id
    assert rows(app, "login")[0].user_id == uid  # bob's sign-in row outlives bob
    assert admin.delete(f"/auth/admin/users/{uid}").status_code == 404


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=101", "limit=x", "cursor=!!", "cursor=bm90IGpzb24", "locked=maybe", "mfa=2"],
)
def test_bad_list_parameters_are_400(app: Flask, query: str) -> None:
    _, admin = admin_client(app)
    reply = admin.get(f"/auth/admin/users?{query}")
    assert reply.status_code == 400 and reply.json["success"] is False


@pytest.mark.parametrize("query", ["limit=0", "cursor=WzFd", "user=abc", "since=yesterday", "until=2026-01-01T00:00"])
def test_bad_audit_parameters_are_400(app: Flask, query: str) -> None:
    _, admin = admin_client(app)
    assert admin.get(f"/auth/admin/audit?{query}").status_code == 400

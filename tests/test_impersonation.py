"""Impersonation from the outside: the act claim, what the impersonated session may
not do, its end (stop, expiry), and the traces on both sides."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import AuditEvent, Session, db
from tests.admin_helpers import access_claims, admin_client, signed_in
from tests.conftest import PASSWORD, add_user
from tests.helpers import set_cookies
from tests.test_admin_api import OPERATIONS

PASSKEY_ID = "A" * 16

# Every account-management call an impersonated session must be refused, with a body
# that would otherwise get past parsing. (method, path, json body or form data)
FORBIDDEN = [
    ("POST", "/auth/password", {"current_password": PASSWORD, "new_password": "another long passphrase 123"}),
    ("POST", "/auth/email", {"email": "taken-over@example.com"}),
    ("POST", "/auth/mfa/totp/setup", {}),
    ("POST", "/auth/mfa/totp/confirm", {"code": "123456"}),
    ("DELETE", "/auth/mfa/totp", None),
    ("POST", "/auth/mfa/recovery-codes", {}),
    ("POST", "/auth/passkeys/register/options", {}),
    ("POST", "/auth/passkeys/register", {"credential": {}, "name": "x"}),
    ("DELETE", f"/auth/passkeys/{PASSKEY_ID}", None),
    ("POST", "/auth/oidc/google/link", {}),
    ("DELETE", "/auth/identities/1", None),
    ("POST", "/auth/api-keys", {"name": "script", "scopes": ["read"]}),
    ("DELETE", "/auth/api-keys/1", None),
    ("DELETE", "/auth/admin/api-keys/1", None),
    # every admin call, impersonating again included
    *((method, path.replace("{uid}", "{other}"), body) for method, path, body in OPERATIONS),
]


@pytest.fixture
def scene(app: Flask) -> dict:
    """bob and carol (plain users), root (an admin) signed in as bob."""
    uid = add_user(app, "bob")
    other = add_user(app, "carol")
    admin_id, admin = admin_client(app)
    reply = admin.post(f"/auth/admin/users/{uid}/impersonate")
    assert reply.status_code == 200, reply.json
    return {"uid": uid, "other": other, "admin_id": admin_id, "client": admin}


def events(app: Flask, name: str) -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == name)))
        db.session.expunge_all()
        return found


def test_the_token_carries_act_and_me_names_the_admin(app: Flask, scene: dict) -> None:
    client: FlaskClient = scene["client"]
    claims = access_claims(client)
    assert claims["sub"] == str(scene["uid"])
    assert claims["act"] == {"sub": str(scene["admin_id"])}
    me = client.get("/auth/me").json
    assert me["user"]["username"] == "bob"
    assert me["impersonated_by"] == {"id": str(scene["admin_id"]), "username": "root"}


def test_a_plain_session_has_no_act_and_no_impersonated_by(app: Flask) -> None:
    add_user(app, "bob")
    bob = signed_in(app, "bob")
    assert "act" not in access_claims(bob)
    assert "impersonated_by" not in bob.get("/auth/me").json


def test_refresh_keeps_act_and_never_outlives_the_impersonation(make_app, monkeypatch) -> None:
    app = make_app(IMPERSONATION_TTL="300", ACCESS_TOKEN_TTL="900")
    uid = add_user(app, "bob")
    admin_id, admin = admin_client(app)
    admin.post(f"/auth/admin/users/{uid}/impersonate")
    first = access_claims(admin)
    assert first["exp"] - first["iat"] <= 300
    reply = admin.post("/auth/refresh")
    assert reply.status_code == 200
    again = access_claims(admin)
    assert again["act"] == {"sub": str(admin_id)}
    assert again["exp"] - again["iat"] <= 300
    assert 0 < int(set_cookies(reply)["refresh_token"]["max-age"]) <= 300


@pytest.mark.parametrize(("method", "path", "body"), FORBIDDEN)
def test_an_impersonated_session_is_refused_account_management(
    app: Flask, scene: dict, method: str, path: str, body: dict | None
) -> None:
    client: FlaskClient = scene["client"]
    reply = client.open(path.format(uid=scene["uid"], other=scene["other"]), method=method, json=body)
    assert reply.status_code == 403, reply.json
    assert reply.json["error"] == "impersonation_forbidden"


def test_the_account_page_password_form_is_refused_too(app: Flask, scene: dict) -> None:
    form = {"current_password": PASSWORD, "new_password": "x" * 20, "new_password_repeat": "x" * 20}
    reply = scene["client"].post("/auth/account/password", data=form)
    assert reply.status_code == 303 and reply.headers["Location"].endswith("error=impersonating")
    assert "Not while an administrator is signed in as you" in scene["client"].get(reply.headers["Location"]).text
    assert signed_in(app, "bob").get("/auth/me").status_code == 200  # the password is unchanged


def test_every_refusing_view_is_in_the_table(app: Flask) -> None:
    """A view that gains (or loses) the refusal must be listed above: the table is the contract."""
    marked = {
        endpoint for endpoint, view in app.view_functions.items() if getattr(view, "refuses_impersonation", False)
    }
    urls = app.url_map.bind("localhost")
    tested = {urls.match(path.format(uid=1, other=2), method)[0] for method, path, _ in FORBIDDEN}
    assert len(marked) >= 24  # 11 account-management views (email and link mark their inner views) and 13 admin calls
    assert marked <= tested, marked - tested


def test_an_impersonated_session_may_look_around(app: Flask, scene: dict) -> None:
    client: FlaskClient = scene["client"]
    assert client.get("/auth/sessions").status_code == 200
    assert client.get("/auth/mfa").status_code == 200
    assert client.get("/auth/account").status_code == 200


def test_admins_are_never_impersonated(app: Flask) -> None:
    other_admin = add_user(app, "chief", roles=("admin",))
    _, admin = admin_client(app)
    reply = admin.post(f"/auth/admin/users/{other_admin}/impersonate")
    assert reply.status_code == 403
    assert reply.json["error"] == "cannot_impersonate_admin"
    assert "access_token" not in reply.headers.get("Set-Cookie", "")


def test_a_locked_user_is_not_impersonated(app: Flask) -> None:
    uid = add_user(app, "bob")
    _, admin = admin_client(app)
    admin.post(f"/auth/admin/users/{uid}/lock")
    assert admin.post(f"/auth/admin/users/{uid}/impersonate").status_code == 403


def test_stop_returns_the_admin_to_their_own_session(app: Flask, scene: dict) -> None:
    client: FlaskClient = scene["client"]
    impersonation_sid = access_claims(client)["sid"]
    reply = client.post("/auth/impersonation/stop")
    assert reply.status_code == 200, reply.json
    me = client.get("/auth/me").json
    assert me["user"]["username"] == "root" and "impersonated_by" not in me
    claims = access_claims(client)
    assert "act" not in claims and claims["sid"] != impersonation_sid
    assert client.post("/auth/refresh").status_code == 200  # the admin's session has a working refresh token
    with app.app_context():
        assert db.session.get(Session, impersonation_sid).revoked_at is not None
    assert client.post("/auth/impersonation/stop").status_code == 400  # not impersonating now


def test_stop_after_the_admins_own_session_ended_signs_out(app: Flask, scene: dict) -> None:
    with app.app_context():
        own = db.session.scalars(
            select(Session).where(Session.user_id == scene["admin_id"], Session.impersonator_id.is_(None))
        ).one()
        app.extensions["auth"].sessions.revoke([own.id], now=time.time())
    reply = scene["client"].post("/auth/impersonation/stop")
    assert reply.status_code == 401
    assert scene["client"].get("/auth/me").status_code == 401


def test_an_expired_impersonation_is_refused(make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(IMPERSONATION_TTL="120")
    uid = add_user(app, "bob")
    _, admin = admin_client(app)
    admin.post(f"/auth/admin/users/{uid}/impersonate")
    assert admin.get("/auth/me").status_code == 200
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 121)
    assert admin.get("/auth/me").status_code == 401
    assert admin.post("/auth/refresh").status_code == 401


def test_both_sides_are_audited(app: Flask, scene: dict) -> None:
    [started] = events(app, "impersonation_started")
    assert (started.user_id, started.actor_id) == (scene["uid"], scene["admin_id"])
    [admin_side] = events(app, "impersonating")
    assert admin_side.user_id == scene["admin_id"] and admin_side.details["target_id"] == str(scene["uid"])
    scene["client"].post("/auth/impersonation/stop")
    [ended] = events(app, "impersonation_ended")
    assert (ended.user_id, ended.actor_id) == (scene["uid"], scene["admin_id"])
    assert events(app, "impersonation_stopped")[0].user_id == scene["admin_id"]


def test_the_user_sees_it_on_their_account_page(app: Flask, scene: dict) -> None:
    scene["client"].post("/auth/impersonation/stop")
    page = signed_in(app, "bob").get("/auth/account").text
    assert "An administrator (root) signed in as you" in page
    assert "Signed in from" in page


def test_the_pages_show_a_banner_while_impersonating(app: Flask, scene: dict) -> None:
    page = scene["client"].get("/auth/account").text
    assert 'id="impersonation-banner"' in page and "root" in page
    scene["client"].post("/auth/impersonation/stop")
    assert 'id="impersonation-banner"' not in scene["client"].get("/auth/account").text


def test_the_banners_stop_form_goes_back_to_the_admin_pages(app: Flask, scene: dict) -> None:
    reply = scene["client"].post("/auth/impersonation/stop", data="", content_type="application/x-www-form-urlencoded")
    assert reply.status_code == 303 and reply.headers["Location"].endswith("/auth/admin")
    assert scene["client"].get("/auth/me").json["user"]["username"] == "root"


def test_the_user_is_not_signed_out_by_an_impersonation(app: Flask) -> None:
    uid = add_user(app, "bob")
    bob = signed_in(app, "bob")
    _, admin = admin_client(app)
    admin.post(f"/auth/admin/users/{uid}/impersonate")
    admin.post("/auth/impersonation/stop")
    assert bob.get("/auth/me").status_code == 200

"""The route guard: 401 without a session, 403 without a role, the principal inside."""

from __future__ import annotations

import pytest
from flask import Blueprint, jsonify

from auth import current_principal, login_required


@pytest.fixture
def guarded_app(make_app):
    app = make_app()
    api = Blueprint("api", __name__)

    @api.get("/api/profile")
    @login_required
    def profile():
        principal = current_principal()
        return jsonify(success=True, user_id=principal.user_id, roles=list(principal.roles))

    @api.get("/api/admin")
    @login_required(roles=["admin"])
    def admin():
        return jsonify(success=True, admin=current_principal().user_id)

    app.register_blueprint(api)
    return app


def _login(app, roles=()):
    args = ["users", "create", "alice", "--password-stdin", *[a for r in roles for a in ("--role", r)]]
    assert app.test_cli_runner().invoke(args=args, input="correct horse battery staple\n").exit_code == 0
    client = app.test_client()
    assert (
        client.post("/auth/login", json={"username": "alice", "password": "correct horse battery staple"}).status_code
        == 200
    )
    return client


def test_anonymous_gets_401_json(guarded_app):
    reply = guarded_app.test_client().get("/api/profile")
    assert reply.status_code == 401 and reply.json == {
        "success": False,
        "message": "Not authenticated: no access token.",
        "error": "unauthorized",
    }


def test_view_reads_the_principal(guarded_app):
    client = _login(guarded_app)
    assert client.get("/api/profile").json == {"success": True, "user_id": "1", "roles": []}


def test_missing_role_is_403(guarded_app):
    reply = _login(guarded_app).get("/api/admin")
    assert reply.status_code == 403 and "admin" in reply.json["message"]


def test_role_grants_access(guarded_app):
    assert _login(guarded_app, roles=("admin",)).get("/api/admin").json == {"success": True, "admin": "1"}


def test_role_change_takes_effect_on_live_tokens(guarded_app):
    client = _login(guarded_app, roles=("admin",))
    old_token = client.get_cookie("access_token").value
    assert guarded_app.test_cli_runner().invoke(args=["users", "set-roles", "alice"]).exit_code == 0
    stale = guarded_app.test_client(use_cookies=False).get(
        "/api/admin", headers={"Authorization": f"Bearer {old_token}"}
    )
    assert stale.status_code == 401
    assert client.post("/auth/refresh").status_code == 200
    assert client.get("/api/admin").status_code == 403
    assert client.get("/api/profile").json["roles"] == []

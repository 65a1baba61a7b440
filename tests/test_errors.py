"""Every failure is JSON with success false and a message; never HTML, never a trace."""

from __future__ import annotations

import pytest
from flask import Blueprint


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/no/such/path", 404),
        ("get", "/auth/nope", 404),
        ("put", "/auth/login", 405),
        ("get", "/auth/logout", 405),
        ("post", "/auth/me", 405),
        ("delete", "/auth/sessions", 405),
    ],
    ids=["unknown-path", "unknown-auth-path", "put-login", "get-logout", "post-me", "delete-session-list"],
)
def test_routing_errors_are_json(client, method, path, status):
    reply = getattr(client, method)(path)
    assert reply.status_code == status
    assert reply.is_json and reply.json["success"] is False and reply.json["message"]


def test_crash_is_json_500_and_logged_without_trace(make_app, caplog):
    app = make_app()
    boom = Blueprint("boom", __name__)

    @boom.get("/boom")
    def explode():
        raise RuntimeError("secret internal detail")

    app.register_blueprint(boom)
    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    reply = app.test_client().get("/boom")
    assert reply.status_code == 500
    assert reply.json == {"success": False, "message": "Internal server error.", "error": "internal_error"}
    assert "secret internal detail" not in reply.text
    assert "secret internal detail" in caplog.text


def test_healthz_reports_a_dead_database(tmp_path):
    from app import create_app
    from tests.conftest import base_env

    app = create_app({**base_env(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/sub/db.sqlite3"})
    reply = app.test_client().get("/healthz")
    assert reply.status_code == 503 and reply.json["success"] is False


def test_healthz_ok(client):
    assert client.get("/healthz").json == {"success": True, "database": "ok"}

"""Recent sign-in ("sudo mode"): sensitive views refuse an old sign-in until the user confirms again."""

from __future__ import annotations

import time

import pytest
from flask import Blueprint, Flask, jsonify
from flask.testing import FlaskClient

from auth import login_required
from auth.web.recent import recent_sign_in_required
from tests.conftest import PASSWORD, add_user


@pytest.fixture
def sensitive_app(make_app) -> Flask:
    app = make_app(REAUTH_SECONDS="60")
    api = Blueprint("sensitive", __name__)

    @api.post("/api/sensitive")
    @login_required
    @recent_sign_in_required
    def sensitive():
        return jsonify(success=True)

    app.register_blueprint(api)
    add_user(app)
    return app


def _signed_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    return client


def test_a_fresh_sign_in_is_recent(sensitive_app: Flask) -> None:
    assert _signed_in(sensitive_app).post("/api/sensitive").status_code == 200


def test_an_old_sign_in_is_refused_until_the_password_is_confirmed(sensitive_app: Flask, monkeypatch) -> None:
    client = _signed_in(sensitive_app)
    later = time.time() + 61
    monkeypatch.setattr("auth.web.recent.time.time", lambda: later)
    refused = client.post("/api/sensitive")
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "reauth_required"
    assert "reauthenticate" in refused.get_json()["message"]

    wrong = client.post("/auth/reauthenticate", json={"password": "not it"})
    assert wrong.status_code == 401
    assert client.post("/api/sensitive").status_code == 403

    monkeypatch.setattr("auth.web.views.time.time", lambda: later)
    assert client.post("/auth/reauthenticate", json={"password": PASSWORD}).status_code == 200
    assert client.post("/api/sensitive").status_code == 200


def test_reauthenticate_needs_a_session_and_a_proof(sensitive_app: Flask) -> None:
    anonymous = sensitive_app.test_client()
    assert anonymous.post("/auth/reauthenticate", json={"password": PASSWORD}).status_code == 401
    client = _signed_in(sensitive_app)
    for body in ({}, {"method": "totp"}, {"method": "carrier-pigeon", "code": "123456"}, {"password": 5}):
        reply = client.post("/auth/reauthenticate", json=body)
        assert reply.status_code == 400, body
        assert reply.get_json()["success"] is False


def test_reauthentication_is_per_session(sensitive_app: Flask, monkeypatch) -> None:
    first, second = _signed_in(sensitive_app), _signed_in(sensitive_app)
    later = time.time() + 61
    monkeypatch.setattr("auth.web.recent.time.time", lambda: later)
    monkeypatch.setattr("auth.web.views.time.time", lambda: later)
    assert first.post("/auth/reauthenticate", json={"password": PASSWORD}).status_code == 200
    assert first.post("/api/sensitive").status_code == 200
    assert second.post("/api/sensitive").status_code == 403

"""Security headers on every reply, and the audit trail of security events."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PASSWORD, add_user


@pytest.mark.parametrize("path", ["/auth/is-authenticated", "/healthz", "/no/such/path", "/auth/login"])
def test_every_reply_has_security_headers(client, path):
    reply = client.get(path)
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in reply.headers["Content-Security-Policy"]
    assert "Origin" in reply.headers["Vary"]
    assert "Strict-Transport-Security" not in reply.headers, "no HSTS on DEV's plain http"


def test_the_page_also_gets_document_headers(client):
    reply = client.get("/auth/login")
    assert reply.headers["Referrer-Policy"] == "same-origin", "no-referrer would make the form post Origin: null"
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert reply.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_hsts_outside_dev(make_app):
    reply = make_app(ENVIRONMENT="PROD", FRONTEND_URL="https://app.example.com").test_client().get("/healthz")
    assert reply.headers["Strict-Transport-Security"].startswith("max-age=")


def events(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "auth.audit"]


def test_security_events_are_one_json_line_each_without_secrets(make_app, caplog):
    caplog.set_level("INFO", logger="auth.audit")
    app = make_app(REFRESH_GRACE_SECONDS="0")
    add_user(app)
    client = app.test_client()
    headers = {"User-Agent": "AuditTest/1.0"}
    client.post("/auth/login", json={"username": "alice", "password": "wrong"}, headers=headers)
    client.post("/auth/login", json={"username": "alice", "password": PASSWORD}, headers=headers)
    stolen = client.get_cookie("refresh_token", path="/auth").value
    client.post("/auth/refresh", headers=headers)
    app.test_client(use_cookies=False).post("/auth/refresh", headers={"Cookie": f"refresh_token={stolen}"})
    client.post("/auth/login", json={"username": "alice", "password": PASSWORD}, headers=headers)
    client.post("/auth/password", json={"current_password": PASSWORD, "new_password": "a new long passphrase"})
    client.post("/auth/logout", headers={"Origin": "https://evil.example"})
    client.post("/auth/logout")
    seen = events(caplog)
    kinds = [e["event"] for e in seen]
    for kind in (
        "login_failed",
        "login",
        "refresh",
        "refresh_reuse_detected",
        "password_changed",
        "csrf_refused",
        "logout",
    ):
        assert kind in kinds, kinds
    reuse = next(e for e in seen if e["event"] == "refresh_reuse_detected")
    assert reuse["user_id"] == "1" and reuse["session_id"]
    login = next(e for e in seen if e["event"] == "login")
    assert login["user_id"] == "1" and login["session_id"] and login["ip"] == "127.0.0.1"
    assert login["user_agent"] == "AuditTest/1.0"
    text = caplog.text
    assert PASSWORD not in text and "a new long passphrase" not in text and stolen not in text and "eyJ" not in text

"""The built-in sign-in page: HTML, strict CSP, and redirects only to allowed origins."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, add_user

FORM = "application/x-www-form-urlencoded"


def test_page_renders_with_strict_csp(client):
    reply = client.get("/auth/login")
    assert reply.status_code == 200 and reply.mimetype == "text/html"
    assert '<form method="post" action="/auth/login">' in reply.text
    csp = reply.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src" not in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in reply.text


def test_wrong_password_re_renders_with_an_error(make_user, client):
    make_user()
    reply = client.post("/auth/login", data={"username": "alice", "password": "wrong"})
    assert reply.status_code == 401 and "Invalid username or password." in reply.text
    assert "Set-Cookie" not in reply.headers


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("http://localhost:3000/dashboard", "http://localhost:3000/dashboard"),
        ("/auth/me", "/auth/me"),
        ("https://evil.example/phish", None),
        ("//evil.example/phish", None),
        ("/\\evil.example", None),
        ("http://localhost:3000.evil.example/", None),
        ("javascript:alert(1)", None),
    ],
    ids=["frontend", "own-path", "other-site", "scheme-relative", "backslash-trick", "suffix-trick", "javascript-url"],
)
def test_next_redirects_only_to_allowed_origins(make_user, client, target, expected):
    make_user()
    reply = client.post("/auth/login", data={"username": "alice", "password": PASSWORD, "next": target})
    # Post/redirect/get: without an allowed next, to the sign-in page, which shows who is signed in.
    assert reply.status_code == 303 and reply.headers["Location"] == (expected or "/auth/login")
    assert any(h.startswith("access_token=") for h in reply.headers.getlist("Set-Cookie"))


def test_next_from_query_is_carried_into_the_form(client):
    reply = client.get("/auth/login?next=http://localhost:3000/dashboard")
    assert 'name="next" value="http://localhost:3000/dashboard"' in reply.text
    assert 'name="next"' not in client.get("/auth/login?next=https://evil.example/").text


def test_too_many_form_sign_ins_render_the_page_with_retry_after(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED="true", RATELIMIT_LOGIN_USER_IP="2 per minute")
    add_user(app)
    client = app.test_client()
    for _ in range(2):
        client.post("/auth/login", data={"username": "alice", "password": "wrong"})
    reply = client.post("/auth/login", data={"username": "alice", "password": "wrong", "next": "/auth/me"})
    assert reply.status_code == 429 and reply.mimetype == "text/html"
    retry_after = int(reply.headers["Retry-After"])
    assert 0 < retry_after <= 60
    assert "Too many sign-in attempts." in reply.text and f"Try again in {retry_after} second" in reply.text
    assert 'name="next" value="/auth/me"' in reply.text and '"success"' not in reply.text
    json_reply = client.post("/auth/login", json={"username": "alice", "password": "wrong"})
    assert json_reply.status_code == 429 and json_reply.get_json()["success"] is False


def test_the_signed_in_page_signs_out_and_links_to_the_account_page(make_user, client):
    make_user()
    posted = client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    assert posted.status_code == 303 and posted.headers["Location"] == "/auth/login"
    page = client.get("/auth/login")
    assert '<form method="post" action="/auth/logout">' in page.text
    assert 'href="/auth/account"' in page.text
    assert client.get("/auth/me").status_code == 200
    out = client.post("/auth/logout", content_type=FORM, headers={"Origin": "http://localhost"})  # an empty form
    assert out.status_code == 303 and out.headers["Location"] == "/auth/login"
    assert all("Expires=Thu, 01 Jan 1970" in c for c in out.headers.getlist("Set-Cookie"))
    assert client.get("/auth/me").status_code == 401


def test_a_cross_site_sign_out_form_is_refused(make_user, client):
    make_user()
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    refused = client.post("/auth/logout", content_type=FORM, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403 and client.get("/auth/me").status_code == 200


def test_the_sign_out_button_carries_the_double_submit_token(make_app):
    app = make_app(CSRF_MODE="double-submit")
    add_user(app)
    client = app.test_client()
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    page = client.get("/auth/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.get_cookie("csrf_token").value == token
    same_origin = {"Origin": "http://localhost"}
    assert client.post("/auth/logout", content_type=FORM, headers=same_origin).status_code == 403
    assert client.post("/auth/logout", data={"csrf_token": "x" * len(token)}, headers=same_origin).status_code == 403
    out = client.post("/auth/logout", data={"csrf_token": token}, headers=same_origin)
    assert out.status_code == 303 and client.get("/auth/me").status_code == 401


def test_the_account_page_shows_the_user_or_sends_to_sign_in(make_user, client):
    make_user()
    away = client.get("/auth/account")
    assert away.status_code == 303 and away.headers["Location"] == "/auth/login?next=/auth/account"
    client.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    page = client.get("/auth/account")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert '<dd id="username">alice</dd>' in page.text and 'action="/auth/logout"' in page.text
    client.delete_cookie("access_token")
    refreshed = client.get("/auth/account")
    assert refreshed.status_code == 200 and "alice" in refreshed.text
    assert any(c.startswith("access_token=") for c in refreshed.headers.getlist("Set-Cookie"))

"""The built-in sign-in page: HTML, strict CSP, and redirects only to allowed origins."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


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
    if expected is None:
        assert reply.status_code == 200 and "signed in as" in reply.text
    else:
        assert reply.status_code == 303 and reply.headers["Location"] == expected
    assert any(h.startswith("access_token=") for h in reply.headers.getlist("Set-Cookie"))


def test_next_from_query_is_carried_into_the_form(client):
    reply = client.get("/auth/login?next=http://localhost:3000/dashboard")
    assert 'name="next" value="http://localhost:3000/dashboard"' in reply.text
    assert 'name="next"' not in client.get("/auth/login?next=https://evil.example/").text

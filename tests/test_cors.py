"""CORS: only FRONTEND_URL origins, exactly, with credentials; never a wildcard."""

from __future__ import annotations

import pytest

ORIGIN = "http://localhost:3000"


def test_allowed_origin_gets_credentials(client):
    reply = client.get("/auth/is-authenticated", headers={"Origin": ORIGIN})
    assert reply.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert reply.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in reply.headers.get("Vary", "")


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://localhost:3000.evil.example",
        "https://localhost:3000",
        "http://localhost:30001",
        "null",
    ],
    ids=["other-site", "suffix-trick", "other-scheme", "other-port", "null-origin"],
)
def test_other_origins_get_no_cors_headers(client, origin):
    reply = client.get("/auth/is-authenticated", headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in reply.headers
    assert "Access-Control-Allow-Credentials" not in reply.headers


def test_preflight_allows_the_methods_and_headers_a_frontend_sends(client):
    reply = client.options(
        "/auth/login",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-csrf-token",
        },
    )
    assert reply.status_code == 200
    assert reply.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in reply.headers["Access-Control-Allow-Methods"]
    allowed = reply.headers["Access-Control-Allow-Headers"].lower()
    assert "content-type" in allowed and "x-csrf-token" in allowed


def test_never_a_wildcard(make_app):
    app = make_app(FRONTEND_URL="https://a.example.com,https://b.example.com")
    client = app.test_client()
    for origin in ("https://a.example.com", "https://b.example.com"):
        assert client.get("/healthz", headers={"Origin": origin}).headers["Access-Control-Allow-Origin"] == origin
    assert (
        "Access-Control-Allow-Origin" not in client.get("/healthz", headers={"Origin": "https://c.example.com"}).headers
    )


@pytest.mark.parametrize(
    ("frontend", "allowed", "refused"),
    [
        ("http://[2001:db8::10]", "http://[2001:db8::10]", "http://bad-attacker.example"),
        ("http://[2001:db8::10]:3000", "http://[2001:db8::10]:3000", "http://2.example"),
        ("http://app.example.com", "http://app.example.com", "http://appXexample.com"),
        ("http://app.example.com", "http://app.example.com", "http://app.example.com.evil.example"),
    ],
    ids=["ipv6-literal", "ipv6-literal-port", "dot-is-not-any-character", "no-prefix-match"],
)
def test_origins_compare_exactly_whatever_characters_they_hold(make_app, frontend, allowed, refused):
    """flask-cors treats ``[`` ``]`` as a regex: an IPv6 origin must not become a character class."""
    client = make_app(FRONTEND_URL=frontend).test_client()
    assert client.get("/healthz", headers={"Origin": allowed}).headers["Access-Control-Allow-Origin"] == allowed
    for method in (client.get, client.options):
        reply = method("/auth/me", headers={"Origin": refused, "Access-Control-Request-Method": "GET"})
        assert "Access-Control-Allow-Origin" not in reply.headers
        assert "Access-Control-Allow-Credentials" not in reply.headers

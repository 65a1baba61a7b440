"""The auth cookies' attributes, exactly per the contract, in DEV and PROD."""

from __future__ import annotations

import requests

from tests.conftest import PASSWORD, add_user
from tests.helpers import set_cookies

PROD = {"ENVIRONMENT": "PROD", "FRONTEND_URL": "https://app.example.com"}


def login_cookies(make_app, **env):
    app = make_app(**env)
    add_user(app)
    client = app.test_client()
    reply = client.post(
        "/auth/login",
        json={"username": "alice", "password": PASSWORD},
        headers={"Origin": env.get("FRONTEND_URL", "http://localhost:3000")},
    )
    assert reply.status_code == 200, reply.json
    return set_cookies(reply), client


def test_dev_cookies_are_lax_and_not_secure(make_app):
    cookies, _ = login_cookies(make_app)
    access, refresh = cookies["access_token"], cookies["refresh_token"]
    assert "httponly" in access and "httponly" in refresh
    assert access["path"] == "/" and refresh["path"] == "/auth"
    assert access["samesite"] == refresh["samesite"] == "Lax"
    assert "secure" not in access and "secure" not in refresh
    assert access["max-age"] == "900" and "expires" in access
    assert int(refresh["max-age"]) >= 2_592_000 - 5
    assert "domain" not in access and "partitioned" not in access


def test_prod_cookies_are_samesite_none_and_secure(make_app):
    cookies, _ = login_cookies(make_app, **PROD)
    for name in ("access_token", "refresh_token"):
        assert cookies[name]["samesite"] == "None"
        assert "secure" in cookies[name] and "httponly" in cookies[name]


def test_cookie_domain_lets_subdomains_share(make_app):
    cookies, _ = login_cookies(make_app, **PROD, COOKIE_DOMAIN="example.com")
    assert cookies["access_token"]["domain"] == "example.com"
    assert cookies["refresh_token"]["domain"] == "example.com"


def test_partitioned_cookies_are_set_and_cleared_partitioned(make_app):
    cookies, client = login_cookies(make_app, **PROD, COOKIE_PARTITIONED="true")
    assert "partitioned" in cookies["access_token"] and "partitioned" in cookies["refresh_token"]
    cleared = set_cookies(client.post("/auth/logout", headers={"Origin": "https://app.example.com"}))
    for name, path in (("access_token", "/"), ("refresh_token", "/auth")):
        assert cleared[name]["value"] == "" and cleared[name]["max-age"] == "0"
        assert cleared[name]["path"] == path and "partitioned" in cleared[name] and "secure" in cleared[name]


def test_logout_clears_with_the_same_path_and_domain(make_app):
    _, client = login_cookies(make_app, **PROD, COOKIE_DOMAIN="example.com")
    cleared = set_cookies(client.post("/auth/logout", headers={"Origin": "https://app.example.com"}))
    assert cleared["access_token"]["domain"] == cleared["refresh_token"]["domain"] == "example.com"
    assert cleared["access_token"]["path"] == "/" and cleared["refresh_token"]["path"] == "/auth"


def test_unsafe_tutorial_switch_reproduces_the_bug_only_in_dev(make_app):
    cookies, _ = login_cookies(make_app, UNSAFE_TEST_COOKIE_SAMESITE_NONE_INSECURE="true")
    assert cookies["access_token"]["samesite"] == "None" and "secure" not in cookies["access_token"]


def test_real_server_sends_the_same_attributes(live_server):
    env = live_server.env(**PROD, JWT_SECRET="s" * 40, COOKIE_DOMAIN="example.com")
    live_server.prepare(env, {"alice": PASSWORD})
    url = live_server.start(env)
    reply = requests.post(url + "/auth/login", json={"username": "alice", "password": PASSWORD}, timeout=10)
    assert reply.status_code == 200
    raw = reply.raw.headers.getlist("Set-Cookie")
    access = next(h for h in raw if h.startswith("access_token="))
    refresh = next(h for h in raw if h.startswith("refresh_token="))
    for header in (access, refresh):
        for attribute in ("HttpOnly", "Secure", "SameSite=None", "Domain=example.com"):
            assert attribute in header
    assert "Path=/;" in access + ";" and "Path=/auth" in refresh

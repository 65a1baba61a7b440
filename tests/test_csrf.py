"""Cross-site request forgery, tried from the outside on every unsafe endpoint."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, add_user

FRONTEND = "https://app.example.com"
PROD = {"ENVIRONMENT": "PROD", "FRONTEND_URL": FRONTEND}
UNSAFE = [
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/logout"),
    ("post", "/auth/logout-all"),
    ("post", "/auth/register"),
    ("post", "/auth/password"),
    ("delete", "/auth/sessions/some-id"),
]
FORGED = {
    "fetch-from-evil-site": {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    "form-from-evil-site": {
        "Origin": "https://evil.example",
        "Sec-Fetch-Site": "cross-site",
        "Sec-Fetch-Mode": "navigate",
    },
    "sibling-subdomain": {"Origin": "https://evil.example.com", "Sec-Fetch-Site": "same-site"},
    "lookalike-origin": {"Origin": "https://app.example.com.evil.example"},
    "null-origin": {"Origin": "null"},
    "no-origin-but-cross-site": {"Sec-Fetch-Site": "cross-site"},
}


@pytest.fixture
def victim(make_app):
    """A PROD server and a browser signed in to it."""
    app = make_app(**PROD, COOKIE_DOMAIN="")
    add_user(app)
    browser = app.test_client()
    reply = browser.post("/auth/login", json={"username": "alice", "password": PASSWORD}, headers={"Origin": FRONTEND})
    assert reply.status_code == 200
    return app, browser


@pytest.mark.parametrize(("method", "path"), UNSAFE, ids=[p for _, p in UNSAFE])
@pytest.mark.parametrize("forgery", FORGED, ids=list(FORGED))
def test_forged_requests_with_cookies_are_refused(victim, method, path, forgery):
    _, browser = victim
    kwargs = {"data": {"username": "alice", "password": PASSWORD}} if "form" in forgery else {"json": {}}
    reply = getattr(browser, method)(path, headers=FORGED[forgery], **kwargs)
    assert reply.status_code == 403, reply.json
    assert reply.json == {
        "success": False,
        "message": "Cross-site request refused: this origin is not allowed to call the API.",
        "error": "csrf_failed",
    }
    assert browser.get("/auth/me").status_code == 200, "the session survived"


@pytest.mark.parametrize(("method", "path"), UNSAFE, ids=[p for _, p in UNSAFE])
def test_forged_requests_without_cookies_are_refused(make_app, method, path):
    reply = getattr(make_app(**PROD).test_client(), method)(path, headers=FORGED["fetch-from-evil-site"], json={})
    assert reply.status_code == 403


def test_login_csrf_by_form_is_refused(make_app):
    app = make_app(**PROD)
    add_user(app, "attacker")
    reply = app.test_client().post(
        "/auth/login", data={"username": "attacker", "password": PASSWORD}, headers=FORGED["form-from-evil-site"]
    )
    assert reply.status_code == 403 and "Set-Cookie" not in reply.headers


def test_allowed_origin_passes(victim):
    _, browser = victim
    headers = {"Origin": FRONTEND, "Sec-Fetch-Site": "same-site"}
    assert browser.post("/auth/refresh", headers=headers).status_code == 200
    assert browser.post("/auth/logout", headers=headers).status_code == 200


def test_api_own_origin_passes(victim):
    _, browser = victim
    assert (
        browser.post(
            "/auth/refresh", headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
        ).status_code
        == 200
    )


def test_curl_shaped_requests_pass(victim):
    """No Origin, no Sec-Fetch-Site: not a browser, so no ambient credentials to abuse."""
    _, browser = victim
    assert browser.post("/auth/refresh").status_code == 200


def test_foreign_referer_without_origin_is_refused_when_cookies_ride_along(victim):
    _, browser = victim
    reply = browser.post("/auth/logout", headers={"Referer": "https://evil.example/page"})
    assert reply.status_code == 403


def test_allowed_referer_without_origin_passes(victim):
    _, browser = victim
    assert browser.post("/auth/refresh", headers={"Referer": FRONTEND + "/dashboard"}).status_code == 200


def test_safe_methods_are_not_checked(victim):
    _, browser = victim
    assert browser.get("/auth/me", headers=FORGED["fetch-from-evil-site"]).status_code == 200


class TestDoubleSubmit:
    @pytest.fixture
    def browser(self, make_app):
        app = make_app(**PROD, CSRF_MODE="double-submit")
        add_user(app)
        client = app.test_client()
        reply = client.post(
            "/auth/login", json={"username": "alice", "password": PASSWORD}, headers={"Origin": FRONTEND}
        )
        assert reply.status_code == 200
        client.csrf = reply.json["csrf_token"]
        return client

    def test_login_reply_carries_the_token_in_json_and_a_readable_cookie(self, browser):
        cookie = browser.get_cookie("csrf_token")
        assert cookie.value == browser.csrf and not cookie.http_only

    def test_unsafe_request_without_the_header_is_refused(self, browser):
        reply = browser.post("/auth/logout-all", headers={"Origin": FRONTEND})
        assert reply.status_code == 403 and "X-CSRF-Token" in reply.json["message"]

    def test_wrong_header_is_refused(self, browser):
        reply = browser.post("/auth/logout-all", headers={"Origin": FRONTEND, "X-CSRF-Token": "guess"})
        assert reply.status_code == 403

    def test_echoed_header_passes(self, browser):
        reply = browser.post("/auth/logout-all", headers={"Origin": FRONTEND, "X-CSRF-Token": browser.csrf})
        assert reply.status_code == 200

    def test_refresh_hands_out_the_token_again(self, browser):
        reply = browser.post("/auth/refresh", headers={"Origin": FRONTEND})
        assert reply.status_code == 200 and reply.json["csrf_token"] == browser.csrf

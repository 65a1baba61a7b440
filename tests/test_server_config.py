"""GET /auth/config: the switches a frontend's components read to show only what works."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask


def test_defaults_in_dev(make_app: Callable[..., Flask]) -> None:
    reply = make_app().test_client().get("/auth/config")
    assert reply.status_code == 200
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.get_json() == {
        "success": True,
        "registration": False,
        "magic_links": False,
        "mail": True,
        "passkeys": True,
        "providers": [],
    }


def test_each_switch_is_reported(make_app: Callable[..., Flask]) -> None:
    app = make_app(
        ALLOW_REGISTRATION="true",
        ALLOW_MAGIC_LINKS="true",
        OIDC_PROVIDERS="github",
        OIDC_GITHUB_CLIENT_ID="client",
        OIDC_GITHUB_CLIENT_SECRET="secret",
    )
    body = app.test_client().get("/auth/config").get_json()
    assert body["registration"] is True
    assert body["magic_links"] is True
    assert body["providers"] == [{"name": "github", "label": "GitHub"}]


def test_magic_links_need_mail(make_app: Callable[..., Flask]) -> None:
    """PROD without MAIL_URL: the mail endpoints answer 404, so the components must not offer them."""
    app = make_app(ENVIRONMENT="PROD", ALLOW_MAGIC_LINKS="true", COOKIE_SECURE="false", COOKIE_SAMESITE="Lax")
    body = app.test_client().get("/auth/config").get_json()
    assert (body["mail"], body["magic_links"]) == (False, False)


def test_a_frontend_can_read_retry_after(make_app: Callable[..., Flask]) -> None:
    """Retry-After is not CORS-safelisted: unexposed, JS on the frontend's origin cannot read a 429's wait."""
    reply = make_app().test_client().get("/auth/config", headers={"Origin": "http://localhost:3000"})
    exposed = [name.strip().lower() for name in reply.headers.get("Access-Control-Expose-Headers", "").split(",")]
    assert "retry-after" in exposed

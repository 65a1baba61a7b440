"""Sign-in with an identity provider, against providers served over HTTP on 127.0.0.1.

The full sign-in, access_denied and code replay run against oidc-provider-mock
(a complete OpenID Connect provider); the tokens a well-behaved provider never
issues (wrong audience, expired, wrong nonce, a key it does not publish), key
rotation, an outage and GitHub's shape run against ``LocalProvider``, our own
small provider with real RS256 signatures. The server under test is the real
app; only the browser is played by the test client and ``requests``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer

from auth.core.settings import ConfigError
from auth.oidc.client import expected_issuer
from auth.oidc.settings import OidcSettings
from models import Identity, User, db
from tests.conftest import PASSWORD, add_user
from tests.helpers import set_cookies
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, LocalProvider, Person, mock_provider
from tests.servers import free_port
from tests.test_openapi import check_reply

FRONTEND = "http://localhost:3000"
NEXT = f"{FRONTEND}/dashboard"


def provider_env(name: str, issuer: str) -> dict[str, str]:
    upper = name.upper()
    return {
        "OIDC_PROVIDERS": name,
        f"OIDC_{upper}_ISSUER": issuer,
        f"OIDC_{upper}_CLIENT_ID": CLIENT_ID,
        f"OIDC_{upper}_CLIENT_SECRET": CLIENT_SECRET,
    }


@pytest.fixture
def provider() -> Iterator[LocalProvider]:
    with LocalProvider().running() as running:
        yield running


@pytest.fixture
def oidc_app(make_app: Callable[..., Flask], provider: LocalProvider) -> Flask:
    return make_app(**provider_env("test", provider.url))


@pytest.fixture
def c(oidc_app: Flask) -> FlaskClient:
    return oidc_app.test_client()


def start(c: FlaskClient, name: str = "test", next_url: str | None = NEXT, **params: str):
    query = {**({"next": next_url} if next_url else {}), **params}
    reply = c.get(f"/auth/oidc/{name}/start", query_string=query)
    assert reply.status_code == 302, reply.headers
    return reply


def local(url: str) -> str:
    """The path and query of a URL on the server under test (the test client's host)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sign_in(c: FlaskClient, name: str = "test", next_url: str | None = NEXT, **params: str):
    """Start, let the provider sign the person in, and follow its redirect back: the callback's reply."""
    at_provider = requests.get(start(c, name, next_url, **params).location, allow_redirects=False, timeout=10)
    assert at_provider.status_code in (302, 303), at_provider.text
    return c.get(local(at_provider.headers["Location"]))


def refused(reply, code: str) -> None:
    """A failure: 303 to the sign-in page with the code, no session cookies, nobody signed in."""
    assert reply.status_code == 303
    location = urlsplit(reply.location)
    assert location.path == "/auth/login"
    assert parse_qs(location.query)["error"] == [code]
    assert "access_token" not in set_cookies(reply) and "refresh_token" not in set_cookies(reply)


def signed_in_as(c: FlaskClient) -> str | None:
    me = c.get("/auth/me")
    return me.get_json()["user"]["username"] if me.status_code == 200 else None


# --- against oidc-provider-mock ------------------------------------------------


@pytest.fixture
def mock(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the mock's own server side, on http
    with mock_provider() as issuer:
        yield issuer


def at_mock(c: FlaskClient, form: dict[str, str], next_url: str | None = NEXT):
    """Start, then answer the mock's authorization page with ``form`` (a subject, or deny)."""
    first = start(c, "mock", next_url)
    page = requests.get(first.location, timeout=10)
    assert page.status_code == 200 and 'name="sub"' in page.text  # its real sign-in page
    answer = requests.post(first.location, data=form, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def test_full_sign_in_with_a_real_provider(make_app: Callable[..., Flask], mock: str) -> None:
    app = make_app(**provider_env("mock", mock))
    c = app.test_client()
    requests.put(f"{mock}/users/sub-alice", json={"email": "alice@example.com", "email_verified": True}, timeout=10)
    reply = c.get(local(at_mock(c, {"sub": "sub-alice"})))
    assert reply.status_code == 303 and reply.location == NEXT
    cookies = set_cookies(reply)
    assert cookies["access_token"]["value"] and cookies["refresh_token"]["value"]
    assert cookies["oidc_flow"]["value"] == ""  # the flow cookie is spent
    assert signed_in_as(c) == "alice"
    with app.app_context():
        identity = db.session.query(Identity).one()
        assert (identity.provider, identity.subject, identity.email) == ("mock", "sub-alice", "alice@example.com")
        assert db.session.get(User, identity.user_id).email_verified_at is not None
    c.post("/auth/logout")
    again = c.get(local(at_mock(c, {"sub": "sub-alice"})))
    assert again.status_code == 303 and signed_in_as(c) == "alice"
    with app.app_context():
        assert db.session.query(User).count() == 1  # the second sign-in found the same user


def test_access_denied_at_the_provider(make_app: Callable[..., Flask], mock: str) -> None:
    c = make_app(**provider_env("mock", mock)).test_client()
    reply = c.get(local(at_mock(c, {"action": "deny"})))
    refused(reply, "access_denied")
    assert signed_in_as(c) is None
    page = c.get(reply.location)
    assert "You cancelled the sign-in at the provider." in page.get_data(as_text=True)


def test_a_replayed_code_is_refused(make_app: Callable[..., Flask], mock: str) -> None:
    c = make_app(**provider_env("mock", mock)).test_client()
    callback = local(at_mock(c, {"sub": "bob@example.com"}))
    flow_cookie = c.get_cookie("oidc_flow", path="/auth/oidc")
    assert flow_cookie is not None
    assert c.get(callback).status_code == 303 and signed_in_as(c) == "bob"

    thief = c.application.test_client()  # the same code and flow cookie, replayed
    thief.set_cookie("oidc_flow", flow_cookie.value, path="/auth/oidc")
    refused(thief.get(callback), "code_rejected")
    assert signed_in_as(thief) is None


# --- against our own provider ----------------------------------------------------


def test_sign_in_creates_a_passwordless_user_whose_password_login_fails(c: FlaskClient) -> None:
    reply = sign_in(c)
    assert reply.status_code == 303 and reply.location == NEXT
    assert signed_in_as(c) == "person"
    other = c.application.test_client()
    for password in ("", " ", PASSWORD):
        attempt = other.post("/auth/login", json={"username": "person", "password": password or "x"})
        assert attempt.status_code == 401
        assert attempt.get_json()["message"] == "Invalid username or password."


def test_start_sends_pkce_state_and_nonce_and_keeps_them_in_a_short_lived_cookie(c: FlaskClient) -> None:
    reply = start(c)
    query = parse_qs(urlsplit(reply.location).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["redirect_uri"] == ["http://localhost/auth/oidc/test/callback"]
    cookie = set_cookies(reply)["oidc_flow"]
    assert cookie["path"] == "/auth/oidc" and cookie["max-age"] == "600"
    assert "httponly" in cookie and cookie["samesite"] == "Lax"


def test_tampered_state_is_refused(c: FlaskClient, provider: LocalProvider) -> None:
    at_provider = requests.get(start(c).location, allow_redirects=False, timeout=10)
    callback = urlsplit(at_provider.headers["Location"])
    query = parse_qs(callback.query)
    tampered = f"{callback.path}?code={query['code'][0]}&state={query['state'][0][:-2]}xx"
    refused(c.get(tampered), "state_mismatch")
    assert signed_in_as(c) is None


def test_a_flow_cookie_signed_with_another_key_is_refused(c: FlaskClient) -> None:
    """The cookie is signed: the very flow this browser started, re-signed with another key, gets nowhere."""
    at_provider = requests.get(start(c).location, allow_redirects=False, timeout=10)
    _, flow = URLSafeTimedSerializer("unused").loads_unsafe(c.get_cookie("oidc_flow", path="/auth/oidc").value)
    assert flow["state"] in at_provider.headers["Location"]  # the forgery carries the right state
    forged = URLSafeTimedSerializer("another-secret-0123456789-abcdefghijklm", salt="auth.oidc.flow").dumps(flow)
    c.set_cookie("oidc_flow", forged, path="/auth/oidc")
    refused(c.get(local(at_provider.headers["Location"])), "state_mismatch")
    assert signed_in_as(c) is None


def test_a_garbled_flow_cookie_is_refused(c: FlaskClient) -> None:
    at_provider = requests.get(start(c).location, allow_redirects=False, timeout=10)
    value = c.get_cookie("oidc_flow", path="/auth/oidc").value
    payload, _, signature = value.partition(".")
    c.set_cookie("oidc_flow", f"{payload[:-3]}AAA.{signature}", path="/auth/oidc")
    refused(c.get(local(at_provider.headers["Location"])), "state_mismatch")
    assert signed_in_as(c) is None


def test_a_callback_in_another_browser_is_refused(c: FlaskClient) -> None:
    at_provider = requests.get(start(c).location, allow_redirects=False, timeout=10)
    stranger = c.application.test_client()  # no flow cookie: the login CSRF of OAuth
    refused(stranger.get(local(at_provider.headers["Location"])), "state_mismatch")
    assert signed_in_as(stranger) is None


@pytest.mark.parametrize("spoil", ["issuer", "audience", "audience_azp", "expired", "nonce", "signature", "azp"])
def test_a_bad_id_token_is_refused(c: FlaskClient, provider: LocalProvider, spoil: str) -> None:
    provider.spoil = spoil
    refused(sign_in(c), "token_rejected")
    assert signed_in_as(c) is None
    with c.application.app_context():
        assert db.session.query(User).count() == 0


def test_the_provider_key_rotates_between_two_sign_ins(c: FlaskClient, provider: LocalProvider) -> None:
    assert sign_in(c).status_code == 303 and signed_in_as(c) == "person"
    fetches = provider.jwks_fetches
    provider.rotate()
    fresh = c.application.test_client()
    assert sign_in(fresh).status_code == 303 and signed_in_as(fresh) == "person"
    assert provider.jwks_fetches == fetches + 1  # an unknown kid fetched the keys again, once


def test_claims_missing_from_the_id_token_come_from_userinfo(c: FlaskClient, provider: LocalProvider) -> None:
    provider.spoil = "no_email"
    provider.person = Person(sub="s-2", email="userinfo@example.com")
    assert sign_in(c).status_code == 303
    with c.application.app_context():
        assert db.session.query(Identity).one().email == "userinfo@example.com"


def test_oversized_claims_never_reach_the_database(c: FlaskClient, provider: LocalProvider) -> None:
    provider.person = Person(sub="s-3", email=f"{'a' * 250}@example.com")
    assert sign_in(c).status_code == 303  # signed in, without an email that cannot be stored
    with c.application.app_context():
        assert db.session.query(Identity).one().email is None
    provider.person = Person(sub="s" * 256)
    refused(sign_in(c.application.test_client()), "token_rejected")


def test_a_provider_that_is_down(make_app: Callable[..., Flask]) -> None:
    c = make_app(**provider_env("test", f"http://127.0.0.1:{free_port()}")).test_client()
    reply = c.get("/auth/oidc/test/start", query_string={"next": NEXT})
    refused(reply, "provider_unreachable")
    assert parse_qs(urlsplit(reply.location).query)["next"] == [NEXT]
    page = c.get(reply.location)
    assert page.status_code == 200
    assert "cannot be reached right now" in page.get_data(as_text=True)


def test_a_provider_that_goes_down_during_the_sign_in(make_app: Callable[..., Flask]) -> None:
    with LocalProvider().running() as provider:
        c = make_app(**provider_env("test", provider.url)).test_client()
        callback = local(requests.get(start(c).location, allow_redirects=False, timeout=10).headers["Location"])
    refused(c.get(callback), "provider_unreachable")


def test_provider_error_is_refused(c: FlaskClient, provider: LocalProvider) -> None:
    provider.deny = True
    refused(sign_in(c), "access_denied")


def test_next_on_a_foreign_origin_is_dropped(c: FlaskClient) -> None:
    reply = sign_in(c, next_url="https://evil.example/steal")
    # Signed in and sent to the signed-in page (post/redirect/get), not away.
    assert reply.status_code == 303 and reply.headers["Location"] == "/auth/login"
    assert signed_in_as(c) == "person"


def test_unknown_provider(c: FlaskClient) -> None:
    refused(c.get("/auth/oidc/nope/start"), "unknown_provider")
    refused(c.get("/auth/oidc/nope/callback?code=x&state=y"), "unknown_provider")


def test_github(make_app: Callable[..., Flask], provider: LocalProvider) -> None:
    provider.person = Person(sub="583231", email="octo@example.com")
    app = make_app(
        OIDC_PROVIDERS="github",
        OIDC_GITHUB_CLIENT_ID=CLIENT_ID,
        OIDC_GITHUB_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_GITHUB_WEB_URL=provider.url,
        OIDC_GITHUB_API_URL=provider.url,
    )
    c = app.test_client()
    assert c.get("/auth/oidc/providers").get_json()["providers"] == [{"name": "github", "label": "GitHub"}]
    # GitHub's login is the preferred username (the email's local part comes second).
    assert sign_in(c, "github").status_code == 303 and signed_in_as(c) == "octocat"
    with app.app_context():
        identity = db.session.query(Identity).one()
        assert (identity.provider, identity.subject) == ("github", "583231")


# --- linking and unlinking ------------------------------------------------------


def password_login(c: FlaskClient, name: str = "alice") -> None:
    assert c.post("/auth/login", json={"username": name, "password": PASSWORD}).status_code == 200


def link(c: FlaskClient, name: str = "test"):
    """POST /link, then open the URL it gives in the same browser, through the provider and back."""
    reply = c.post(f"/auth/oidc/{name}/link", json={"next": f"{FRONTEND}/account"})
    assert reply.status_code == 200, reply.get_json()
    begin = c.get(local(reply.get_json()["url"]))
    if begin.status_code != 302:
        return begin
    at_provider = requests.get(begin.location, allow_redirects=False, timeout=10)
    return c.get(local(at_provider.headers["Location"]))


def test_link_then_unlink(oidc_app: Flask, c: FlaskClient) -> None:
    add_user(oidc_app, "alice")
    password_login(c)
    linked = link(c)
    assert linked.status_code == 303 and linked.location == f"{FRONTEND}/account"
    listing = c.get("/auth/identities").get_json()["identities"]
    assert [(i["provider"], i["label"], i["email"]) for i in listing] == [("test", "Test", "person@example.com")]
    # Signing in through the provider now reaches alice.
    other = oidc_app.test_client()
    assert sign_in(other).status_code == 303 and signed_in_as(other) == "alice"
    # alice has a password, so the identity may go.
    assert c.delete(f"/auth/identities/{listing[0]['id']}").status_code == 200
    assert c.get("/auth/identities").get_json()["identities"] == []


def test_linking_needs_a_recent_sign_in(make_app: Callable[..., Flask], provider: LocalProvider) -> None:
    app = make_app(**provider_env("test", provider.url), REAUTH_SECONDS="1")
    add_user(app, "alice")
    c = app.test_client()
    password_login(c)
    time.sleep(1.2)
    reply = c.post("/auth/oidc/test/link", json={})
    assert reply.status_code == 403 and reply.get_json()["error"] == "reauth_required"


def test_a_link_url_only_works_in_the_browser_that_asked(oidc_app: Flask, c: FlaskClient) -> None:
    add_user(oidc_app, "alice")
    password_login(c)
    url = c.post("/auth/oidc/test/link", json={}).get_json()["url"]
    stranger = oidc_app.test_client()
    refused(stranger.get(local(url)), "link_expired")
    with oidc_app.app_context():
        assert db.session.query(Identity).count() == 0


def test_an_identity_linked_to_someone_else_is_not_moved(oidc_app: Flask, c: FlaskClient) -> None:
    assert sign_in(oidc_app.test_client()).status_code == 303  # "person" owns the identity
    add_user(oidc_app, "alice")
    password_login(c)
    refused(link(c), "identity_in_use")
    assert c.get("/auth/identities").get_json()["identities"] == []


def test_the_last_way_to_sign_in_cannot_be_unlinked(oidc_app: Flask, c: FlaskClient, provider: LocalProvider) -> None:
    assert sign_in(c).status_code == 303
    (only,) = c.get("/auth/identities").get_json()["identities"]
    reply = c.delete(f"/auth/identities/{only['id']}")
    assert reply.status_code == 409 and "last way to sign in" in reply.get_json()["message"]
    # With a second identity linked, the first may go.
    provider.person = Person(sub="subject-2", email=None)
    assert link(c).status_code == 303
    assert c.delete(f"/auth/identities/{only['id']}").status_code == 200
    (left,) = c.get("/auth/identities").get_json()["identities"]
    assert c.delete(f"/auth/identities/{left['id']}").status_code == 409


def test_unlinking_someone_elses_identity_is_404(oidc_app: Flask, c: FlaskClient) -> None:
    assert sign_in(oidc_app.test_client()).status_code == 303
    add_user(oidc_app, "alice")
    password_login(c)
    with oidc_app.app_context():
        theirs = db.session.query(Identity).one().id
    assert c.delete(f"/auth/identities/{theirs}").status_code == 404
    for bad in ("not-a-number", "\u0661", "9" * 40):  # U+0661 is a digit to int(), not an id
        assert c.delete(f"/auth/identities/{bad}").status_code == 404


def verified_user(app: Flask, name: str, email: str, verified: bool) -> None:
    add_user(app, name)
    with app.app_context():
        user = db.session.query(User).filter_by(username=name).one()
        user.email = email
        user.email_key = email.casefold() if verified else None  # an unverified address claims nothing
        user.email_verified_at = time.time() if verified else None
        db.session.commit()


@pytest.mark.parametrize(
    ("setting", "ours_verified", "theirs_verified", "outcome"),
    [
        ("true", True, True, "linked"),
        # The provider does not vouch for the address: it claims nothing, is never looked up, and a
        # refusal would tell a stranger that the address has an account here.
        ("true", True, False, "new_user"),
        ("true", False, True, "new_user"),  # we never verified it: whoever registered it first must not win
        ("false", True, True, "email_in_use"),  # linking by email is off (only the address's owner sees this)
    ],
)
def test_linking_by_verified_email(
    make_app: Callable[..., Flask],
    provider: LocalProvider,
    setting: str,
    ours_verified: bool,
    theirs_verified: bool,
    outcome: str,
) -> None:
    app = make_app(**provider_env("test", provider.url), OIDC_LINK_VERIFIED_EMAIL=setting)
    verified_user(app, "alice", "Person@Example.com", ours_verified)
    provider.person = Person(email="person@example.com", email_verified=theirs_verified)
    c = app.test_client()
    reply = sign_in(c)
    if outcome == "linked":
        assert reply.status_code == 303 and signed_in_as(c) == "alice"
    elif outcome == "new_user":
        assert reply.status_code == 303 and signed_in_as(c) not in (None, "alice")
    else:
        refused(reply, outcome)


def test_no_new_users_when_creation_is_off(make_app: Callable[..., Flask], provider: LocalProvider) -> None:
    c = make_app(**provider_env("test", provider.url), OIDC_CREATE_USERS="false").test_client()
    refused(sign_in(c), "no_account")


# --- pages, listing, configuration ----------------------------------------------


def test_the_built_in_sign_in_page_has_a_button_per_provider(make_app: Callable[..., Flask]) -> None:
    app = make_app(
        **{
            **provider_env("corp", "https://id.corp.example"),
            "OIDC_PROVIDERS": "google,corp",
            "OIDC_GOOGLE_CLIENT_ID": "g",
            "OIDC_GOOGLE_CLIENT_SECRET": "s",
        }
    )
    c = app.test_client()
    page = c.get("/auth/login", query_string={"next": NEXT}).get_data(as_text=True)
    assert "Continue with Google" in page and "Continue with Corp" in page
    assert "/auth/oidc/google/start?next=http" in page
    assert c.get("/auth/oidc/providers").get_json() == {
        "success": True,
        "providers": [{"name": "google", "label": "Google"}, {"name": "corp", "label": "Corp"}],
    }


def test_the_sign_in_page_never_echoes_an_unknown_error(client: FlaskClient) -> None:
    page = client.get("/auth/login?error=<script>x</script>").get_data(as_text=True)
    assert "<script>x" not in page and 'id="error"' not in page


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"OIDC_PROVIDERS": "corp"}, "OIDC_CORP_CLIENT_ID"),
        ({"OIDC_PROVIDERS": "corp", "OIDC_CORP_CLIENT_ID": "x"}, "OIDC_CORP_CLIENT_SECRET"),
        ({"OIDC_PROVIDERS": "corp", "OIDC_CORP_CLIENT_ID": "x", "OIDC_CORP_CLIENT_SECRET": "y"}, "OIDC_CORP_ISSUER"),
        (
            {**provider_env("corp", "http://id.corp.example")},
            "OIDC_CORP_ISSUER",
        ),  # plain http away from this machine
        ({**provider_env("corp", "https://id.corp.example"), "OIDC_CORP_SCOPES": "email"}, "OIDC_CORP_SCOPES"),
        ({"OIDC_PROVIDERS": "Bad-Name!"}, "OIDC_PROVIDERS"),
        ({"OIDC_CREATE_USERS": "maybe"}, "OIDC_CREATE_USERS"),
    ],
)
def test_a_misconfigured_provider_is_named_at_start(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        OidcSettings.from_env(env)


def test_a_misconfigured_provider_stops_the_app(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError, match="OIDC_GITHUB_CLIENT_SECRET"):
        make_app(OIDC_PROVIDERS="github", OIDC_GITHUB_CLIENT_ID="x")


def test_failures_are_audited(c: FlaskClient, provider: LocalProvider, caplog: pytest.LogCaptureFixture) -> None:
    provider.spoil = "audience"
    with caplog.at_level("INFO", logger="auth.audit"):
        sign_in(c)
    lines = [r.getMessage() for r in caplog.records if r.name == "auth.audit"]
    assert any('"event": "oidc_failed"' in line and '"error": "token_rejected"' in line for line in lines)
    assert not any(CLIENT_SECRET in line for line in lines)


def test_replies_match_the_openapi_document(oidc_app: Flask, c: FlaskClient) -> None:
    check_reply(c.get("/auth/oidc/providers"), "/auth/oidc/providers", "GET")
    check_reply(c.get("/auth/identities"), "/auth/identities", "GET")
    failed = c.get("/auth/oidc/test/callback?state=x&code=y")
    check_reply(failed, "/auth/oidc/{name}/callback", "GET")
    begun = start(c)
    check_reply(begun, "/auth/oidc/{name}/start", "GET")
    at_provider = requests.get(begun.location, allow_redirects=False, timeout=10)
    check_reply(c.get(local(at_provider.headers["Location"])), "/auth/oidc/{name}/callback", "GET")
    listing = c.get("/auth/identities")
    assert listing.get_json()["identities"]
    check_reply(listing, "/auth/identities", "GET")
    check_reply(c.post("/auth/oidc/test/link", json={}), "/auth/oidc/{name}/link", "POST")
    check_reply(c.post("/auth/oidc/nope/link", json={}), "/auth/oidc/{name}/link", "POST")
    (only,) = listing.get_json()["identities"]
    check_reply(c.delete(f"/auth/identities/{only['id']}"), "/auth/identities/{identity_id}", "DELETE")


def test_presets() -> None:
    env = {"OIDC_PROVIDERS": "google,microsoft,github"}
    for name in ("GOOGLE", "MICROSOFT", "GITHUB"):
        env |= {f"OIDC_{name}_CLIENT_ID": "id", f"OIDC_{name}_CLIENT_SECRET": "secret"}
    providers = OidcSettings.from_env(env).providers
    assert providers["google"].issuer == "https://accounts.google.com"
    assert providers["google"].issuer_aliases == ("accounts.google.com",)
    assert providers["microsoft"].issuer == "https://login.microsoftonline.com/common/v2.0"
    assert (providers["github"].kind, providers["github"].scopes) == ("github", "read:user user:email")
    assert providers["github"].api_url == "https://api.github.com"
    # Microsoft's multi-tenant issuer: each token is checked against its own tenant.
    template = "https://login.microsoftonline.com/{tenantid}/v2.0"
    assert expected_issuer(template, {"tid": "t-1"}) == "https://login.microsoftonline.com/t-1/v2.0"
    assert expected_issuer(template, {}) == template  # no tenant: matches no real token


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.binary(max_size=200) | st.text(max_size=60).map(str.encode),
    content_type=st.sampled_from(
        ["application/json", "application/json; charset=no-such-codec", "text/plain", "multipart/form-data", ""]
    ),
)
def test_any_link_body_gets_a_json_reply(oidc_app: Flask, c: FlaskClient, body: bytes, content_type: str) -> None:
    if c.get("/auth/me").status_code != 200:
        add_user(oidc_app, "alice")
        password_login(c)
    reply = c.post("/auth/oidc/test/link", data=body, headers={"Content-Type": content_type})
    if content_type == "multipart/form-data":  # the account page's form: sent on, or back to the page
        assert reply.status_code in (303, 400, 413), reply.status_code
        return
    assert reply.status_code in (200, 400, 413, 415), reply.status_code
    assert reply.mimetype == "application/json" and "success" in reply.get_json()

"""The OpenID provider through HTTP (Flask's test client): the code flow with
PKCE, ID tokens checked against the published JWKS, refresh rotation and
reuse, client credentials, consent, and the refusals (wrong redirect URI,
missing or plain PKCE, replayed, foreign or expired codes, ``prompt=none``
without a session, tokens after their session ended, a locked user).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import jwt
import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from auth.core.settings import ConfigError
from tests.conftest import PASSWORD, add_user, base_env
from tests.provider_flow import (
    AFTER_LOGOUT,
    REDIRECT,
    Registered,
    authorize_params,
    get_code,
    pkce,
    query_of,
    register,
    rsa_key_file,
)

ORIGIN = {"Origin": "http://localhost"}


@pytest.fixture
def app(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    return make_app(OIDC_PROVIDER_ENABLED="true", OIDC_PROVIDER_KEY_FILE=rsa_key_file(tmp_path))


@pytest.fixture
def alice(app: Flask) -> int:
    return add_user(app, "alice", roles=("editor",))


@pytest.fixture
def rp(app: Flask) -> Registered:
    return register(app, "--scopes", "openid profile email roles offline_access")


def signed_in(app: Flask, name: str = "alice") -> FlaskClient:
    browser = app.test_client()
    assert browser.post("/auth/login", json={"username": name, "password": PASSWORD}).status_code == 200
    return browser


def to_sign_in(browser: FlaskClient, reply) -> str:
    """Follow the resume hop (no live access cookie) to where the browser lands: the sign-in page's URL."""
    if reply.status_code == 303 and reply.location.startswith("/auth/provider/resume?"):
        back = browser.get(reply.location)
        assert back.status_code == 303 and "resumed=1" in back.location
        reply = browser.get(back.location)
    assert reply.status_code == 303, reply.data[:300]
    return reply.location


def exchange(client: FlaskClient, rp: Registered, code: str, verifier: str | None, **extra: str):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **extra}
    if verifier:
        data["code_verifier"] = verifier
    auth = (rp.client_id, rp.secret) if rp.secret else None
    if rp.secret is None:
        data["client_id"] = rp.client_id
    return client.post("/oauth2/token", data=data, auth=auth)


def tokens_for(app: Flask, rp: Registered, browser: FlaskClient, **extra: str) -> dict:
    proof = pkce()
    query = get_code(browser, rp.client_id, proof.challenge, **extra)
    reply = exchange(app.test_client(), rp, query["code"], proof.verifier)
    assert reply.status_code == 200, reply.get_json()
    return reply.get_json()


def refresh(app: Flask, rp: Registered, token: str):
    data = {"grant_type": "refresh_token", "refresh_token": token}
    if rp.secret is None:
        data["client_id"] = rp.client_id
    return app.test_client().post("/oauth2/token", data=data, auth=(rp.client_id, rp.secret) if rp.secret else None)


def introspect(app: Flask, rp: Registered, token: str) -> dict:
    reply = app.test_client().post("/oauth2/introspect", data={"token": token}, auth=(rp.client_id, rp.secret))
    assert reply.status_code == 200
    return reply.get_json()


def userinfo(app: Flask, access_token: str):
    return app.test_client().get("/oauth2/userinfo", headers={"Authorization": f"Bearer {access_token}"})


def id_claims(app: Flask, id_token: str, audience: str) -> dict:
    """Verify an ID token as a relying party would: key from the JWKS by kid, RS256, iss and aud."""
    keys = jwt.PyJWKSet.from_dict(app.test_client().get("/.well-known/jwks.json").get_json())
    kid = jwt.get_unverified_header(id_token)["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    return jwt.decode(id_token, key.key, algorithms=["RS256"], audience=audience, issuer="http://localhost")


# --- discovery and keys ------------------------------------------------------------------


def test_discovery_names_every_endpoint_code_flow_only_and_s256(app: Flask) -> None:
    doc = app.test_client().get("/.well-known/openid-configuration").get_json()
    assert doc["issuer"] == "http://localhost"
    assert doc["authorization_endpoint"] == "http://localhost/oauth2/authorize"
    assert doc["end_session_endpoint"] == "http://localhost/oauth2/logout"
    assert doc["response_types_supported"] == ["code"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert "password" not in doc["grant_types_supported"] and "implicit" not in doc["grant_types_supported"]


def test_the_id_token_key_is_published_in_the_jwks(app: Flask) -> None:
    keys = app.test_client().get("/.well-known/jwks.json").get_json()["keys"]
    assert [(k["kty"], k["alg"]) for k in keys] == [("RSA", "RS256")]
    assert "d" not in keys[0]  # the public half only


def test_an_hs256_server_needs_a_key_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="OIDC_PROVIDER_KEY_FILE"):
        create_app({**base_env(tmp_path), "OIDC_PROVIDER_ENABLED": "true"})


def test_off_by_default(make_app: Callable[..., Flask]) -> None:
    assert make_app().test_client().get("/.well-known/openid-configuration").status_code == 404


# --- the code flow -----------------------------------------------------------------------


def test_code_flow_with_pkce_gives_a_verifiable_id_token_and_userinfo(app: Flask, alice: int, rp: Registered) -> None:
    browser = signed_in(app)
    proof = pkce()
    params = authorize_params(rp.client_id, proof.challenge, scope="openid profile roles offline_access")
    first = browser.get("/oauth2/authorize", query_string=params)
    assert first.status_code == 200 and b"Demo app" in first.data and b"see your roles" in first.data
    back = browser.post("/oauth2/authorize", query_string=params, data={"decision": "allow"}, headers=ORIGIN)
    query = query_of(back.location)
    assert back.location.startswith(REDIRECT + "?")
    assert query["state"] == params["state"] and query["iss"] == "http://localhost"
    body = exchange(app.test_client(), rp, query["code"], proof.verifier).get_json()
    assert body["token_type"] == "Bearer" and body["refresh_token"]
    claims = id_claims(app, body["id_token"], rp.client_id)
    assert claims["sub"] == str(alice) and claims["nonce"] == params["nonce"]
    assert claims["amr"] == ["pwd"] and claims["acr"] == "1"
    assert claims["sid"] and abs(claims["auth_time"] - time.time()) < 60
    assert claims["preferred_username"] == "alice"
    info = userinfo(app, body["access_token"]).get_json()
    assert info == {"sub": str(alice), "preferred_username": "alice", "name": "alice", "roles": ["editor"]}


def test_claims_follow_the_scopes(app: Flask, alice: int, rp: Registered) -> None:
    body = tokens_for(app, rp, signed_in(app), scope="openid")
    assert userinfo(app, body["access_token"]).get_json() == {"sub": str(alice)}
    assert "refresh_token" not in body  # no offline_access, no refresh token


def test_a_second_factor_shows_in_amr_and_acr(app: Flask, alice: int, rp: Registered) -> None:
    browser = signed_in(app)
    secret = browser.post("/auth/mfa/totp/setup").get_json()["secret"]
    totp = pyotp.TOTP(secret)
    assert browser.post("/auth/mfa/totp/confirm", json={"code": totp.now()}).status_code == 200
    second = app.test_client()
    assert second.post("/auth/login", json={"username": "alice", "password": PASSWORD}).get_json()["mfa_required"]
    next_code = totp.at(time.time() + totp.interval)  # the confirm step used the current one
    assert second.post("/auth/mfa/verify", json={"method": "totp", "code": next_code}).status_code == 200
    claims = id_claims(app, tokens_for(app, rp, second)["id_token"], rp.client_id)
    assert claims["amr"] == ["pwd", "otp", "mfa"] and claims["acr"] == "2"


def test_the_active_organisation_is_the_org_claim(app: Flask, alice: int, rp: Registered) -> None:
    browser = signed_in(app)
    assert "org" not in id_claims(app, tokens_for(app, rp, browser)["id_token"], rp.client_id)
    assert browser.post("/auth/orgs", json={"slug": "acme", "name": "Acme"}).status_code == 201
    assert browser.post("/auth/orgs/active", json={"org": "acme"}).status_code == 200
    body = tokens_for(app, rp, browser)
    org = id_claims(app, body["id_token"], rp.client_id)["org"]
    assert (org["slug"], org["role"]) == ("acme", "owner")
    assert userinfo(app, body["access_token"]).get_json()["org"] == org


def test_consent_is_remembered_per_client_and_scopes(app: Flask, alice: int, rp: Registered) -> None:
    browser = signed_in(app)
    get_code(browser, rp.client_id, pkce().challenge, scope="openid profile")
    again = browser.get(
        "/oauth2/authorize", query_string=authorize_params(rp.client_id, pkce().challenge, scope="openid")
    )
    assert again.status_code == 302 and "code=" in again.location  # already allowed
    wider = authorize_params(rp.client_id, pkce().challenge, scope="openid profile email")
    assert b"consent-allow" in browser.get("/oauth2/authorize", query_string=wider).data  # new scope: ask
    forced = authorize_params(rp.client_id, pkce().challenge, scope="openid", prompt="consent")
    assert b"consent-allow" in browser.get("/oauth2/authorize", query_string=forced).data
    other = register(app, name="Other app")
    fresh = browser.get("/oauth2/authorize", query_string=authorize_params(other.client_id, pkce().challenge))
    assert b"Other app" in fresh.data and b"consent-allow" in fresh.data


def test_a_trusted_client_skips_consent(app: Flask, alice: int) -> None:
    trusted = register(app, "--trusted", name="First party")
    reply = signed_in(app).get("/oauth2/authorize", query_string=authorize_params(trusted.client_id, pkce().challenge))
    assert reply.status_code == 302 and "code=" in reply.location


def test_denying_consent_sends_access_denied_back(app: Flask, alice: int, rp: Registered) -> None:
    params = authorize_params(rp.client_id, pkce().challenge)
    reply = signed_in(app).post("/oauth2/authorize", query_string=params, data={"decision": "deny"}, headers=ORIGIN)
    query = query_of(reply.location)
    assert query["error"] == "access_denied" and query["state"] == params["state"] and "code" not in query


def test_a_consent_post_from_another_site_is_refused(app: Flask, alice: int, rp: Registered) -> None:
    params = authorize_params(rp.client_id, pkce().challenge)
    reply = signed_in(app).post(
        "/oauth2/authorize", query_string=params, data={"decision": "allow"}, headers={"Origin": "https://evil.example"}
    )
    assert reply.status_code == 403 and "code=" not in (reply.location or "")


def test_without_a_session_the_browser_goes_to_the_sign_in_page_and_comes_back(
    app: Flask, alice: int, rp: Registered
) -> None:
    browser = app.test_client()
    params = authorize_params(rp.client_id, pkce().challenge, prompt="login", max_age="0")
    landed = to_sign_in(browser, browser.get("/oauth2/authorize", query_string=params))
    assert landed.startswith("/auth/login?next=")
    back = query_of(landed)["next"]
    assert back.startswith("/oauth2/authorize?") and "prompt=" not in back and "max_age" not in back
    assert "resumed" not in back
    form = browser.post("/auth/login", data={"username": "alice", "password": PASSWORD, "next": back}, headers=ORIGIN)
    assert form.status_code == 303 and form.location == back  # the built-in page accepts the authorize URL
    assert b"consent-allow" in browser.get(back).data


def test_prompt_login_and_an_old_sign_in_ask_for_the_password_again(
    app: Flask, alice: int, rp: Registered, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = signed_in(app)
    get_code(browser, rp.client_id, pkce().challenge)  # consent given: what follows is about the sign-in only
    forced = browser.get(
        "/oauth2/authorize", query_string=authorize_params(rp.client_id, pkce().challenge, prompt="login")
    )
    assert forced.status_code == 303 and forced.location.startswith("/auth/login?next=")
    recent = authorize_params(rp.client_id, pkce().challenge, max_age="60")
    assert browser.get("/oauth2/authorize", query_string=recent).status_code == 302  # signed in just now
    later = time.time() + 120
    monkeypatch.setattr("auth.provider.views.time.time", lambda: later)
    old = browser.get("/oauth2/authorize", query_string=authorize_params(rp.client_id, pkce().challenge, max_age="60"))
    assert to_sign_in(browser, old).startswith("/auth/login?next=")  # a refresh is no new sign-in


def test_an_expired_access_cookie_is_renewed_from_the_refresh_cookie(app: Flask, alice: int, rp: Registered) -> None:
    browser = signed_in(app)
    get_code(browser, rp.client_id, pkce().challenge)  # consent given
    browser.delete_cookie("access_token")  # what the browser does once ACCESS_TOKEN_TTL has passed
    params = authorize_params(rp.client_id, pkce().challenge, prompt="none")
    hop = browser.get("/oauth2/authorize", query_string=params)
    assert hop.status_code == 303 and hop.location.startswith("/auth/provider/resume?")
    back = browser.get(hop.location)
    assert back.status_code == 303 and "access_token=" in back.headers.get("Set-Cookie", "")
    done = browser.get(back.location)
    assert done.status_code == 302 and "code" in query_of(done.location)  # no sign-in page, no login_required


def test_resume_goes_nowhere_but_an_authorize_request(app: Flask) -> None:
    for target in ("https://evil.example/", "/auth/me", "//evil.example/oauth2/authorize?x"):
        assert app.test_client().get("/auth/provider/resume", query_string={"next": target}).status_code == 404


def test_prompt_none_without_a_session_answers_login_required(app: Flask, rp: Registered) -> None:
    params = authorize_params(rp.client_id, pkce().challenge, prompt="none")
    browser = app.test_client()
    hop = browser.get("/oauth2/authorize", query_string=params)
    reply = browser.get(browser.get(hop.location).location)  # the resume hop finds no session either
    query = query_of(reply.location)
    assert reply.status_code == 302 and reply.location.startswith(REDIRECT)
    assert query["error"] == "login_required" and query["state"] == params["state"] and query["iss"]


def test_prompt_none_when_consent_is_needed_answers_consent_required(app: Flask, alice: int, rp: Registered) -> None:
    reply = signed_in(app).get(
        "/oauth2/authorize", query_string=authorize_params(rp.client_id, "x" * 43, prompt="none")
    )
    assert query_of(reply.location)["error"] == "consent_required"


# --- refusals at the authorize step ------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"redirect_uri": "https://app.example.com/callback/other"},
        {"redirect_uri": "https://evil.example/callback"},
        {"redirect_uri": REDIRECT + "?x=1"},
        {"client_id": "no-such-client"},
        {"redirect_uri": ""},
    ],
    ids=["other-path", "other-host", "extra-query", "unknown-client", "missing"],
)
def test_a_redirect_uri_not_registered_gets_an_error_page_not_a_redirect(
    app: Flask, alice: int, rp: Registered, change: dict[str, str]
) -> None:
    params = {**authorize_params(rp.client_id, pkce().challenge), **change}
    reply = signed_in(app).get("/oauth2/authorize", query_string=params)
    assert reply.status_code == 400 and reply.location is None
    assert reply.content_type.startswith("text/html") and b"cannot continue" in reply.data


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        ({}, "public client must use PKCE"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "plain"}, "plain"),
        ({"code_challenge": "a" * 43}, "S256"),
    ],
    ids=["missing", "plain", "no-method"],
)
def test_a_public_client_must_use_pkce_s256(app: Flask, alice: int, extra: dict[str, str], why: str) -> None:
    public = register(app, "--public", name="SPA")
    params = {**authorize_params(public.client_id, None), **extra}
    reply = signed_in(app).get("/oauth2/authorize", query_string=params)
    query = query_of(reply.location)
    assert query["error"] == "invalid_request" and why in query["error_description"] and "code" not in query


def test_implicit_and_hybrid_are_refused(app: Flask, alice: int, rp: Registered) -> None:
    for response_type in ("token", "id_token", "code id_token"):
        params = authorize_params(rp.client_id, pkce().challenge, response_type=response_type)
        reply = signed_in(app).get("/oauth2/authorize", query_string=params)
        assert query_of(reply.location)["error"] == "unsupported_response_type"


# --- the token endpoint ------------------------------------------------------------------


def test_a_public_client_exchanges_with_its_verifier_and_no_secret(app: Flask, alice: int) -> None:
    public = register(app, "--public", name="SPA")
    proof = pkce()
    query = get_code(signed_in(app), public.client_id, proof.challenge)
    assert exchange(app.test_client(), public, query["code"], None).get_json()["error"] == "invalid_request"
    query = get_code(signed_in(app), public.client_id, proof.challenge)
    wrong = exchange(app.test_client(), public, query["code"], pkce().verifier)
    assert wrong.status_code == 400 and wrong.get_json()["error"] == "invalid_grant"
    query = get_code(signed_in(app), public.client_id, proof.challenge)
    assert "access_token" in exchange(app.test_client(), public, query["code"], proof.verifier).get_json()


def test_a_replayed_code_is_refused_and_revokes_what_it_issued(app: Flask, alice: int, rp: Registered) -> None:
    proof = pkce()
    code = get_code(signed_in(app), rp.client_id, proof.challenge)["code"]
    first = exchange(app.test_client(), rp, code, proof.verifier).get_json()
    assert introspect(app, rp, first["access_token"])["active"] is True
    replay = exchange(app.test_client(), rp, code, proof.verifier)
    assert replay.status_code == 400 and replay.get_json()["error"] == "invalid_grant"
    assert replay.get_json()["success"] is False and replay.get_json()["message"]
    assert introspect(app, rp, first["access_token"]) == {"active": False}
    assert refresh(app, rp, first["refresh_token"]).status_code == 400


def test_a_code_for_another_client_is_refused(app: Flask, alice: int, rp: Registered) -> None:
    other = register(app, name="Other app")
    proof = pkce()
    code = get_code(signed_in(app), rp.client_id, proof.challenge)["code"]
    assert exchange(app.test_client(), other, code, proof.verifier).get_json()["error"] == "invalid_grant"
    assert exchange(app.test_client(), rp, code, proof.verifier).status_code == 200  # untouched by the attempt


def test_an_expired_code_is_refused(app: Flask, alice: int, rp: Registered, monkeypatch: pytest.MonkeyPatch) -> None:
    proof = pkce()
    code = get_code(signed_in(app), rp.client_id, proof.challenge)["code"]
    later = time.time() + 61
    monkeypatch.setattr("auth.provider.grants.time.time", lambda: later)
    assert exchange(app.test_client(), rp, code, proof.verifier).get_json()["error"] == "invalid_grant"


def test_a_wrong_secret_or_redirect_uri_at_the_token_endpoint_is_refused(
    app: Flask, alice: int, rp: Registered
) -> None:
    proof = pkce()
    code = get_code(signed_in(app), rp.client_id, proof.challenge)["code"]
    bad = Registered(rp.client_id, "not-the-secret")
    assert exchange(app.test_client(), bad, code, proof.verifier).get_json()["error"] == "invalid_client"
    code = get_code(signed_in(app), rp.client_id, proof.challenge)["code"]
    reply = exchange(app.test_client(), rp, code, proof.verifier, redirect_uri=REDIRECT + "x")
    assert reply.get_json()["error"] == "invalid_grant"


def test_the_password_grant_is_not_offered(app: Flask, alice: int, rp: Registered) -> None:
    reply = app.test_client().post(
        "/oauth2/token",
        data={"grant_type": "password", "username": "alice", "password": PASSWORD},
        auth=(rp.client_id, rp.secret),
    )
    assert reply.status_code == 400 and reply.get_json()["error"] == "unsupported_grant_type"


def test_refresh_tokens_rotate_and_a_reused_one_ends_the_family(app: Flask, alice: int, rp: Registered) -> None:
    first = tokens_for(app, rp, signed_in(app))
    second = refresh(app, rp, first["refresh_token"]).get_json()
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    reuse = refresh(app, rp, first["refresh_token"])
    assert reuse.status_code == 400 and reuse.get_json()["error"] == "invalid_grant"
    assert refresh(app, rp, second["refresh_token"]).status_code == 400  # the thief's and the owner's both end
    assert introspect(app, rp, second["access_token"]) == {"active": False}


def test_two_racing_refreshes_with_one_token_end_the_grant(
    app: Flask, alice: int, rp: Registered, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both pass the first look (neither has rotated yet); only one may rotate, and the race counts as reuse."""
    import threading

    from auth.provider.grants import RefreshToken

    first = tokens_for(app, rp, signed_in(app))
    both_looked = threading.Barrier(2, timeout=20)
    looked = RefreshToken.authenticate_refresh_token

    def look_then_wait(self, refresh_token):
        found = looked(self, refresh_token)
        both_looked.wait()
        return found

    monkeypatch.setattr(RefreshToken, "authenticate_refresh_token", look_then_wait)
    replies: list = []
    racers = [threading.Thread(target=lambda: replies.append(refresh(app, rp, first["refresh_token"]))) for _ in "ab"]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=60)
    assert sorted(r.status_code for r in replies) == [200, 400]
    monkeypatch.undo()
    winner = next(r for r in replies if r.status_code == 200).get_json()
    assert refresh(app, rp, winner["refresh_token"]).status_code == 400  # the family ended with the race
    assert introspect(app, rp, winner["access_token"]) == {"active": False}


def test_client_credentials_for_confidential_clients_only(app: Flask, rp: Registered) -> None:
    reply = app.test_client().post(
        "/oauth2/token", data={"grant_type": "client_credentials", "scope": "roles"}, auth=(rp.client_id, rp.secret)
    )
    body = reply.get_json()
    assert reply.status_code == 200 and "refresh_token" not in body and body["scope"] == "roles"
    assert introspect(app, rp, body["access_token"])["active"] is True
    assert userinfo(app, body["access_token"]).status_code in (401, 403)  # no user behind it
    public = register(app, "--public", name="SPA")
    refused = app.test_client().post(
        "/oauth2/token", data={"grant_type": "client_credentials", "client_id": public.client_id}
    )
    assert refused.status_code in (400, 401) and refused.get_json()["error"] in (
        "unauthorized_client",
        "invalid_client",
    )


# --- tokens end with the session ----------------------------------------------------------


def end_by_logout(app: Flask, browser: FlaskClient) -> None:
    assert browser.post("/auth/logout", headers=ORIGIN).status_code == 200


def end_by_logout_all(app: Flask, browser: FlaskClient) -> None:
    assert signed_in(app).post("/auth/logout-all", headers=ORIGIN).status_code == 200


def end_by_lock(app: Flask, browser: FlaskClient) -> None:
    assert app.test_cli_runner().invoke(args=["users", "lock", "alice"]).exit_code == 0


def end_on_account_page(app: Flask, browser: FlaskClient) -> None:
    session_id = next(s["id"] for s in browser.get("/auth/sessions").get_json()["sessions"] if s["current"])
    assert signed_in(app).delete(f"/auth/sessions/{session_id}", headers=ORIGIN).status_code == 200


def end_by_password_reset_cli(app: Flask, browser: FlaskClient) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "set-password", "alice", "--password-stdin"], input="another horse battery staple\n"
    )
    assert result.exit_code == 0, result.output


def end_by_password_change(app: Flask, browser: FlaskClient) -> None:
    """The user changes their password in this very session: the session stays, the apps' tokens do not."""
    fields = {"current_password": PASSWORD, "new_password": "another horse battery staple"}
    reply = browser.post("/auth/password", json=fields, headers=ORIGIN)
    assert reply.status_code == 200, reply.get_json()
    assert browser.get("/auth/me").status_code == 200


@pytest.mark.parametrize(
    "end",
    [
        end_by_logout,
        end_by_logout_all,
        end_by_lock,
        end_on_account_page,
        end_by_password_reset_cli,
        end_by_password_change,
    ],
)
def test_app_tokens_end_with_the_session(app: Flask, alice: int, rp: Registered, end: Callable) -> None:
    browser = signed_in(app)
    body = tokens_for(app, rp, browser)
    assert introspect(app, rp, body["access_token"])["active"] is True
    end(app, browser)
    assert introspect(app, rp, body["access_token"]) == {"active": False}
    assert introspect(app, rp, body["refresh_token"]) == {"active": False}
    assert refresh(app, rp, body["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert userinfo(app, body["access_token"]).status_code == 401


def test_a_lock_ends_app_tokens_even_before_it_reaches_the_sessions(app: Flask, alice: int, rp: Registered) -> None:
    """The lock is read on every use, not only through the sessions it revokes."""
    from models import User, db

    body = tokens_for(app, rp, signed_in(app))
    with app.app_context():
        db.session.get(User, alice).locked_at = time.time()  # the column alone, no session revoked
        db.session.commit()
    assert introspect(app, rp, body["access_token"]) == {"active": False}
    assert refresh(app, rp, body["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_a_locked_user_gets_no_code(app: Flask, alice: int, rp: Registered) -> None:
    browser = signed_in(app)
    get_code(browser, rp.client_id, pkce().challenge)  # consented while allowed
    assert app.test_cli_runner().invoke(args=["users", "lock", "alice"]).exit_code == 0
    reply = browser.get("/oauth2/authorize", query_string=authorize_params(rp.client_id, pkce().challenge))
    assert to_sign_in(browser, reply).startswith("/auth/login")
    hop = browser.get("/oauth2/authorize", query_string=authorize_params(rp.client_id, pkce().challenge, prompt="none"))
    none = browser.get(browser.get(hop.location).location)
    assert query_of(none.location)["error"] == "login_required"


# --- revocation, introspection, logout ------------------------------------------------------


def test_revoking_the_refresh_token_ends_the_grant(app: Flask, alice: int, rp: Registered) -> None:
    body = tokens_for(app, rp, signed_in(app))
    reply = app.test_client().post(
        "/oauth2/revoke", data={"token": body["refresh_token"]}, auth=(rp.client_id, rp.secret)
    )
    assert reply.status_code == 200
    assert refresh(app, rp, body["refresh_token"]).status_code == 400
    assert introspect(app, rp, body["access_token"]) == {"active": False}


def test_another_client_can_neither_revoke_nor_introspect_a_token(app: Flask, alice: int, rp: Registered) -> None:
    other = register(app, name="Other app")
    body = tokens_for(app, rp, signed_in(app))
    app.test_client().post("/oauth2/revoke", data={"token": body["access_token"]}, auth=(other.client_id, other.secret))
    assert introspect(app, other, body["access_token"]) == {"active": False}
    assert introspect(app, rp, body["access_token"])["active"] is True
    assert introspect(app, rp, body["access_token"])["sub"] == str(alice)


def test_introspection_needs_client_authentication(app: Flask, alice: int, rp: Registered) -> None:
    body = tokens_for(app, rp, signed_in(app))
    reply = app.test_client().post("/oauth2/introspect", data={"token": body["access_token"]})
    assert reply.status_code == 401 and reply.get_json()["error"] == "invalid_client"
    assert reply.get_json()["success"] is False


def test_userinfo_refuses_missing_and_unknown_tokens(app: Flask) -> None:
    assert app.test_client().get("/oauth2/userinfo").status_code == 401
    reply = userinfo(app, "not-a-token")
    assert reply.status_code == 401 and reply.get_json()["error"] == "invalid_token"
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


def test_rp_initiated_logout_ends_the_session_and_returns_to_the_app(app: Flask, alice: int, rp: Registered) -> None:
    browser = signed_in(app)
    body = tokens_for(app, rp, browser)
    reply = browser.get(
        "/oauth2/logout",
        query_string={"id_token_hint": body["id_token"], "post_logout_redirect_uri": AFTER_LOGOUT, "state": "s1"},
    )
    assert reply.status_code == 302 and reply.location == AFTER_LOGOUT + "?state=s1"
    assert refresh(app, rp, body["refresh_token"]).status_code == 400
    assert browser.get("/auth/me").status_code == 401


def test_logout_refuses_an_unregistered_return_and_a_forged_hint(app: Flask, alice: int, rp: Registered) -> None:
    browser = signed_in(app)
    body = tokens_for(app, rp, browser)
    for query in (
        {"id_token_hint": body["id_token"], "post_logout_redirect_uri": "https://evil.example/"},
        {"id_token_hint": body["id_token"][:-4] + "AAAA", "post_logout_redirect_uri": AFTER_LOGOUT},
    ):
        reply = browser.get("/oauth2/logout", query_string=query)
        assert reply.status_code == 400 and reply.location is None
    assert introspect(app, rp, body["access_token"])["active"] is True


def test_logout_behind_an_expired_access_cookie_still_ends_the_session(app: Flask, alice: int, rp: Registered) -> None:
    browser = signed_in(app)
    body = tokens_for(app, rp, browser)
    browser.delete_cookie("access_token")
    hop = browser.get("/oauth2/logout")
    assert hop.status_code == 303 and hop.location.startswith("/auth/provider/resume?")
    page = browser.get(browser.get(hop.location).location)
    assert b"confirm-sign-out" in page.data
    browser.delete_cookie("access_token")  # expired again before the click
    again = browser.post("/oauth2/logout", headers=ORIGIN)
    assert again.status_code == 303 and again.location.startswith("/auth/provider/resume?")
    assert b"confirm-sign-out" in browser.get(browser.get(again.location).location).data
    assert browser.post("/oauth2/logout", headers=ORIGIN).status_code == 200
    assert introspect(app, rp, body["access_token"]) == {"active": False}


def test_logout_without_a_hint_asks_first(app: Flask, alice: int, rp: Registered) -> None:
    browser = signed_in(app)
    body = tokens_for(app, rp, browser)
    page = browser.get("/oauth2/logout")
    assert page.status_code == 200 and b"confirm-sign-out" in page.data
    assert introspect(app, rp, body["access_token"])["active"] is True
    assert browser.post("/oauth2/logout", headers=ORIGIN).status_code == 200
    assert introspect(app, rp, body["access_token"]) == {"active": False}


# --- the operator's CLI -----------------------------------------------------------------------


def test_clients_cli_lists_rotates_and_deletes(app: Flask, alice: int, rp: Registered) -> None:
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["clients", "list"]).output
    assert rp.client_id in listed and "Demo app" in listed and (rp.secret or "") not in listed
    rotated = runner.invoke(args=["clients", "rotate-secret", rp.client_id]).output.split(": ", 1)[1].strip()
    old = app.test_client().post(
        "/oauth2/token", data={"grant_type": "client_credentials"}, auth=(rp.client_id, rp.secret)
    )
    assert old.status_code == 401
    new = app.test_client().post(
        "/oauth2/token", data={"grant_type": "client_credentials"}, auth=(rp.client_id, rotated)
    )
    assert new.status_code == 200
    assert runner.invoke(args=["clients", "delete", rp.client_id]).exit_code == 0
    assert rp.client_id not in runner.invoke(args=["clients", "list"]).output
    gone = app.test_client().post(
        "/oauth2/token", data={"grant_type": "client_credentials"}, auth=(rp.client_id, rotated)
    )
    assert gone.status_code == 401


def test_secrets_are_stored_hashed(app: Flask, rp: Registered) -> None:
    from models import OAuthClient, db

    with app.app_context():
        row = db.session.get(OAuthClient, rp.client_id)
        assert row.secret_hash and rp.secret not in row.secret_hash


@pytest.mark.parametrize(
    "args",
    [
        ["--redirect-uri", "https://app.example.com/*"],
        ["--redirect-uri", "http://app.example.com/callback"],
        ["--redirect-uri", "https://app.example.com/cb#frag"],
        ["--redirect-uri", "https://app.example.com/cb", "--scopes", "admin"],
    ],
    ids=["wildcard", "plain-http", "fragment", "unknown-scope"],
)
def test_clients_create_refuses_bad_registrations(app: Flask, args: list[str]) -> None:
    result = app.test_cli_runner().invoke(args=["clients", "create", "Bad", *args])
    assert result.exit_code != 0 and "client_id" not in result.output


# --- the replies are what the OpenAPI document says ------------------------------------------


def test_replies_match_the_openapi_document(app: Flask, alice: int, rp: Registered) -> None:
    from tests.test_openapi import check_reply

    check_reply(app.test_client().get("/.well-known/openid-configuration"), "/.well-known/openid-configuration", "GET")
    browser = signed_in(app)
    proof = pkce()
    params = authorize_params(rp.client_id, proof.challenge)
    check_reply(browser.get("/oauth2/authorize", query_string=params), "/oauth2/authorize", "GET")
    bad = {**params, "redirect_uri": "https://evil.example/"}
    check_reply(browser.get("/oauth2/authorize", query_string=bad), "/oauth2/authorize", "GET")
    check_reply(app.test_client().get("/oauth2/authorize", query_string=params), "/oauth2/authorize", "GET")
    allowed = browser.post("/oauth2/authorize", query_string=params, data={"decision": "allow"}, headers=ORIGIN)
    check_reply(allowed, "/oauth2/authorize", "POST")
    code = query_of(allowed.location)["code"]
    tokens = exchange(app.test_client(), rp, code, proof.verifier)
    check_reply(tokens, "/oauth2/token", "POST")
    check_reply(exchange(app.test_client(), rp, code, proof.verifier), "/oauth2/token", "POST")
    check_reply(exchange(app.test_client(), Registered(rp.client_id, "wrong"), code, None), "/oauth2/token", "POST")
    body = tokens.get_json()
    check_reply(userinfo(app, body["access_token"]), "/oauth2/userinfo", "GET")
    check_reply(userinfo(app, "nope"), "/oauth2/userinfo", "GET")
    auth = (rp.client_id, rp.secret)
    check_reply(
        app.test_client().post("/oauth2/introspect", data={"token": body["access_token"]}, auth=auth),
        "/oauth2/introspect",
        "POST",
    )
    check_reply(app.test_client().post("/oauth2/introspect", data={"token": "x"}), "/oauth2/introspect", "POST")
    check_reply(
        app.test_client().post("/oauth2/revoke", data={"token": "unknown"}, auth=auth), "/oauth2/revoke", "POST"
    )
    check_reply(browser.get("/oauth2/logout"), "/oauth2/logout", "GET")
    check_reply(
        browser.get("/oauth2/logout", query_string={"post_logout_redirect_uri": "https://evil.example/"}),
        "/oauth2/logout",
        "GET",
    )
    hinted = {"id_token_hint": body["id_token"], "post_logout_redirect_uri": AFTER_LOGOUT}
    check_reply(browser.get("/oauth2/logout", query_string=hinted), "/oauth2/logout", "GET")


def test_endpoints_answer_404_json_while_off(make_app: Callable[..., Flask]) -> None:
    from tests.test_openapi import check_reply

    off = make_app().test_client()
    for method, path in (("GET", "/oauth2/authorize"), ("POST", "/oauth2/token"), ("GET", "/oauth2/userinfo")):
        reply = off.open(path, method=method)
        assert reply.status_code == 404 and reply.get_json()["success"] is False
        check_reply(reply, path, method)


def test_the_resume_hop_matches_the_openapi_document(app: Flask, alice: int, rp: Registered) -> None:
    from tests.test_openapi import check_reply

    browser = signed_in(app)
    browser.delete_cookie("access_token")
    hop = browser.get("/oauth2/authorize", query_string=authorize_params(rp.client_id, pkce().challenge))
    check_reply(browser.get(hop.location), "/auth/provider/resume", "GET")
    check_reply(browser.get("/auth/provider/resume?next=/auth/me"), "/auth/provider/resume", "GET")


def test_the_consent_page_lets_its_form_lead_back_to_the_app(app: Flask, alice: int, rp: Registered) -> None:
    """Browsers apply CSP form-action to the redirect after a submission: the app's origin must be in it."""
    page = signed_in(app).get("/oauth2/authorize", query_string=authorize_params(rp.client_id, pkce().challenge))
    policy = page.headers["Content-Security-Policy"]
    form_action = next(part for part in policy.split(";") if part.strip().startswith("form-action"))
    assert "https://app.example.com" in form_action.split() and "'self'" in form_action.split()

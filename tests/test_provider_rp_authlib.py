"""A relying party nobody here wrote signs in for real: Authlib's Flask client
against a running server process. Discovery, code + PKCE (S256), the ID
token validated by Authlib (signature from the JWKS, iss, aud, nonce,
at_hash), userinfo, refresh (rotating), revocation and RP-initiated logout,
and the app's refresh refused once the person signs out at the provider.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError as OAuth2Error
from authlib.integrations.flask_client import OAuth
from authlib.integrations.requests_client import OAuth2Session
from flask import Flask, jsonify, redirect, session

from tests.provider_live import RP_AFTER_LOGOUT, RP_REDIRECT, LiveProvider, live_provider, sign_in_and_consent
from tests.servers import LiveServers

SCOPE = "openid profile email offline_access"


def relying_party(provider: LiveProvider) -> tuple[Flask, OAuth]:
    """The app: Authlib's registry with one provider found by discovery, and its two routes."""
    rp = Flask("relying_party")
    rp.secret_key = "relying-party-test-secret"
    oauth = OAuth(rp)
    oauth.register(
        "flaskauth",
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=provider.url + "/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256"},
    )

    @rp.get("/login")
    def login():
        return oauth.flaskauth.authorize_redirect(RP_REDIRECT)

    @rp.get("/callback")
    def callback():
        token = oauth.flaskauth.authorize_access_token()  # exchanges the code and validates the ID token
        session["token"] = token
        return jsonify(
            token=token, id_claims=dict(token["userinfo"]), userinfo=dict(oauth.flaskauth.userinfo(token=token))
        )

    @rp.get("/logout")
    def logout():
        token = session["token"]
        return redirect(
            oauth.flaskauth.create_logout_url(
                post_logout_redirect_uri=RP_AFTER_LOGOUT, id_token_hint=token["id_token"]
            )["url"]
        )

    return rp, oauth


@pytest.fixture
def provider(tmp_path: Path, live_server: LiveServers) -> LiveProvider:
    return live_provider(live_server)


def signed_in(provider: LiveProvider) -> tuple[Flask, requests.Session, dict]:
    rp, _ = relying_party(provider)
    app_browser = rp.test_client()
    start = app_browser.get("/login")
    assert start.status_code == 302 and start.location.startswith(provider.url + "/oauth2/authorize?")
    sent = parse_qs(urlsplit(start.location).query)
    assert sent["code_challenge_method"] == ["S256"] and sent["nonce"]  # Authlib asked for PKCE and a nonce
    browser = requests.Session()
    back = sign_in_and_consent(browser, provider.url, start.location)
    query = parse_qs(urlsplit(back).query)
    assert back.startswith(RP_REDIRECT) and query["iss"] == [provider.url]
    done = app_browser.get("/callback?" + urlsplit(back).query)
    assert done.status_code == 200, done.data[:500]
    return rp, browser, {**done.get_json(), "rp_browser": app_browser}


def token_client(provider: LiveProvider) -> OAuth2Session:
    return OAuth2Session(provider.client_id, provider.client_secret, scope=SCOPE)


def test_authlib_client_signs_in_refreshes_and_revokes(provider: LiveProvider) -> None:
    _, _, result = signed_in(provider)
    claims, info, token = result["id_claims"], result["userinfo"], result["token"]
    assert claims["iss"] == provider.url and claims["aud"] in (provider.client_id, [provider.client_id])
    assert claims["preferred_username"] == "alice" and claims["amr"] == ["pwd"] and claims["sid"]
    assert info["sub"] == claims["sub"] and info["preferred_username"] == "alice"
    client = token_client(provider)
    refreshed = client.refresh_token(provider.url + "/oauth2/token", refresh_token=token["refresh_token"])
    assert refreshed["refresh_token"] != token["refresh_token"]
    with pytest.raises(OAuth2Error) as reused:
        client.refresh_token(provider.url + "/oauth2/token", refresh_token=token["refresh_token"])
    assert reused.value.error == "invalid_grant"
    _, _, again = signed_in(provider)
    fresh = again["token"]
    revoked = client.revoke_token(
        provider.url + "/oauth2/revoke", fresh["refresh_token"], token_type_hint="refresh_token"
    )
    assert revoked.status_code == 200
    with pytest.raises(OAuth2Error):
        client.refresh_token(provider.url + "/oauth2/token", refresh_token=fresh["refresh_token"])


def test_rp_initiated_logout_ends_the_apps_refresh(provider: LiveProvider) -> None:
    _, browser, result = signed_in(provider)
    token = result["token"]
    to_logout = result["rp_browser"].get("/logout")
    assert to_logout.status_code == 302 and to_logout.location.startswith(provider.url + "/oauth2/logout?")
    out = browser.get(to_logout.location, allow_redirects=False)
    assert out.status_code == 302 and out.headers["Location"].startswith(RP_AFTER_LOGOUT + "?state=")
    with pytest.raises(OAuth2Error) as refused:
        token_client(provider).refresh_token(provider.url + "/oauth2/token", refresh_token=token["refresh_token"])
    assert refused.value.error == "invalid_grant"
    assert browser.get(provider.url + "/auth/me").status_code == 401

"""GitHub: OAuth 2 without OpenID Connect.

There is no ID token: who signed in comes from the REST API (``/user``), and
the email from ``/user/emails``, which says which addresses GitHub verified.
``state`` and PKCE protect the flow as for OpenID Connect; ``nonce`` has
nothing to bind to and is not sent.
"""

from __future__ import annotations

import secrets

from authlib.integrations.requests_client import OAuth2Session

from auth.oidc.client import (
    Authorization,
    Profile,
    ProviderError,
    exchange_code,
    fetch_json,
    get_json,
    oauth_session,
)
from auth.oidc.settings import ProviderConfig


class GithubClient:
    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    def authorization(self, redirect_uri: str) -> Authorization:
        state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        url, _ = self._session(redirect_uri).create_authorization_url(
            f"{self.config.web_url}/login/oauth/authorize", state=state, code_verifier=verifier
        )
        return Authorization(url=url, state=state, nonce="", code_verifier=verifier)

    def profile(self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str) -> Profile:
        session = self._session(redirect_uri)
        token = exchange_code(session, f"{self.config.web_url}/login/oauth/access_token", code, code_verifier)
        headers = {"Authorization": f"Bearer {token['access_token']}", "X-GitHub-Api-Version": "2022-11-28"}
        user = get_json(f"{self.config.api_url}/user", headers=headers)
        if not isinstance(user.get("id"), int):
            raise ProviderError("token_rejected", "GitHub's /user reply has no id")
        email, verified = None, False
        try:
            emails = fetch_json(f"{self.config.api_url}/user/emails", headers)
        except ProviderError:
            emails = []  # no user:email scope granted: sign in without an email
        for entry in emails if isinstance(emails, list) else []:
            if isinstance(entry, dict) and entry.get("primary") and isinstance(entry.get("email"), str):
                email, verified = entry["email"], entry.get("verified") is True
        return Profile.of(str(user["id"]), email, verified, user.get("name"), user.get("login"))

    def _session(self, redirect_uri: str) -> OAuth2Session:
        return oauth_session(self.config, redirect_uri, "client_secret_post")

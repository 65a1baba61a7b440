"""Identity providers for the tests, served over real HTTP on 127.0.0.1.

``mock_provider()`` runs oidc-provider-mock, a complete OpenID Connect
provider built on Authlib's server side: a real authorization page, codes that
work once, ID tokens signed with its own key. It cannot be told to misbehave,
so ``LocalProvider`` is a small provider of our own with real signatures
(RS256, through PyJWT) whose next answer a test can spoil: wrong audience,
expired, wrong nonce, signed with a key it does not publish; it also rotates
its key and, on the same port, plays GitHub (OAuth 2 and its REST API).
Its token endpoint checks the code (once), the redirect URI, the client
secret and PKCE, as a provider does.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
import werkzeug.serving
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, redirect, request
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "flask-auth-test"
CLIENT_SECRET = "test-client-secret"


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 in a thread; yields its base URL."""
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def mock_provider() -> Iterator[str]:
    """oidc-provider-mock on 127.0.0.1: yields its issuer URL."""
    import oidc_provider_mock

    with serve(oidc_provider_mock.app(require_nonce=True)) as url:
        yield url


@dataclass
class Person:
    """Who signs in at the LocalProvider next."""

    sub: str = "subject-1"
    email: str | None = "person@example.com"
    email_verified: bool = True
    name: str = "Test Person"


def new_key() -> tuple[rsa.RSAPrivateKey, str]:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048), secrets.token_hex(4)


@dataclass
class LocalProvider:
    """A provider whose next ID token the test chooses; ``spoil`` names how it is wrong."""

    person: Person = field(default_factory=Person)
    # "issuer" | "audience" | "audience_azp" | "expired" | "nonce" | "signature" | "azp" | "no_email" (left to userinfo)
    spoil: str | None = None
    deny: bool = False
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    jwks_fetches: int = 0
    url: str = ""

    def __post_init__(self) -> None:
        self.key, self.kid = new_key()

    def rotate(self) -> None:
        """A new signing key; the old one is no longer published."""
        self.key, self.kid = new_key()

    def app(self) -> Flask:
        app = Flask("test_provider")
        app.add_url_rule("/.well-known/openid-configuration", view_func=self.discovery)
        app.add_url_rule("/jwks", view_func=self.jwks)
        app.add_url_rule("/authorize", view_func=self.authorize)
        app.add_url_rule("/token", view_func=self.token, methods=["POST"])
        app.add_url_rule("/userinfo", view_func=self.userinfo)
        # GitHub's shape: the web and API bases are both this server.
        app.add_url_rule("/login/oauth/authorize", view_func=self.authorize)
        app.add_url_rule("/login/oauth/access_token", view_func=self.token, methods=["POST"])
        app.add_url_rule("/user", view_func=self.github_user)
        app.add_url_rule("/user/emails", view_func=self.github_emails)
        return app

    @contextmanager
    def running(self) -> Iterator[LocalProvider]:
        with serve(self.app()) as url:
            self.url = url
            yield self

    def discovery(self) -> Any:
        return jsonify(
            issuer=self.url,
            authorization_endpoint=f"{self.url}/authorize",
            token_endpoint=f"{self.url}/token",
            userinfo_endpoint=f"{self.url}/userinfo",
            jwks_uri=f"{self.url}/jwks",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
            code_challenge_methods_supported=["S256"],
        )

    def jwks(self) -> Any:
        self.jwks_fetches += 1
        public = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return jsonify(keys=[{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}])

    def authorize(self) -> Any:
        """Signs the person in at once (the browser tests use oidc-provider-mock's page)."""
        args = request.args
        back = args["redirect_uri"]
        if self.deny:
            return redirect(f"{back}?{urlencode({'error': 'access_denied', 'state': args.get('state', '')})}")
        if args.get("client_id") != CLIENT_ID:
            return jsonify(error="invalid_client"), 400
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": back,
            "nonce": args.get("nonce", ""),
            "challenge": args.get("code_challenge", ""),
            "method": args.get("code_challenge_method", ""),
        }
        return redirect(f"{back}?{urlencode({'code': code, 'state': args.get('state', '')})}")

    def token(self) -> Any:
        form = request.form
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        client_id, secret = _client_credentials()
        if client_id != CLIENT_ID or secret != CLIENT_SECRET:
            return jsonify(error="invalid_client"), 401
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return jsonify(error="invalid_grant"), 400
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        if grant["method"] != "S256" or digest != grant["challenge"]:
            return jsonify(error="invalid_grant", error_description="PKCE verification failed"), 400
        access = secrets.token_urlsafe(16)
        reply = {"access_token": access, "token_type": "Bearer", "expires_in": 300}
        if grant["nonce"]:
            reply["id_token"] = self.id_token(grant["nonce"])
        return jsonify(reply)

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.url,
            "sub": self.person.sub,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "email": self.person.email,
            "email_verified": self.person.email_verified,
            "name": self.person.name,
        }
        key, kid = self.key, self.kid
        if self.spoil == "audience":
            claims["aud"] = "another-client"
        elif self.spoil == "expired":
            claims["iat"], claims["exp"] = now - 3600, now - 600
        elif self.spoil == "nonce":
            claims["nonce"] = "not-the-nonce-we-sent"
        elif self.spoil == "issuer":
            claims["iss"] = "https://another-issuer.example"
        elif self.spoil == "audience_azp":  # addressed to another client, naming us as the party it is for
            claims["aud"], claims["azp"] = ["another-client"], CLIENT_ID
        elif self.spoil == "azp":
            claims["aud"], claims["azp"] = [CLIENT_ID, "another-client"], "another-client"
        elif self.spoil == "signature":
            key, _ = new_key()  # same kid, a key the provider does not publish
        if self.person.email is None or self.spoil == "no_email":
            del claims["email"], claims["email_verified"]
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})

    def userinfo(self) -> Any:
        return jsonify(sub=self.person.sub, email=self.person.email, email_verified=self.person.email_verified)

    def github_user(self) -> Any:
        return jsonify(id=int(self.person.sub), login="octocat", name=self.person.name)

    def github_emails(self) -> Any:
        return jsonify([{"email": self.person.email, "primary": True, "verified": self.person.email_verified}])


def _client_credentials() -> tuple[str | None, str | None]:
    if request.authorization and request.authorization.type == "basic":
        return request.authorization.username, request.authorization.password
    return request.form.get("client_id"), request.form.get("client_secret")

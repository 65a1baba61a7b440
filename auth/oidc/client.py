"""The relying party's side of OpenID Connect, on Authlib and joserfc.

No Flask here: a provider client builds the authorization URL (with PKCE
S256, ``state`` and ``nonce``) and turns the code the browser brought back
into a checked ``Profile``. The ID token is verified against the provider's
JWKS (fetched again once when it names a key we have not seen: the provider
rotated), then ``iss``, ``aud``, ``azp``, ``exp``, ``iat`` and ``nonce``.
Every failure is a ``ProviderError`` whose ``code`` the sign-in page explains.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from auth.oidc.settings import ProviderConfig

TIMEOUT = (3.05, 10)  # connect, read: a slow provider must not hold a worker for long
METADATA_TTL = 3600.0
LEEWAY = 60  # seconds of clock difference tolerated on exp and iat
# Only public-key signatures: an ID token signed with a shared secret (HS256)
# or not at all ("none") proves nothing a client secret holder could not forge.
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


class ProviderError(Exception):
    """A sign-in through a provider failed; ``code`` goes to the sign-in page."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


MAX_SUBJECT = 255  # OpenID Connect Core: sub is at most 255 ASCII characters
MAX_EMAIL = 254


@dataclass(frozen=True)
class Profile:
    """Who the provider says signed in."""

    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    preferred_username: str | None = None

    @classmethod
    def of(
        cls, subject: object, email: object, email_verified: object, name: object, preferred_username: object = None
    ) -> Profile:
        """A profile from a provider's claims: a subject that fits, an email only when it is a plausible one."""
        if not isinstance(subject, str) or not subject or len(subject) > MAX_SUBJECT:
            raise ProviderError("token_rejected", "the subject is missing or longer than 255 characters")
        address = email if isinstance(email, str) and "@" in email and len(email) <= MAX_EMAIL else None
        return cls(
            subject=subject,
            email=address,
            email_verified=address is not None and email_verified is True,
            name=name if isinstance(name, str) else None,
            preferred_username=preferred_username if isinstance(preferred_username, str) else None,
        )


@dataclass(frozen=True)
class Authorization:
    """Where to send the browser, and what its callback must match."""

    url: str
    state: str
    nonce: str
    code_verifier: str


class OidcClient:
    """One OpenID Connect provider, found through its discovery document."""

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._jwks: dict[str, Any] | None = None

    def authorization(self, redirect_uri: str) -> Authorization:
        endpoint = self.metadata()["authorization_endpoint"]
        state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        url, _ = self._session(redirect_uri).create_authorization_url(
            endpoint, state=state, nonce=nonce, code_verifier=verifier
        )
        return Authorization(url=url, state=state, nonce=nonce, code_verifier=verifier)

    def profile(self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str) -> Profile:
        metadata = self.metadata()
        token = exchange_code(self._session(redirect_uri, metadata), metadata["token_endpoint"], code, code_verifier)
        if not token.get("id_token"):
            raise ProviderError("token_rejected", "the token reply has no ID token")
        claims = self.verify_id_token(token["id_token"], nonce=nonce, access_token=token.get("access_token"))
        if not claims.get("email") and metadata.get("userinfo_endpoint"):
            claims = {**self._userinfo(metadata["userinfo_endpoint"], token), **claims}
        return Profile.of(
            claims.get("sub"),
            claims.get("email"),
            claims.get("email_verified"),
            claims.get("name"),
            claims.get("preferred_username"),
        )

    def verify_id_token(self, id_token: str, *, nonce: str, access_token: str | None) -> dict[str, Any]:
        metadata = self.metadata()
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [alg for alg in offered if alg in ASYMMETRIC]
        try:
            try:
                token = jwt.decode(id_token, KeySet.import_key_set(self._key_set(refresh=False)), algorithms)
            except InvalidKeyIdError:  # a key we have not seen: the provider rotated its keys
                token = jwt.decode(id_token, KeySet.import_key_set(self._key_set(refresh=True)), algorithms)
            claims = CodeIDToken(
                token.claims,
                token.header,
                {
                    "iss": {
                        "essential": True,
                        "values": [expected_issuer(metadata["issuer"], token.claims), *self.config.issuer_aliases],
                    },
                    "aud": {"essential": True, "value": self.config.client_id},
                },
                {"nonce": nonce, "client_id": self.config.client_id, "access_token": access_token},
            )
            claims.validate(leeway=LEEWAY)
        except (JoseError, AuthlibBaseError, ValueError) as error:
            raise ProviderError("token_rejected", f"ID token refused: {error}") from None
        return dict(claims)

    def metadata(self) -> dict[str, Any]:
        """The discovery document, kept for an hour; its issuer must be the configured one."""
        with self._lock:
            if self._metadata is not None and time.monotonic() - self._metadata_at < METADATA_TTL:
                return self._metadata
        url = f"{self.config.issuer}/.well-known/openid-configuration"
        document = get_json(url)
        needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        missing = [key for key in needed if not isinstance(document.get(key), str)]
        if missing:
            raise ProviderError("provider_unreachable", f"discovery document lacks {', '.join(missing)}")
        if "{tenantid}" not in document["issuer"] and document["issuer"].rstrip("/") != self.config.issuer:
            raise ProviderError("provider_unreachable", f"discovery names issuer {document['issuer']!r}")
        with self._lock:
            self._metadata, self._metadata_at, self._jwks = document, time.monotonic(), None
        return document

    def _key_set(self, *, refresh: bool) -> dict[str, Any]:
        with self._lock:
            if self._jwks is not None and not refresh:
                return self._jwks
        keys = get_json(self.metadata()["jwks_uri"])
        if not isinstance(keys.get("keys"), list):
            raise ProviderError("provider_unreachable", "the JWKS document has no keys")
        with self._lock:
            self._jwks = keys
        return keys

    def _userinfo(self, endpoint: str, token: dict[str, Any]) -> dict[str, Any]:
        info = get_json(endpoint, headers={"Authorization": f"Bearer {token.get('access_token', '')}"})
        return {key: info[key] for key in ("email", "email_verified", "name") if key in info}

    def _session(self, redirect_uri: str, metadata: dict[str, Any] | None = None) -> OAuth2Session:
        methods = (metadata or {}).get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        auth_method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
        return oauth_session(self.config, redirect_uri, auth_method)


def expected_issuer(issuer: str, claims: dict[str, Any]) -> str:
    """The issuer an ID token must name.

    Microsoft's multi-tenant ("common") discovery document names the issuer
    ``https://login.microsoftonline.com/{tenantid}/v2.0``: each token names its
    own tenant in ``tid``, and the issuer is checked with that tenant filled in.
    """
    if "{tenantid}" in issuer and isinstance(claims.get("tid"), str):
        return issuer.replace("{tenantid}", claims["tid"])
    return issuer


def oauth_session(config: ProviderConfig, redirect_uri: str, auth_method: str) -> OAuth2Session:
    """Authlib's client for one authorization: this app's credentials, PKCE with S256."""
    return OAuth2Session(
        config.client_id,
        config.client_secret,
        scope=config.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method=auth_method,
    )


def exchange_code(session: OAuth2Session, endpoint: str, code: str, code_verifier: str) -> dict[str, Any]:
    """The token endpoint's reply to the code (and the PKCE verifier), or ProviderError."""
    try:
        token = session.fetch_token(
            endpoint, grant_type="authorization_code", code=code, code_verifier=code_verifier, timeout=TIMEOUT
        )
    except requests.RequestException as error:
        raise ProviderError("provider_unreachable", f"token endpoint: {type(error).__name__}") from None
    except (AuthlibBaseError, ValueError) as error:
        raise ProviderError("code_rejected", f"the provider refused the code: {error}") from None
    finally:
        session.close()
    if not token.get("access_token"):
        raise ProviderError("code_rejected", "the token reply has no access token")
    return dict(token)


def fetch_json(url: str, headers: dict[str, str] | None = None) -> Any:
    """GET JSON from a provider, or ProviderError("provider_unreachable")."""
    try:
        reply = requests.get(url, headers={"Accept": "application/json", **(headers or {})}, timeout=TIMEOUT)
        reply.raise_for_status()
        return reply.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderError("provider_unreachable", f"{url}: {type(error).__name__}") from None


def get_json(url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A JSON object from a provider (a discovery document, keys, a profile)."""
    document = fetch_json(url, headers)
    if not isinstance(document, dict):
        raise ProviderError("provider_unreachable", f"{url}: not a JSON object")
    return document

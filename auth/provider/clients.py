"""Registered apps: what the operator creates, and the client Authlib talks to.

``clients_list()`` is the read side other packages (the admin console) may
use; ``create``, ``rotate_secret`` and ``delete`` are what ``flask clients``
calls. Secrets are shown once and stored as SHA-256 hashes.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import ClientMixin, scope_to_list

from auth.provider.store import digest
from models import OAuthClient, db

SCOPES = ("openid", "profile", "email", "roles", "offline_access")
DEFAULT_SCOPES = ("openid", "profile", "email", "offline_access")


class ClientError(ValueError):
    """A registration the operator must correct (the message says how)."""


@dataclass(frozen=True)
class Created:
    client_id: str
    secret: str | None


def clients_list() -> list[dict[str, Any]]:
    """Every registered app, without secrets: for ``flask clients list`` and the admin console."""
    rows = db.session.query(OAuthClient).order_by(OAuthClient.created_at).all()
    return [
        {
            "client_id": row.client_id,
            "name": row.name,
            "public": row.public,
            "trusted": row.trusted,
            "redirect_uris": list(row.redirect_uris),
            "post_logout_redirect_uris": list(row.post_logout_redirect_uris),
            "scopes": list(row.scopes),
            "created_at": row.created_at,
        }
        for row in rows
    ]


def create(
    name: str,
    *,
    redirect_uris: list[str],
    public: bool = False,
    trusted: bool = False,
    scopes: list[str] | None = None,
    post_logout_redirect_uris: list[str] | None = None,
) -> Created:
    if not name.strip() or len(name) > 128:
        raise ClientError("NAME must be 1 to 128 characters")
    if not redirect_uris:
        raise ClientError("give at least one --redirect-uri")
    for uri in [*redirect_uris, *(post_logout_redirect_uris or [])]:
        _check_uri(uri)
    wanted = list(scopes or DEFAULT_SCOPES)
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        raise ClientError(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    if "openid" not in wanted:
        wanted.insert(0, "openid")
    secret = None if public else secrets.token_urlsafe(32)
    row = OAuthClient(
        client_id=secrets.token_urlsafe(18),
        name=name.strip(),
        secret_hash=digest(secret) if secret else "",
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout_redirect_uris or [],
        scopes=wanted,
        public=public,
        trusted=trusted,
        created_at=time.time(),
    )
    db.session.add(row)
    db.session.commit()
    return Created(row.client_id, secret)


def rotate_secret(client_id: str) -> str:
    row = _get(client_id)
    if row.public:
        raise ClientError("a public client has no secret")
    secret = secrets.token_urlsafe(32)
    row.secret_hash = digest(secret)
    db.session.commit()
    return secret


def delete(client_id: str) -> None:
    """Remove the app; its codes, tokens and consents go with it."""
    db.session.delete(_get(client_id))
    db.session.commit()


def _get(client_id: str) -> OAuthClient:
    row = db.session.get(OAuthClient, client_id)
    if row is None:
        raise ClientError(f"no client {client_id!r}")
    return row


def _check_uri(uri: str) -> None:
    parts = urlsplit(uri)
    if parts.fragment or not parts.scheme or "*" in uri:
        raise ClientError(f"{uri!r}: a redirect URI is absolute, exact (no wildcard) and has no fragment")
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        raise ClientError(f"{uri!r}: plain http is only for localhost; use https")
    if parts.scheme in ("javascript", "data", "file"):
        raise ClientError(f"{uri!r}: not a redirect URI")


class Client(ClientMixin):
    """A registered app as Authlib's grants see it."""

    def __init__(self, row: OAuthClient) -> None:
        self.row = row
        self.client_id = row.client_id

    @property
    def name(self) -> str:
        return self.row.name

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None  # OpenID Connect: the request names its redirect URI, always

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = set(self.row.scopes)
        return " ".join(s for s in scope_to_list(scope or "") or [] if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        if self.row.public or not self.row.secret_hash:
            return False
        return hmac.compare_digest(self.row.secret_hash, digest(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.row.public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "client_credentials":
            return not self.row.public
        return grant_type in ("authorization_code", "refresh_token")


def find_client(client_id: str | None) -> Client | None:
    if not client_id or len(client_id) > 48:
        return None
    row = db.session.get(OAuthClient, client_id)
    return Client(row) if row is not None else None

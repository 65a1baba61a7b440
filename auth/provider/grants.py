"""Authlib's grants, given this server's storage and sessions.

The protocol (parameter checks, PKCE, client authentication, the ID token's
shape) is Authlib's; what is ours: codes are claimed once (a replay revokes
every token they issued), refresh tokens rotate and a reused one revokes its
whole family, user tokens live only as long as their browser session, and
PKCE S256 is required of public clients at the authorize step already.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError, TokenMixin, grants, scope_to_list
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import current_app
from sqlalchemy import update

from auth.core.audit import audit
from auth.provider import store
from auth.provider.claims import acr_of, amr_of, user_claims
from auth.provider.clients import Client
from auth.provider.settings import CODE_TTL, ID_TOKEN_TTL
from models import OAuthClient, OAuthCode, OAuthToken, Session, User, db


@dataclass(frozen=True)
class EndUser:
    """The signed-in user behind a request: who, in which session, since when, and how."""

    user: User
    session_id: str
    auth_time: float
    method: str | None

    def get_user_id(self) -> int:
        return self.user.id


def end_user_of(user_id: int | None, session_id: str | None, auth_time: float | None = None) -> EndUser | None:
    """The EndUser of a live session, or None if it ended or the user is locked."""
    now = time.time()
    if user_id is None or not store.session_alive(session_id, user_id, now):
        return None
    user = db.session.get(User, user_id)
    session = db.session.get(Session, session_id)
    assert user is not None and session is not None
    when = auth_time if auth_time is not None else (session.authenticated_at or session.created_at)
    return EndUser(user, session.id, when, store.session_method(session.id))


class CodeRecord(AuthorizationCodeMixin):
    def __init__(self, row: OAuthCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    def get_nonce(self) -> str | None:
        return self.row.nonce

    def get_auth_time(self) -> int:
        return int(self.row.auth_time)

    def get_amr(self) -> list[str] | None:
        return amr_of(store.session_method(self.row.session_id)) or None

    def get_acr(self) -> str:
        return acr_of(store.session_method(self.row.session_id))


class TokenRecord(TokenMixin):
    """A stored token as Authlib sees it; ``kind`` says which half was presented."""

    def __init__(self, row: OAuthToken, kind: str) -> None:
        self.row = row
        self.kind = kind

    def check_client(self, client: Client) -> bool:
        return self.row.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return int(self.row.expires_at - self.row.issued_at)

    def is_expired(self) -> bool:
        now = time.time()
        if self.kind == "refresh_token":
            return self.row.refresh_expires_at is None or now >= self.row.refresh_expires_at
        return now >= self.row.expires_at

    def is_revoked(self) -> bool:
        """Revoked, rotated (a refresh token), or its session has ended."""
        if self.row.revoked_at is not None or (self.kind == "refresh_token" and self.row.rotated_at is not None):
            return True
        return not store.session_alive(self.row.session_id, self.row.user_id, time.time())

    def get_user(self) -> User | None:
        return db.session.get(User, self.row.user_id) if self.row.user_id is not None else None

    def get_client(self) -> Client:
        return Client(db.session.get(OAuthClient, self.row.client_id))


def query_token(token: str, hint: str | None) -> TokenRecord | None:
    order = ("refresh_token", "access_token") if hint == "refresh_token" else ("access_token", "refresh_token")
    for kind in order:
        row = store.token_by(**{"access" if kind == "access_token" else "refresh": token})
        if row is not None:
            return TokenRecord(row, kind)
    return None


def save_token(token: dict[str, Any], request: Any) -> None:
    """Store a new issuance (hashes only), in the family of the code or refresh token it came from."""
    now = time.time()
    end_user: EndUser | None = request.user
    code = getattr(request, "authorization_code", None)
    previous = getattr(request, "refresh_token", None)
    if isinstance(code, CodeRecord):
        family = code.row.code_hash
    elif isinstance(previous, TokenRecord):
        family = previous.row.family
    else:
        family = secrets.token_hex(16)
    refresh = token.get("refresh_token")
    ttl = current_app.extensions["provider"].settings.refresh_token_ttl
    db.session.add(
        OAuthToken(
            access_hash=store.digest(token["access_token"]),
            refresh_hash=store.digest(refresh) if refresh else None,
            client_id=request.client.get_client_id(),
            user_id=end_user.user.id if end_user else None,
            session_id=end_user.session_id if end_user else None,
            family=family,
            scope=token.get("scope", ""),
            issued_at=now,
            expires_at=now + int(token["expires_in"]),
            refresh_expires_at=now + ttl if refresh else None,
        )
    )
    db.session.commit()


class AuthorizationCode(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def save_authorization_code(self, code: str, request: Any) -> None:
        end_user: EndUser = request.user
        data = request.payload.data
        now = time.time()
        db.session.add(
            OAuthCode(
                code_hash=store.digest(code),
                client_id=request.client.get_client_id(),
                user_id=end_user.user.id,
                session_id=end_user.session_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope or "",
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                auth_time=end_user.auth_time,
                created_at=now,
                expires_at=now + CODE_TTL,
            )
        )
        db.session.commit()

    def query_authorization_code(self, code: str, client: Client) -> CodeRecord | None:
        """Claim the code (once, atomically); a second use revokes what the first one issued."""
        code_hash = store.digest(code)
        row = db.session.get(OAuthCode, code_hash)
        if row is None or row.client_id != client.get_client_id():
            return None
        now = time.time()
        claimed = db.session.execute(
            update(OAuthCode).where(OAuthCode.code_hash == code_hash, OAuthCode.used_at.is_(None)).values(used_at=now)
        ).rowcount
        db.session.commit()
        if claimed != 1:
            audit("app_code_replayed", user_id=row.user_id, session_id=row.session_id, client_id=row.client_id)
            store.revoke_family(code_hash, reason="code_replayed", now=now)
            return None
        if now >= row.expires_at:
            return None
        return CodeRecord(row)

    def delete_authorization_code(self, authorization_code: CodeRecord) -> None:
        """Nothing: the code was marked used when claimed, so a replay is recognised."""

    def authenticate_user(self, authorization_code: CodeRecord) -> EndUser | None:
        row = authorization_code.row
        return end_user_of(row.user_id, row.session_id, row.auth_time)

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None, include_refresh_token=True):
        """A refresh token only with ``offline_access``."""
        wants_refresh = include_refresh_token and "offline_access" in (scope_to_list(scope) or [])
        return super().generate_token(user, scope, grant_type, expires_in, wants_refresh)


class RefreshToken(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> TokenRecord | None:
        row = store.token_by(refresh=refresh_token)
        if row is None:
            return None
        now = time.time()
        if row.rotated_at is not None and row.revoked_at is None:
            audit("app_refresh_reuse", user_id=row.user_id, session_id=row.session_id, client_id=row.client_id)
            store.revoke_family(row.family, reason="refresh_reuse", now=now)
            return None
        if not store.is_active(row, now, refresh=True):
            return None
        return TokenRecord(row, "refresh_token")

    def authenticate_user(self, refresh_token: TokenRecord) -> EndUser | None:
        row = refresh_token.row
        return end_user_of(row.user_id, row.session_id)

    def revoke_old_credential(self, refresh_token: TokenRecord) -> None:
        """Claim the old refresh token, once: a request that raced another with it is a reuse too."""
        row = refresh_token.row
        now = time.time()
        claimed = db.session.execute(
            update(OAuthToken).where(OAuthToken.id == row.id, OAuthToken.rotated_at.is_(None)).values(rotated_at=now)
        ).rowcount
        db.session.commit()
        if claimed != 1:
            audit("app_refresh_reuse", user_id=row.user_id, session_id=row.session_id, client_id=row.client_id)
            store.revoke_family(row.family, reason="refresh_reuse", now=now)
            raise InvalidGrantError("This refresh token was already used; the grant has ended.")


class ClientCredentials(grants.ClientCredentialsGrant):
    """An app acting for itself: no user, no session, no refresh token."""


class S256Only(CodeChallenge):
    """PKCE with S256 only; public clients must use it, and are told so at the authorize step."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        client: Client = grant.request.client
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE needs code_challenge_method=S256 (plain is not accepted).")
        if client.row.public and not data.get("code_challenge"):
            raise InvalidRequestError("A public client must use PKCE (code_challenge with S256).")
        super().validate_code_challenge(grant, redirect_uri)


class IdToken(OpenIDCode):
    """The ID token: signed with the provider key; ``sid``, ``auth_time``, ``amr``, ``acr``, ``nonce``."""

    def __init__(self, issuer: Any) -> None:
        super().__init__(require_nonce=False)
        self._issuer = issuer

    def _key(self) -> Any:
        return current_app.extensions["provider"].key

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return (
            db.session.query(OAuthCode.code_hash).filter_by(client_id=request.payload.client_id, nonce=nonce).first()
            is not None
        )

    def resolve_client_private_key(self, client: Client) -> Any:
        return self._key().private

    def get_client_algorithm(self, client: Client) -> str:
        return self._key().algorithm

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": self._key().algorithm, "kid": self._key().kid, "typ": "JWT"}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(time.time())
        return {"iss": self._issuer(), "aud": [client.get_client_id()], "iat": now, "exp": now + ID_TOKEN_TTL}

    def get_authorization_code_claims(self, authorization_code: CodeRecord) -> dict[str, Any]:
        claims = super().get_authorization_code_claims(authorization_code)
        claims["sid"] = authorization_code.row.session_id
        return claims

    def generate_user_info(self, user: EndUser, scope: str) -> UserInfo:
        return UserInfo(user_claims(user.user, scope_to_list(scope) or [], user.session_id))

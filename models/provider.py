"""What the OpenID provider stores: registered apps, codes, tokens, consents,
and how each session's user proved who they are.

Every secret (client secret, code, access and refresh token) is stored as a
SHA-256 hash only: they are random 256-bit values, so a plain hash is enough
and a leaked table grants nothing.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db


class OAuthClient(db.Model):
    """An app registered by the operator (``flask clients create``)."""

    __tablename__ = "oauth_clients"

    client_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    # Empty for a public client (a browser or native app that cannot keep a secret).
    secret_hash: Mapped[str] = mapped_column(String(64), default="")
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)


class OAuthCode(db.Model):
    """An authorization code: single use (``used_at``), short-lived, bound to client, redirect and session."""

    __tablename__ = "oauth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    session_id: Mapped[str] = mapped_column(String(32), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(512))
    scope: Mapped[str] = mapped_column(String(512), default="")
    nonce: Mapped[str | None] = mapped_column(String(256), nullable=True)
    code_challenge: Mapped[str | None] = mapped_column(String(128), nullable=True)
    code_challenge_method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    auth_time: Mapped[float] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class OAuthToken(db.Model):
    """One issuance: an access token and maybe a refresh token.

    ``family`` is shared by every rotation of one grant (the code's hash, or
    a random id for client credentials): a reused refresh token or a replayed
    code revokes the whole family. ``session_id`` ties user tokens to the
    browser session they came from; when it ends, they end.
    """

    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    access_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True, nullable=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    session_id: Mapped[str | None] = mapped_column(String(32), index=True, nullable=True)
    family: Mapped[str] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(String(512), default="")
    issued_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    refresh_expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    rotated_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class OAuthConsent(db.Model):
    """Scopes a user allowed an app; asked again only for scopes beyond these."""

    __tablename__ = "oauth_consents"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), primary_key=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[float] = mapped_column(Float)


class SessionMethods(db.Model):
    """How a session's user proved who they are (``password+totp``, ``passkey``, ``oidc:google``),
    for honest ``amr`` and ``acr`` claims."""

    __tablename__ = "session_methods"

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    method: Mapped[str] = mapped_column(String(64))

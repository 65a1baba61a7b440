"""Second factors: TOTP secrets, recovery codes, passkeys, and sign-ins waiting for a second step."""

from __future__ import annotations

from sqlalchemy import JSON, Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db


class TotpSecret(db.Model):
    """A user's authenticator-app secret, encrypted; active once ``confirmed_at`` is set.

    ``last_step`` is the RFC 6238 time step of the last accepted code: a code
    is only accepted for a later step, so none is accepted twice.
    """

    __tablename__ = "mfa_totp"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret_enc: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[float] = mapped_column(Float)
    confirmed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_step: Mapped[int] = mapped_column(Integer, default=0)


class RecoveryCode(db.Model):
    """One single-use recovery code, kept as a keyed hash."""

    __tablename__ = "mfa_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Passkey(db.Model):
    """A WebAuthn credential: its id, public key (COSE) and the last sign count seen."""

    __tablename__ = "passkeys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(64))
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[float] = mapped_column(Float)
    last_used_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class WebAuthnChallenge(db.Model):
    """A challenge handed out with WebAuthn options: single-use and short-lived.

    Looked up by the hash of the challenge the authenticator signed, and
    deleted on first use, so a replayed response finds nothing.
    """

    __tablename__ = "webauthn_challenges"

    challenge_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    created_at: Mapped[float] = mapped_column(Float, index=True)


class MfaAttempt(db.Model):
    """A sign-in whose first factor succeeded and which waits for the second.

    The browser holds only the random id (``mfa_pending`` cookie); this row
    holds its hash, so a database read does not yield a usable cookie.
    """

    __tablename__ = "mfa_attempts"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    first_method: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[float] = mapped_column(Float, index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)

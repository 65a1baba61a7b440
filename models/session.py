"""A signed-in browser (one login) and the refresh tokens it has held."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db


class Session(db.Model):
    """One login. Access tokens name it in ``sid``; revoking it ends them all.

    ``version`` goes up when the user's roles change: access tokens carry the
    version they were minted at (claim ``sv``) and older ones are refused, so
    the next refresh picks up the new roles without logging anyone out.
    """

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[float] = mapped_column(Float)
    last_used_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # When the user last proved who they are in this session (sign-in or
    # reauthentication): what "recent sign-in" for sensitive changes reads.
    authenticated_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The organisation the session acts in (``POST /auth/orgs/active``); tokens carry it as ``org``.
    # No foreign key: a deleted organisation just stops being named (its memberships are gone).
    active_org_id: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None)
    user_agent: Mapped[str] = mapped_column(String(256), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    # An impersonation: the admin signed in as this user, and the admin's own
    # session that ``POST /auth/impersonation/stop`` returns to. Access tokens of
    # such a session carry ``act: {"sub": impersonator_id}``.
    # No foreign key (adding one makes SQLite rebuild the table, and its refresh
    # tokens with it): deleting an admin ends their impersonations instead.
    impersonator_id: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None)
    admin_session_id: Mapped[str | None] = mapped_column(String(32), nullable=True, default=None)

    user = relationship("User", lazy="joined")

    def is_live(self, now: float) -> bool:
        return self.revoked_at is None and now < self.expires_at


class RefreshToken(db.Model):
    """Every refresh token a session was given, kept as a SHA-256 hash.

    Keeping the rotated ones is what makes reuse detection work: a stolen
    token that was already rotated is recognised and kills its session.
    """

    __tablename__ = "refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[float] = mapped_column(Float)
    rotated_at: Mapped[float | None] = mapped_column(Float, nullable=True)

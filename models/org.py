"""Organisations, who belongs to them with which role, invitations, and the log of membership changes."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db

OWNER = "owner"
ADMIN = "admin"
MEMBER = "member"
BUILT_IN_ROLES = (OWNER, ADMIN, MEMBER)


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(128))
    # Who created it (what ORGS_PER_USER counts); kept when that user is deleted.
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, nullable=True
    )
    created_at: Mapped[float] = mapped_column(Float)

    def as_json(self) -> dict[str, object]:
        return {"id": str(self.id), "slug": self.slug, "name": self.name}


class Membership(db.Model):
    __tablename__ = "memberships"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[float] = mapped_column(Float)


class Invitation(db.Model):
    """An invitation by email; only the SHA-256 of its token is stored (the token is in the link alone)."""

    __tablename__ = "org_invitations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    # The case-folded address: what the accepting user's verified address must equal.
    email_key: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "email": self.email,
            "role": self.role,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
        }


class MembershipChange(db.Model):
    """An append-only log of memberships that changed: each process's membership view polls it.

    ``role`` is the role from then on; empty: the membership ended. Like
    ``revocations``, no foreign key (it must outlive what it names) and rows
    older than any access token are pruned.
    """

    __tablename__ = "membership_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer)
    org_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[float] = mapped_column(Float, index=True)

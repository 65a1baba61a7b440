"""A person who can sign in."""

from __future__ import annotations

import time
import unicodedata

from sqlalchemy import JSON, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db


def username_key(name: str) -> str:
    """The form usernames are compared in: NFKC-normalised, then case-folded.

    ``"Alice"``, ``"ALICE"`` and the full-width form of "Alice" are one user.
    """
    return unicodedata.normalize("NFKC", name).casefold().strip()


# Keys compared byte by byte on PostgreSQL, as on SQLite: a prefix search is then
# one range of the unique index (``key >= q AND key < q || U+10FFFF``), in an
# order that keyset pagination can resume, whatever the database's locale.
KEY = String(254).with_variant(String(254, collation="C"), "postgresql")
NAME_KEY = String(64).with_variant(String(64, collation="C"), "postgresql")


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    username_key: Mapped[str] = mapped_column(NAME_KEY, unique=True, index=True)
    # Empty: the user has no password (made by an identity provider's sign-in).
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[float] = mapped_column(Float, default=time.time)
    # The address as the user typed it. ``email_key`` (its case-folded form) is
    # set only once the address is verified: an unverified address claims
    # nothing, so nobody can squat another person's address by typing it.
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    email_key: Mapped[str | None] = mapped_column(KEY, unique=True, index=True, nullable=True)
    email_verified_at: Mapped[float | None] = mapped_column(Float, nullable=True)

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    locked_at: Mapped[float | None] = mapped_column(Float, nullable=True, default=None)
    """When an operator locked the account (``flask users lock``); None while it may sign in."""

    mfa_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Wrong second-factor codes in a row, across sign-ins (``MFA_FAILURE_CAP``); a right code resets it."""
    locked_reason: Mapped[str | None] = mapped_column(String(500), nullable=True, default=None)
    locked_until: Mapped[float | None] = mapped_column(Float, nullable=True, default=None)
    """A lock with an end (an admin's ``until``) lifts by itself then; None: until unlocked."""

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None and (self.locked_until is None or time.time() < self.locked_until)

    def as_json(self) -> dict[str, object]:
        return {
            "id": str(self.id),
            "username": self.username,
            "roles": list(self.roles or []),
            "email": self.email,
            "email_verified": self.email_verified_at is not None,
        }

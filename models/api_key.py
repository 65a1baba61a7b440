"""API keys: long-lived credentials a script sends as ``Authorization: Bearer fak_...``.

Only the SHA-256 digest of a key is stored (a key carries 256 random bits, so
no slow hash is needed); ``prefix`` is its first characters, for people to
recognise it in a list. A revoked key keeps its row (``revoked_at``), so the
audit trail and the listing can still name it.
"""

from __future__ import annotations

import time

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db


class ApiKey(db.Model):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # An organisation the key acts for (issue 20); None: the user's own key.
    org_id: Mapped[str | None] = mapped_column(String(64), nullable=True, default=None)
    created_at: Mapped[float] = mapped_column(Float, default=time.time)
    expires_at: Mapped[float | None] = mapped_column(Float, nullable=True, default=None)
    last_used_at: Mapped[float | None] = mapped_column(Float, nullable=True, default=None)
    # The addresses the key was used from (the most recent few), so a new one is audited.
    addresses: Mapped[list[str]] = mapped_column(JSON, default=list)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True, default=None)

"""An append-only log of sessions whose access tokens must be refused.

Each process keeps an in-memory view of recent rows (see
``auth.core.revocation``); rows older than the access-token life are useless and
pruned. It has no foreign key: it must outlive the deleted user it names.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db

REVOKED = 2**31 - 1
"""``min_version`` of a session that is over: no token version reaches it."""


class Revocation(db.Model):
    __tablename__ = "revocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(32))
    min_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Float, index=True)

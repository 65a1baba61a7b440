"""Security events as rows: the database copy of the ``auth.audit`` JSON lines.

Append-only: rows are added in the transaction of the change they record
and only ever deleted by ``flask audit prune`` once older than
``AUDIT_RETENTION_DAYS``. No foreign keys: an event must outlive the user
and the session it names (a deleted user's history is still evidence).

The indexes serve keyset pagination, newest first: every list is
``ORDER BY created_at DESC, id DESC`` with an optional leading equality
(``user_id`` or ``event``), so each page is one index range scan.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models import db

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a bigint.
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_created", "created_at", "id"),
        Index("ix_audit_events_user", "user_id", "created_at", "id"),
        Index("ix_audit_events_event", "event", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    created_at: Mapped[float] = mapped_column(Float)
    event: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Who acted for the user: the admin of an admin action or of an impersonated session.
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    session_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(256), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "id": str(self.id),
            "time": self.created_at,
            "event": self.event,
            "user_id": None if self.user_id is None else str(self.user_id),
            "actor_id": None if self.actor_id is None else str(self.actor_id),
            "session_id": self.session_id,
            "ip": self.ip,
            "user_agent": self.user_agent,
            "details": self.details or {},
        }

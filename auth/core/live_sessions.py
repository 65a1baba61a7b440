"""Sessions known to exist, per process, so an access token must name a real one.

A token signed with the right key is not enough: its ``sid`` must be a live
session of its ``sub``. Asking the database on every request would cost the
probe most of its speed, so each process remembers what it learned: the
first token naming a session looks it up, later ones answer from memory.
The revocation view drops a session from here the moment it learns the
session ended (``forget``), so nothing stale is kept; sessions that do not
exist are never remembered, so a new session started by another process is
found on first sight. Bounded, oldest out first.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from sqlalchemy import select

from models import Session, db


class LiveSessions:
    def __init__(self, max_entries: int = 65536) -> None:
        self._known: dict[str, tuple[str, float]] = {}
        self._max = max_entries
        self._lock = threading.Lock()

    def confirms(self, session_id: str, user_id: str, now: float) -> bool:
        """True when ``session_id`` is a session of ``user_id`` that has neither ended nor expired."""
        known = self._known.get(session_id)
        if known is None:
            row = db.session.execute(
                select(Session.user_id, Session.expires_at).where(
                    Session.id == session_id, Session.revoked_at.is_(None)
                )
            ).first()
            if row is None:
                return False
            known = (str(row.user_id), row.expires_at)
            self._remember(session_id, known)
        return known[0] == user_id and now < known[1]

    def forget(self, session_ids: Iterable[str]) -> None:
        with self._lock:
            for session_id in session_ids:
                self._known.pop(session_id, None)

    def _remember(self, session_id: str, known: tuple[str, float]) -> None:
        with self._lock:
            if len(self._known) >= self._max:
                del self._known[next(iter(self._known))]
            self._known[session_id] = known

"""Every process's view of revoked sessions, kept fresh without a query per request.

Access tokens are checked against an in-memory map ``session id -> lowest
token version still accepted``. The map is filled from the ``revocations``
table at most every ``REVOCATION_POLL_SECONDS`` (0.5 s by default), so every
process refuses a revoked session within that time, whatever it shares;
with ``REDIS_URL`` set, revocations are also pushed through Redis pub/sub and
take effect everywhere at once. Only entries younger than the access-token
life matter: a token is never accepted longer than today's
``ACCESS_TOKEN_TTL`` after it was issued (see ``auth.core.access``), even one
minted with a longer life before a restart, so the map stays small and
forgets nothing a live token still needs.

The table is read in the background, by the process's poll loop
(``auth.core.polling``), never by a request that finds the map old: under a
login flood that read could take a while, and every check waiting on it
waited too (issue 18). A request reads the table itself only when the map is
older than ``max_stale_seconds`` (at start, before the first poll, or with
the database away), and then refuses if the read fails.

Sessions that end are also reported to ``on_end`` (the process's cache of
live sessions), so that cache never outlives a revocation it heard of.

With the database away, the view keeps answering from memory for at most
``max_stale_seconds`` after its last successful read (no revocation can be
made meanwhile: ending a session writes the table first), then refuses every
check with 503 until the database answers again: it fails closed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from auth.core.errors import Unavailable
from auth.core.fanout import RedisFanout
from auth.core.polling import PollLoop
from models import REVOKED, Revocation, db
from models.engine import discard_transaction

log = logging.getLogger(__name__)

CHANNEL = "flask-auth:revocations"
OVERLAP_SECONDS = 5.0
"""Re-read this much history at each poll: rows whose transaction committed late are still seen."""
RETRY_AFTER = 2
CATCH_UP_WAIT = 2.0
"""Seconds a check with a too-old map waits for a read already under way before it refuses."""


class RevocationView:
    def __init__(
        self,
        *,
        poll_seconds: float,
        horizon_seconds: int,
        redis_url: str | None,
        on_end: Callable[[list[str]], None] | None = None,
        loop: PollLoop,
        max_stale_seconds: float = 10.0,
    ) -> None:
        self._poll = poll_seconds
        self._loop = loop
        self._on_end = on_end
        self._max_stale = max_stale_seconds
        self._fresh_at = float("-inf")
        self._horizon = horizon_seconds + OVERLAP_SECONDS
        self._min_version: dict[str, tuple[int, float]] = {}
        self._synced_at = float("-inf")
        self._cursor: float | None = None
        self._lock = threading.Lock()
        self._fanout = (
            RedisFanout(
                redis_url,
                channel=CHANNEL,
                what="revocation",
                receive=lambda data: self.merge([(str(sid), int(version)) for sid, version in data], time.time()),
                reconnected=self.resync,  # whatever was published while away
            )
            if redis_url
            else None
        )
        loop.add(self)  # last: the loop may poll as soon as it has the view

    def refuses(self, session_id: str, version: int, now: float) -> bool:
        """True when tokens of this session at this version are no longer accepted."""
        self._loop.ensure_running()
        if self._fanout is not None:
            self._fanout.ensure_listening()
        if now - self._fresh_at > self._max_stale:
            self._catch_up(now)
        if now - self._fresh_at > self._max_stale:
            raise Unavailable("Sessions cannot be checked right now; try again shortly.", retry_after=RETRY_AFTER)
        entry = self._min_version.get(session_id)
        return entry is not None and version < entry[0]

    def record(self, entries: Iterable[tuple[str, int]], now: float) -> None:
        """Apply revocations this process just committed, and tell the others."""
        entries = list(entries)
        self.merge(entries, now)
        if self._fanout is not None and entries:
            self._fanout.publish(entries)

    def merge(self, entries: Iterable[tuple[str, int]], now: float) -> None:
        ended = []
        for session_id, min_version in entries:
            current = self._min_version.get(session_id)
            if current is None or min_version > current[0]:
                self._min_version[session_id] = (min_version, now)
                if min_version == REVOKED:
                    ended.append(session_id)
        if ended and self._on_end is not None:
            self._on_end(ended)

    def resync(self) -> None:
        """Poll the table now, whatever the interval."""
        self._loop.wake()

    def poll(self, now: float) -> None:
        """Read the revocations made since the last read (the poll loop calls this)."""
        with self._lock:
            self._read(now)

    def _catch_up(self, now: float) -> None:
        """Read the table in this request: the map is too old to answer from (at most once per interval).

        A read already under way (the loop's, stuck on a database that does not
        answer) is waited for at most ``CATCH_UP_WAIT`` seconds; then the caller refuses.
        """
        if not self._lock.acquire(timeout=CATCH_UP_WAIT):
            return
        try:
            if now - self._synced_at >= self._poll:
                self._read(now)
        finally:
            self._lock.release()

    def _read(self, now: float) -> None:
        since = (self._cursor if self._cursor is not None else now - self._horizon) - OVERLAP_SECONDS
        try:
            rows = db.session.execute(
                select(Revocation.session_id, Revocation.min_version, Revocation.created_at).where(
                    Revocation.created_at >= since
                )
            ).all()
        except SQLAlchemyError:
            discard_transaction(db.session)
            self._synced_at = now  # retry at the next poll, not on every request
            log.warning("revocations could not be read; answering from memory while it is fresh enough")
            return
        for session_id, min_version, created_at in rows:
            self.merge([(session_id, min_version)], created_at)
        self._forget_older_than(now - self._horizon)
        self._cursor = now
        self._synced_at = now
        self._fresh_at = now

    def _forget_older_than(self, cutoff: float) -> None:
        stale = [sid for sid, (_, seen) in self._min_version.items() if seen < cutoff]
        for session_id in stale:
            del self._min_version[session_id]

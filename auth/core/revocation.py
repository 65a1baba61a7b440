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

Sessions that end are also reported to ``on_end`` (the process's cache of
live sessions), so that cache never outlives a revocation it heard of.

With the database away, the view keeps answering from memory for at most
``max_stale_seconds`` after its last successful read (no revocation can be
made meanwhile: ending a session writes the table first), then refuses every
check with 503 until the database answers again: it fails closed.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from auth.core.errors import Unavailable
from models import REVOKED, Revocation, db
from models.engine import discard_transaction

log = logging.getLogger(__name__)

CHANNEL = "flask-auth:revocations"
OVERLAP_SECONDS = 5.0
"""Re-read this much history at each poll: rows whose transaction committed late are still seen."""
RETRY_AFTER = 2


class Poller(Protocol):
    def poll(self, now: float) -> None:
        """Read what changed recently; never raise (keep answering from memory instead)."""


class RevocationView:
    def __init__(
        self,
        *,
        poll_seconds: float,
        horizon_seconds: int,
        redis_url: str | None,
        on_end: Callable[[list[str]], None] | None = None,
        max_stale_seconds: float = 10.0,
    ) -> None:
        self._poll = poll_seconds
        self._on_end = on_end
        self._max_stale = max_stale_seconds
        self._fresh_at = float("-inf")
        self._horizon = horizon_seconds + OVERLAP_SECONDS
        self._min_version: dict[str, tuple[int, float]] = {}
        self._synced_at = float("-inf")
        self._cursor: float | None = None
        self._lock = threading.Lock()
        self._fanout = RedisFanout(redis_url, self) if redis_url else None
        self._pollers: list[Poller] = []

    def add_poller(self, poller: Poller) -> None:
        """Poll ``poller`` at each of this view's polls (views of other recent changes, e.g. memberships)."""
        if poller not in self._pollers:
            self._pollers.append(poller)

    def refuses(self, session_id: str, version: int, now: float) -> bool:
        """True when tokens of this session at this version are no longer accepted."""
        if self._fanout is not None:
            self._fanout.ensure_listening()
        if now - self._synced_at >= self._poll:
            self._sync(now)
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
        """Poll the table at the next check, whatever the interval."""
        self._synced_at = float("-inf")

    def _sync(self, now: float) -> None:
        with self._lock:
            if now - self._synced_at < self._poll:
                return
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
            for poller in self._pollers:
                poller.poll(now)

    def _forget_older_than(self, cutoff: float) -> None:
        stale = [sid for sid, (_, seen) in self._min_version.items() if seen < cutoff]
        for session_id in stale:
            del self._min_version[session_id]


class RedisFanout:
    """Publishes revocations and applies the ones other processes publish.

    The listener is a daemon thread started lazily in each process (after a
    pre-fork server has forked). If Redis is away, polling still holds.
    """

    def __init__(self, url: str, view: RevocationView) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._listener = redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30)
        self._view = view
        self._pid: int | None = None

    def publish(self, entries: list[tuple[str, int]]) -> None:
        try:
            self._client.publish(CHANNEL, json.dumps(entries))
        except Exception:  # noqa: BLE001 - the poll still delivers it
            log.warning("could not publish a revocation to Redis; other processes will poll it")

    def ensure_listening(self) -> None:
        """Subscribe before returning, so no revocation published after this is missed."""
        if self._pid == os.getpid():
            return
        self._pid = os.getpid()
        try:
            pubsub = self._subscribe()
        except Exception:  # noqa: BLE001 - the listener thread keeps trying
            pubsub = None
        threading.Thread(target=self._listen, args=(pubsub,), name="revocation-listener", daemon=True).start()

    def _subscribe(self):
        pubsub = self._listener.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(CHANNEL)
        return pubsub

    def _listen(self, pubsub) -> None:
        while True:
            try:
                if pubsub is None:
                    pubsub = self._subscribe()
                    self._view.resync()  # whatever was published while away
                for message in pubsub.listen():
                    entries = [(str(sid), int(version)) for sid, version in json.loads(message["data"])]
                    self._view.merge(entries, time.time())
            except Exception:  # noqa: BLE001 - reconnect; polling covers the gap
                log.warning("Redis revocation listener lost its connection; retrying")
                pubsub = None
                time.sleep(1)

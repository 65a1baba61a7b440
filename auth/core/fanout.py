"""Redis pub/sub between processes: what one process just changed, the others apply at once.

Used by the in-memory views that every process keeps (revoked sessions,
changed memberships): each publishes the entries it recorded and applies the
ones others publish. The listener is a daemon thread started lazily in each
process (after a pre-fork server has forked); if Redis is away, each view's
poll of its table still delivers, only later.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class RedisFanout:
    def __init__(
        self,
        url: str,
        *,
        channel: str,
        what: str,
        receive: Callable[[list[Any]], None],
        reconnected: Callable[[], None] | None = None,
    ) -> None:
        """``receive`` gets each message's decoded JSON list; ``reconnected`` runs after the
        listener subscribed again (what was published while it was away is only in the table)."""
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._listener = redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30)
        self._channel = channel
        self._what = what
        self._receive = receive
        self._reconnected = reconnected
        self._pid: int | None = None

    def publish(self, entries: list[Any]) -> None:
        try:
            self._client.publish(self._channel, json.dumps(entries))
        except Exception:  # noqa: BLE001 - the poll still delivers it
            log.warning("could not publish a %s to Redis; other processes will poll it", self._what)

    def ensure_listening(self) -> None:
        """Subscribe before returning, so nothing published after this is missed."""
        if self._pid == os.getpid():
            return
        self._pid = os.getpid()
        try:
            pubsub = self._subscribe()
        except Exception:  # noqa: BLE001 - the listener thread keeps trying
            pubsub = None
        name = f"{self._what.replace(' ', '-')}-listener"
        threading.Thread(target=self._listen, args=(pubsub,), name=name, daemon=True).start()

    def _subscribe(self):
        pubsub = self._listener.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(self._channel)
        return pubsub

    def _listen(self, pubsub) -> None:
        while True:
            try:
                if pubsub is None:
                    pubsub = self._subscribe()
                    if self._reconnected is not None:
                        self._reconnected()
                for message in pubsub.listen():
                    self._receive(json.loads(message["data"]))
            except Exception:  # noqa: BLE001 - reconnect; polling covers the gap
                log.warning("Redis %s listener lost its connection; retrying", self._what)
                pubsub = None
                time.sleep(1)

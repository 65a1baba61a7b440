"""Security events as one JSON line each, on the ``auth.audit`` logger.

Fields: event, time, user_id, session_id, event details, and whatever the
context provider adds (the web layer adds ip, user_agent and path for events
raised while serving a request). Never a password, a token or a cookie value.

Listeners see every event as it is logged (the metrics count them), so a
security event is raised in one place and both logged and counted.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

log = logging.getLogger("auth.audit")

ContextProvider = Callable[[], dict[str, object]]
Listener = Callable[[dict[str, object]], None]
_providers: list[ContextProvider] = []
_listeners: list[Listener] = []


def add_context_provider(provider: ContextProvider) -> None:
    """Register a source of fields for every event (idempotent)."""
    if provider not in _providers:
        _providers.append(provider)


def add_listener(listener: Listener) -> None:
    """Call ``listener`` with the record of every event (idempotent)."""
    if listener not in _listeners:
        _listeners.append(listener)


def audit(event: str, *, user_id: object = None, session_id: str | None = None, **details: object) -> None:
    record: dict[str, object] = {"event": event, "time": round(time.time(), 3)}
    record["user_id"] = None if user_id is None else str(user_id)
    record["session_id"] = session_id
    for provider in _providers:
        record.update(provider())
    record.update(details)
    log.info(json.dumps(record, sort_keys=True, default=str))
    for listener in _listeners:
        listener(record)

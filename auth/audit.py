"""Security events as one JSON line each, on the ``auth.audit`` logger.

Fields: event, time, user_id, session_id, ip, user_agent, and event details.
Never a password, a token or a cookie value.
"""

from __future__ import annotations

import json
import logging
import time

from flask import has_request_context, request

log = logging.getLogger("auth.audit")


def audit(event: str, *, user_id: object = None, session_id: str | None = None, **details: object) -> None:
    record: dict[str, object] = {"event": event, "time": round(time.time(), 3)}
    record["user_id"] = None if user_id is None else str(user_id)
    record["session_id"] = session_id
    if has_request_context():
        record["ip"] = request.remote_addr
        record["user_agent"] = request.headers.get("User-Agent", "")[:256]
        record["path"] = request.path
    record.update(details)
    log.info(json.dumps(record, sort_keys=True, default=str))

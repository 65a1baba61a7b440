"""What the web layer adds to every audit event raised while serving a request."""

from __future__ import annotations

from flask import has_request_context, request


def request_fields() -> dict[str, object]:
    if not has_request_context():
        return {}
    return {
        "ip": request.remote_addr,
        "user_agent": request.headers.get("User-Agent", "")[:256],
        "path": request.path,
    }

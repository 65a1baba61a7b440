"""Every request timed and counted by endpoint, in one pair of hooks.

The label is the endpoint name (a fixed set), never the path, so a scan of
random URLs cannot grow the metrics; requests that match no route count as
``none``.
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request

from auth.core.metrics import LATENCY, RESPONSES


def _start() -> None:
    g.started_at = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.get("started_at")
    if started is not None:
        endpoint = request.endpoint or "none"
        LATENCY.labels(endpoint).observe(time.perf_counter() - started)
        RESPONSES.labels(endpoint, str(response.status_code)).inc()
    return response


def init_request_metrics(app: Flask) -> None:
    """Register first, so the clock starts before any other hook can refuse the request."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_observe)

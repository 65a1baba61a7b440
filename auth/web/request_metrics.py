"""Every request timed and counted by endpoint and status, in one pair of hooks.

The label is the endpoint name (a fixed set), never the path, so a scan of
random URLs cannot grow the metrics; requests that match no route count as
``none``. One histogram does both jobs (its ``_count`` is the reply count),
and each label pair's child is looked up once per process: on the probe,
every write to the metric files is a measurable part of the request.
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request
from prometheus_client.metrics import Histogram

from auth.core.metrics import LATENCY

_children: dict[tuple[str | None, int], Histogram] = {}


def _start() -> None:
    g.started_at = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.get("started_at")
    if started is not None:
        key = (request.endpoint, response.status_code)
        child = _children.get(key)
        if child is None:
            child = _children[key] = LATENCY.labels(key[0] or "none", str(key[1]))
        child.observe(time.perf_counter() - started)
    return response


def init_request_metrics(app: Flask) -> None:
    """Register first, so the clock starts before any other hook can refuse the request."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_observe)

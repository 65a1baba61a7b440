"""What the server counts, as Prometheus metrics; ``auth.web.ops_views`` serves them.

Under gunicorn every worker writes its values to files in
``PROMETHEUS_MULTIPROC_DIR`` (``gunicorn.conf.py`` sets it up before the app
is imported, which is when prometheus-client reads it) and ``/metrics`` adds
the workers' files up. Without it (``flask run``, tests) the values live in
the process.

Security events are counted from the audit log (``count_event`` is an audit
listener), so each is raised once and both logged and counted; the hashing
gate counts its own refusals and queue; the web layer times each request.
"""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import Counter, Gauge, Histogram

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
"""Whether the values go to files: prometheus-client decides once, when it is imported, and so does ``/metrics``."""
if MULTIPROCESS:
    # Any process of the app writes there (a ``flask`` command too), so it must exist.
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)

LOGINS = Counter("auth_logins_total", "Sign-ins by result: success, failure, second_factor_pending.", ["result"])
REFRESHES = Counter("auth_refreshes_total", "Refresh-token rotations that succeeded.")
REFRESH_REUSE = Counter("auth_refresh_reuse_total", "Rotated refresh tokens presented again (the session ended).")
REVOCATIONS = Counter("auth_revocations_total", "Sessions ended, by reason (the audit event).", ["reason"])
RATE_LIMITED = Counter("auth_rate_limited_total", "Requests refused with 429, by endpoint.", ["endpoint"])
CSRF_REFUSED = Counter("auth_csrf_refused_total", "Unsafe requests refused as cross-site, by check.", ["check"])
LOCKED_REFUSED = Counter("auth_locked_refused_total", "Sign-ins and refreshes refused because the account is locked.")
HASH_REFUSED = Counter("auth_hash_gate_refused_total", "Sign-ins refused with 503 because the hashing gate was full.")
HASH_WAITING = Gauge(
    "auth_hash_queue_depth",
    "Password checks waiting for a hashing slot, all live workers.",
    multiprocess_mode="livesum",
)
LIMITS_IN_MEMORY = Gauge(
    "auth_rate_limits_in_memory",
    "Live workers counting rate limits in their own memory because Redis is unreachable.",
    multiprocess_mode="livesum",
)
LATENCY = Histogram(
    "auth_request_duration_seconds",
    "Time from the first request hook to the reply, by endpoint and status code (its _count counts replies).",
    ["endpoint", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

_LOGIN_RESULTS = {"login": "success", "login_failed": "failure", "mfa_required": "second_factor_pending"}
_REVOKING = {
    "logout": None,
    "logout_all": "sessions",
    "session_revoked": None,
    "refresh_reuse_detected": None,
    "password_changed": "sessions_ended",
    "user_locked": "sessions_ended",
    "sessions_revoked_all": "sessions",
}
"""Events that end sessions -> the detail holding how many (None: one)."""


def count_event(record: dict[str, object]) -> None:
    """Audit listener: turn security events into counter increments."""
    event = str(record.get("event"))
    if event in _LOGIN_RESULTS:
        LOGINS.labels(_LOGIN_RESULTS[event]).inc()
    elif event == "refresh":
        REFRESHES.inc()
    elif event == "rate_limited":
        RATE_LIMITED.labels(str(record.get("endpoint"))).inc()
    elif event == "csrf_refused":
        CSRF_REFUSED.labels(str(record.get("check"))).inc()
    elif event == "locked_refused":
        LOCKED_REFUSED.inc()
    if event == "refresh_reuse_detected":
        REFRESH_REUSE.inc()
    if event in _REVOKING:
        detail = _REVOKING[event]
        count = record.get(detail, 0) if detail else 1
        if isinstance(count, int) and count > 0:
            REVOCATIONS.labels(event).inc(count)

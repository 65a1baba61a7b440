"""Production serving: ``gunicorn -c gunicorn.conf.py app:app`` (gunicorn also reads this file on its own
when started from the repository root).

Sizing. The hot path (``GET /auth/is-authenticated``) is pure Python CPU work
under the GIL: one process per core is what scales it. Threads cover the
short waits on the database and Redis, and the logins waiting for argon2,
which releases the GIL and runs at a lower priority in the app's own small
pool (``HASH_CONCURRENCY`` per process). Figures: bench/README.md.

Environment (all optional):

- ``BIND``: full bind address(es), comma-separated, e.g. ``0.0.0.0:3001``
  behind a load balancer on another host; otherwise ``127.0.0.1:$PORT``
  (``PORT`` defaults to 3001, the API's port in ``.flaskenv``): by default the
  server only listens for a reverse proxy on the same host.
- ``WEB_CONCURRENCY``: worker processes (default: the usable cores).
- ``GUNICORN_THREADS``: threads per worker (default 8).
- ``HASH_QUEUE`` (the app's): when unset, derived from the threads, below.
- ``GUNICORN_ACCESS_LOG``: ``-`` (stderr) or a file for an access log; off by
  default because the probe runs on every page view and the proxy logs it.
- ``GUNICORN_PRELOAD``: ``false`` turns off loading the app once in the master
  before forking (on by default, see below).

Preloading: the master builds the app, then forks the workers. A
configuration error stops the master with one line before it listens; workers are ready the moment they exist, so a cold
start never accepts connections that no loaded worker can serve yet (on a
small host that stall exceeds a second); and the imported code is shared
copy-on-write. The price: ``HUP`` restarts workers from the code the master
already holds, so deploying new code needs a new master (restart the
service, or ``USR2`` then ``WINCH`` and ``QUIT`` to the old master for zero
downtime), or ``GUNICORN_PRELOAD=false`` to make ``HUP`` reload code.

Metrics: ``/metrics`` adds up every worker's counts through prometheus-client's
multiprocess mode. Each worker writes its values to files in
``PROMETHEUS_MULTIPROC_DIR``; unless you set it, this file makes a fresh
directory per master (and removes it at exit). A directory you set yourself
is emptied at start, as prometheus-client requires. A worker that exits is
marked dead, so its gauges stop counting while its counters still add up.

Graceful restarts: ``kill -HUP <master>`` starts new workers and lets the old
ones finish their requests (up to ``graceful_timeout``); ``TERM`` drains and
stops. The revocation view, its poll loop and the Redis listener are per process and start
lazily in each worker, so nothing has to be re-wired after a fork.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any


def _usable_cores() -> int:
    """Cores this process may run on (respects CPU affinity and cgroup-pinned containers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _metrics_directory() -> tuple[str, bool]:
    """The multiprocess metrics directory, empty, and whether this file made it.

    It must be in the environment before the app imports prometheus-client.
    """
    chosen = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        for stale in Path(chosen).glob("*.db"):
            stale.unlink()
        return chosen, False
    made = tempfile.mkdtemp(prefix="flask-auth-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    return made, True


METRICS_DIR, METRICS_DIR_OWNED = _metrics_directory()

bind = [address.strip() for address in os.environ.get("BIND", "").split(",") if address.strip()] or [
    f"127.0.0.1:{os.environ.get('PORT', '3001')}"
]
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or _usable_cores())
threads = int(os.environ.get("GUNICORN_THREADS") or 8)

# A login waiting at the app's argon2 gate holds a request thread. Unless HASH_QUEUE is
# set, let no more logins wait than leaves RESERVED_THREADS per worker for everything
# else: a login flood then meets quick 503s instead of taking every thread from the probe.
# (With --threads on the command line this file cannot see the value: set HASH_QUEUE.)
RESERVED_THREADS = 2
os.environ.setdefault(
    "HASH_QUEUE", str(max(0, threads - int(os.environ.get("HASH_CONCURRENCY") or 2) - RESERVED_THREADS))
)

# 5 s lets nginx or a load balancer reuse upstream connections between page views.
keepalive = 5
timeout = 30
graceful_timeout = 20
# No max_requests: recycling a worker would reset its in-memory rate-limit counters
# (without REDIS_URL they live in the process).

accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Gunicorn itself must not believe X-Forwarded-* (it only affects its own logs and
# wsgi.url_scheme); the app does that, hop-counted, with TRUSTED_PROXY_COUNT.
forwarded_allow_ips = ""

preload_app = os.environ.get("GUNICORN_PRELOAD", "true").strip().lower() not in ("0", "false", "no", "off")

# Gunicorn's control socket has one default path per user: several masters on one
# host (blue/green, the tests) would take it from each other. Signals do the job.
control_socket_disable = True


def post_fork(_server: Any, worker: Any) -> None:
    """With a preloaded app, drop the SQLAlchemy pool inherited from the master.

    Two processes must never share one database connection; ``close=False``
    leaves the master's sockets alone and makes this worker open its own.
    """
    if not preload_app:
        return
    application = worker.app.wsgi()
    database = application.extensions.get("sqlalchemy")
    if database is None:  # an app without a database, such as the bench's floor
        return
    with application.app_context():
        for engine in database.engines.values():
            engine.dispose(close=False)


def child_exit(_server: Any, worker: Any) -> None:
    """A worker is gone (exited, killed, recycled): its live gauges stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(_server: Any) -> None:
    if METRICS_DIR_OWNED:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)

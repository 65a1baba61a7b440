"""Production serving with granian: ``python granian_serve.py`` (after ``flask db upgrade``).

An optional argument names another WSGI app (``module:attribute``; the benchmarks serve their floor app so).

The same app and the same sizing as ``gunicorn.conf.py``, on granian's Rust
HTTP server through its WSGI interface. What it sets up that a bare
``granian --interface wsgi app:app`` would not:

- **Metrics**: ``/metrics`` adds up every worker through prometheus-client's
  multiprocess mode. ``PROMETHEUS_MULTIPROC_DIR`` is made fresh per master
  (or, when you set it, emptied at start) before any worker imports the app,
  a worker that exits is marked dead (its gauges stop counting, its counters
  still add up), and a directory this file made is removed at exit.
- **The hashing gate**: unless ``HASH_QUEUE`` is set, no more logins wait for
  argon2 than leave ``RESERVED_THREADS`` blocking threads per worker for the
  probe and everything else (as ``gunicorn.conf.py`` does with its threads).
- **Workers**: granian forks them from this process, which never imports the
  app, so each worker builds its own app: its database pool, revocation view,
  poll loop and Redis listener are its own and start lazily on first use. A
  worker that dies is started again (``--respawn-failed-workers``).
- **Graceful stop**: ``TERM`` (or ``INT``) stops accepting, lets the requests
  in flight finish, then stops; a worker still busy after
  ``GRANIAN_KILL_TIMEOUT`` seconds is killed. ``HUP`` replaces the workers one
  by one with fresh imports of the code (a deploy needs no new master).

Environment (all optional): ``BIND`` (one ``host:port``; default
``127.0.0.1:$PORT``, ``PORT`` defaulting to 3001), ``WEB_CONCURRENCY``
(workers, default the usable cores), ``GRANIAN_BLOCKING_THREADS`` (threads
running the app per worker, default 8), ``GRANIAN_KILL_TIMEOUT`` (default 20),
``GRANIAN_ACCESS_LOG`` (``true`` for an access log on stderr; off by default).

Granian's own difference to know: a worker that dies twice within about 5.5 s
is taken for a crash loop and the whole server exits (gunicorn keeps
restarting it). Run it under a supervisor that restarts the service.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

RESERVED_THREADS = 2
REAP_SECONDS = 1.0


def usable_cores() -> int:
    """Cores this process may run on (respects CPU affinity and cgroup-pinned containers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def metrics_directory() -> tuple[str, bool]:
    """The multiprocess metrics directory, empty, and whether this file made it.

    It must be in the environment before a worker imports prometheus-client.
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


def hash_queue(blocking_threads: int) -> str:
    """Logins that may wait at the argon2 gate, leaving threads for everything else."""
    return str(max(0, blocking_threads - int(os.environ.get("HASH_CONCURRENCY") or 2) - RESERVED_THREADS))


def writers(directory: str) -> set[int]:
    """PIDs that have live-gauge files in the metrics directory."""
    pids = set()
    for path in Path(directory).glob("gauge_live*_*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit():
            pids.add(int(pid))
    return pids


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_dead_workers(directory: str, stop: threading.Event, mark_dead: Callable[[int, str], None]) -> None:
    """Mark every worker that has exited dead, as gunicorn's ``child_exit`` hook does.

    Granian has no per-worker exit hook, so the master looks at the writers of
    live gauges once a second.
    """
    while not stop.wait(REAP_SECONDS):
        for pid in writers(directory):
            if not alive(pid):
                mark_dead(pid, directory)


def bind_address() -> tuple[str, int]:
    chosen = os.environ.get("BIND", "").strip() or f"127.0.0.1:{os.environ.get('PORT', '3001')}"
    host, _, port = chosen.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def main(target: str = "app:app") -> None:
    directory, owned = metrics_directory()
    # Imported here: after the directory is in the environment (prometheus-client reads it
    # on import, and the forked workers inherit the module), and before the reaper thread
    # runs (a thread importing while the master forks can leave a worker on a held lock).
    from granian.constants import Interfaces
    from granian.server import Server
    from prometheus_client import multiprocess

    blocking_threads = int(os.environ.get("GRANIAN_BLOCKING_THREADS") or 8)
    os.environ.setdefault("HASH_QUEUE", hash_queue(blocking_threads))
    host, port = bind_address()
    server = Server(
        target,
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=int(os.environ.get("WEB_CONCURRENCY") or usable_cores()),
        blocking_threads=blocking_threads,
        workers_kill_timeout=int(os.environ.get("GRANIAN_KILL_TIMEOUT") or 20),
        respawn_failed_workers=True,
        respawn_interval=0.5,
        log_access=os.environ.get("GRANIAN_ACCESS_LOG", "").strip().lower() in ("1", "true", "yes", "on"),
        websockets=False,
    )
    stop = threading.Event()
    reaper = threading.Thread(
        target=reap_dead_workers, args=(directory, stop, multiprocess.mark_process_dead), daemon=True
    )
    server.on_startup(reaper.start)
    server.on_shutdown(stop.set)
    try:
        server.serve()
    finally:
        stop.set()
        if owned:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main(*sys.argv[1:2])

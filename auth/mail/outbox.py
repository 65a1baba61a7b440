"""Mail leaves off the request path: a bounded queue and one worker thread per process.

A view puts a job on the queue and answers at once, so a slow or dead SMTP
server never holds a request thread, and the reply to "mail me a reset link"
takes the same time whether or not a mail is sent. When the queue is full
(the mail server is far behind) the job is dropped and audited rather than
making the request wait.

The worker starts on the first job in each process, so a ``gunicorn
--preload`` master that forks workers does not hand them a dead thread.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable

from flask import Flask

from auth.core.audit import audit
from models import db

log = logging.getLogger(__name__)
Job = Callable[[], None]


class Outbox:
    def __init__(self, app: Flask, capacity: int = 200) -> None:
        self._app = app
        self._queue: queue.Queue[tuple[str, Job]] = queue.Queue(maxsize=capacity)
        self._lock = threading.Lock()
        self._worker_pid: int | None = None

    def submit(self, label: str, job: Job) -> None:
        """Run ``job`` later in an app context; never blocks."""
        self._ensure_worker()
        try:
            self._queue.put_nowait((label, job))
        except queue.Full:
            audit("mail_dropped", job=label, reason="the outbox is full")

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every submitted job has run (tests, ``flask mail test``)."""
        done = threading.Event()

        def join() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=join, daemon=True).start()
        return done.wait(timeout)

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._worker_pid != os.getpid():
                self._worker_pid = os.getpid()
                threading.Thread(target=self._run, name="mail-outbox", daemon=True).start()

    def _run(self) -> None:
        while True:
            label, job = self._queue.get()
            try:
                with self._app.app_context():
                    try:
                        job()
                    except Exception as error:  # noqa: BLE001 - a failed job must not end the worker
                        db.session.rollback()
                        log.error("mail job %s failed: %s", label, error.__class__.__name__)
                        audit("mail_failed", job=label, reason=error.__class__.__name__)
                    finally:
                        db.session.remove()
            finally:
                self._queue.task_done()

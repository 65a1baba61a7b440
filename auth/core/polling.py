"""One background thread per process that keeps in-memory views of the database fresh.

Views that answer every request from memory (the revocation view; later,
others such as a membership view) refresh that memory by polling a table.
Polling inline, in whichever request finds the memory old, makes that request
and every request waiting on it pay for a database read: under a login flood,
with the worker's threads fighting over the GIL, that read took tens to
hundreds of milliseconds, and every probe in the worker waited for it
(bench/README.md, issue 18). Here the polls run in a daemon thread instead,
and requests only read memory.

To hang a view off the loop, give it a ``poll(now)`` method that reads what
it needs and records when it last succeeded, and ``add`` it::

    state.poll_loop.add(my_view)

Each ``poll`` runs inside an app context (so ``db.session`` works and is
removed afterwards), every ``interval`` seconds, one poller after another;
one that raises is logged and the others still run. A poller that needs a
slower pace skips rounds itself. The views decide what stale means: the loop
promises nothing but trying. Whoever reads a view calls ``ensure_running()``
(cheap): the thread starts lazily in each process, after a pre-fork server
has forked, like ``auth.core.fanout.RedisFanout.ensure_listening``.
"""

from __future__ import annotations

import inspect
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

log = logging.getLogger(__name__)


class Poller(Protocol):
    def poll(self, now: float) -> None:
        """Refresh from the database; ``now`` is ``time.time()``."""


class PollLoop:
    def __init__(self, interval: float, context: Callable[[], AbstractContextManager[object]]) -> None:
        """``context`` is usually ``app.app_context``; it is held weakly, so the
        thread ends once its app is gone (tests build many apps in one process).
        """
        self._interval = interval
        self._context = weakref.WeakMethod(context) if inspect.ismethod(context) else lambda: context
        self._pollers: list[Poller] = []
        self._pid: int | None = None
        self._wake = threading.Event()
        self._starting = threading.Lock()

    def add(self, poller: Poller) -> None:
        if poller not in self._pollers:
            self._pollers.append(poller)

    def ensure_running(self) -> None:
        """Start this process's thread unless it runs already."""
        if self._pid == os.getpid():
            return
        with self._starting:  # the first requests of a process arrive together: one thread, not several
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._wake = threading.Event()  # a fresh one: a forked child must not share the parent's state
            threading.Thread(target=self._run, name="poll-loop", daemon=True).start()

    def wake(self) -> None:
        """Poll now rather than at the end of the interval (e.g. after missing pushed updates)."""
        self._wake.set()

    def _run(self) -> None:
        pid = os.getpid()
        while self._pid == pid:
            context = self._context()
            if context is None:
                return  # the app is gone
            started = time.monotonic()
            with context():
                self.poll_all(time.time())
            del context
            self._wake.wait(max(0.0, self._interval - (time.monotonic() - started)))
            self._wake.clear()

    def poll_all(self, now: float) -> None:
        for poller in list(self._pollers):
            try:
                poller.poll(now)
            except Exception:  # one broken view must not stop the others' polls
                log.exception("poller %r failed", poller)

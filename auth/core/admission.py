"""Admission control for password hashing.

argon2 is slow and memory-hungry by design, so a login flood could take every
worker thread and starve the cheap requests (the Next.js probe). At most
``concurrency`` hashes run per process; at most ``queue`` more wait; anything
beyond is refused at once with 503 and ``Retry-After`` instead of piling up.
Both the refusals and the waiting checks are metrics (``auth.core.metrics``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from auth.core.errors import Unavailable
from auth.core.metrics import HASH_REFUSED, HASH_WAITING

WAIT_SECONDS = 5.0


class HashGate:
    def __init__(self, concurrency: int, queue: int) -> None:
        self._slots = threading.BoundedSemaphore(concurrency)
        self._capacity = concurrency + queue
        self._admitted = 0
        self._lock = threading.Lock()

    def refuse_if_full(self) -> None:
        """Refuse now, before any other work, when ``admit`` would refuse.

        Under a flood most sign-ins are refused; checking first keeps each
        refusal to a few microseconds instead of a database read for the user,
        work that held up every other request of the process (issue 18). A
        sign-in let through here may still be refused by ``admit``.
        """
        if self._admitted >= self._capacity:
            raise _refused()

    @contextmanager
    def admit(self) -> Iterator[None]:
        with self._lock:
            if self._admitted >= self._capacity:
                raise _refused()
            self._admitted += 1
        try:
            HASH_WAITING.inc()
            try:
                acquired = self._slots.acquire(timeout=WAIT_SECONDS)
            finally:
                HASH_WAITING.dec()
            if not acquired:
                raise _refused()
            try:
                yield
            finally:
                self._slots.release()
        finally:
            with self._lock:
                self._admitted -= 1


def _refused() -> Unavailable:
    HASH_REFUSED.inc()
    return Unavailable("Too many sign-ins in progress; try again in a moment.", retry_after=1)

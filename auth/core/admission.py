"""Admission control for password hashing.

argon2 is slow and memory-hungry by design, so a login flood could take every
worker thread and starve the cheap requests (the Next.js probe). At most
``concurrency`` hashes run per process; at most ``queue`` more wait; anything
beyond is refused at once with 503 and ``Retry-After`` instead of piling up.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from auth.core.errors import Unavailable

WAIT_SECONDS = 5.0


class HashGate:
    def __init__(self, concurrency: int, queue: int) -> None:
        self._slots = threading.BoundedSemaphore(concurrency)
        self._capacity = concurrency + queue
        self._admitted = 0
        self._lock = threading.Lock()

    @contextmanager
    def admit(self) -> Iterator[None]:
        with self._lock:
            if self._admitted >= self._capacity:
                raise Unavailable("Too many sign-ins in progress; try again in a moment.", retry_after=1)
            self._admitted += 1
        try:
            if not self._slots.acquire(timeout=WAIT_SECONDS):
                raise Unavailable("Too many sign-ins in progress; try again in a moment.", retry_after=1)
            try:
                yield
            finally:
                self._slots.release()
        finally:
            with self._lock:
                self._admitted -= 1

"""argon2id hashing: hash, verify, rehash on login, and the dummy hash.

An unknown username is verified against a dummy hash, so it costs the time
of a wrong password and a timing probe cannot tell which usernames exist.
The dummy's parameters follow the hashes actually stored, not today's
settings: a hash keeps the parameters it was made with until its owner next
signs in, so after a change of ``ARGON2_*`` most stored hashes may still be
slower (or faster) than a new one. Every ``DUMMY_REFRESH_SECONDS`` the dummy
is remade with the parameters most common in a random sample of stored
hashes (a tie goes to the slower), so an unknown name costs what most real
names cost. Names whose hash has less common parameters stay measurable
until their next sign-in upgrades the hash; see docs/threat-model.md.

Hashing runs in a small pool of threads at a lower CPU priority (nice +10),
one thread per admitted hash (``HASH_CONCURRENCY``). argon2 releases the GIL
and its lanes run in threads that inherit that priority, so under a login
flood the cores still go first to the cheap requests (the middleware probe
on every page view), and logins take whatever CPU is left, which on an idle
machine is all of it.
"""

from __future__ import annotations

import os
import secrets
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import Parameters, PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from auth.core.settings import Settings

HASH_NICE = 10
DUMMY_REFRESH_SECONDS = 3600.0
T = TypeVar("T")


def lower_thread_priority() -> None:
    """Make the calling thread (and threads it starts) yield the CPU to request threads.

    On Linux, nice is per thread and inherited by threads the thread creates.
    Elsewhere, or where it is refused, hashing keeps the normal priority.
    """
    if not sys.platform.startswith("linux"):
        return
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + HASH_NICE))
    except OSError:
        return


class Passwords:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        self._dummy_matched_at = float("-inf")
        self._threads = settings.hash_concurrency
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        self._pool_lock = threading.Lock()

    def _in_pool(self, work: Callable[..., T], *args: str) -> T:
        """Run ``work`` in this process's low-priority hashing threads (made after a fork)."""
        with self._pool_lock:
            if self._pool is None or self._pool_pid != os.getpid():
                self._pool = ThreadPoolExecutor(
                    self._threads, thread_name_prefix="argon2", initializer=lower_thread_priority
                )
                self._pool_pid = os.getpid()
            pool = self._pool
        return pool.submit(work, *args).result()

    def hash(self, password: str) -> str:
        return self._in_pool(self._hasher.hash, password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; with no hash, burn the same time and fail."""
        try:
            return self._in_pool(self._hasher.verify, stored_hash or self._dummy, password) and stored_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def dummy_due(self, now: float) -> bool:
        """Whether the dummy should be matched to the stored hashes again."""
        return now - self._dummy_matched_at >= DUMMY_REFRESH_SECONDS

    def match_dummy(self, stored_hashes: Iterable[str], now: float) -> None:
        """Remake the dummy with the parameters most common among ``stored_hashes``."""
        self._dummy_matched_at = now
        parameters = most_common_parameters(stored_hashes)
        if parameters is not None and parameters != extract_parameters(self._dummy):
            hasher = PasswordHasher.from_parameters(parameters)
            self._dummy = self._in_pool(hasher.hash, secrets.token_urlsafe(16))

    def needs_rehash(self, stored_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True


def most_common_parameters(hashes: Iterable[str]) -> Parameters | None:
    """The argon2 parameters most hashes were made with; on a tie, the costlier ones."""
    counts: Counter[str] = Counter()
    found: dict[str, Parameters] = {}  # Parameters is unhashable: keyed by its repr
    for stored_hash in hashes:
        try:
            parameters = extract_parameters(stored_hash)
        except InvalidHashError:
            continue
        key = repr(parameters)
        counts[key] += 1
        found[key] = parameters
    if not counts:
        return None
    best = max(counts, key=lambda key: (counts[key], found[key].time_cost * found[key].memory_cost))
    return found[best]

"""The key check every request with ``Authorization: Bearer fak_...`` makes, cheap on the common path.

In order:

1. the process's cache of verified keys (digest -> grant): a key seen
   before costs a SHA-256 and a dict lookup;
2. otherwise shape and CRC32 checksum (``keyformat.well_formed``): a
   mistyped or altered key (never in the cache: its digest differs) is
   refused here, before any lookup; then one query (``store.find_grant``:
   the key exists, is not revoked, its user exists and is not locked), whose
   answer is cached for at most ``max_age``;
3. the expiry;
4. the revocation view (memory, refreshed by poll and Redis): the key's own
   entry and its user's. Entries stay in that view longer than ``max_age``
   (the access-token life plus an overlap, see ``auth.core.revocation``), so a
   grant cached before a revocation is re-read from the database before the
   view forgets the entry that refuses it.
"""

from __future__ import annotations

import threading

from auth.apikeys.keyformat import LENGTH, digest, well_formed
from auth.apikeys.store import Grant, find_grant, revocation_id, user_revocation_id
from auth.core.errors import Unauthorized
from auth.core.revocation import RevocationView
from auth.core.texts import N_

MAX_AGE_SECONDS = 30.0
MAX_ENTRIES = 10_000
TOUCH_EVERY_SECONDS = 60.0
ADDRESSES_REMEMBERED = 1_000
"""Per key and process; beyond it the set starts again (a new address then costs one more read)."""


class VerifiedKeys:
    """digest -> grant, per process, each entry re-read from the database after ``max_age`` seconds."""

    def __init__(self, max_age: float, max_entries: int = MAX_ENTRIES) -> None:
        self._max_age = max_age
        self._max_entries = max_entries
        self._grants: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def get(self, key_digest: str, now: float) -> Grant | None:
        grant = self._grants.get(key_digest)
        if grant is None or now - grant.verified_at >= self._max_age:
            return None
        return grant

    def put(self, key_digest: str, grant: Grant) -> None:
        with self._lock:
            if len(self._grants) >= self._max_entries:
                self._grants.clear()
            self._grants[key_digest] = grant


class Usage:
    """Per process: when each key's ``last_used_at`` was last written, and the addresses it was seen from."""

    def __init__(self) -> None:
        self._written: dict[int, float] = {}
        self._addresses: dict[int, set[str]] = {}
        self._lock = threading.Lock()

    def touch_due(self, key_id: int, now: float) -> bool:
        """True at most once per ``TOUCH_EVERY_SECONDS`` per key (and claims that turn)."""
        if now - self._written.get(key_id, float("-inf")) < TOUCH_EVERY_SECONDS:
            return False
        with self._lock:
            if now - self._written.get(key_id, float("-inf")) < TOUCH_EVERY_SECONDS:
                return False
            self._written[key_id] = now
            return True

    def is_new_address(self, grant: Grant, address: str) -> bool:
        """True the first time this process sees ``address`` for the key and the database did not know it."""
        known = self._addresses.get(grant.key_id)
        if known is not None and address in known:
            return False
        with self._lock:
            known = self._addresses.setdefault(grant.key_id, set(grant.addresses))
            if address in known:
                return False
            if len(known) >= ADDRESSES_REMEMBERED:
                known.clear()
            known.add(address)
            return True


def check_key(cache: VerifiedKeys, revocations: RevocationView, key: str, now: float) -> Grant:
    """The grant of a key that may act now, or Unauthorized."""
    if len(key) != LENGTH:
        raise Unauthorized(N_("The API key is not valid."))
    key_digest = digest(key)
    grant = cache.get(key_digest, now)
    if grant is None:
        if not well_formed(key):
            raise Unauthorized(N_("The API key is not valid."))
        grant = find_grant(key_digest, now)
        if grant is None:
            raise Unauthorized(N_("The API key is not valid, or was revoked."))
        cache.put(key_digest, grant)
    if grant.expires_at is not None and now >= grant.expires_at:
        raise Unauthorized(N_("The API key has expired."))
    if revocations.refuses(revocation_id(grant.key_id), 0, now) or revocations.refuses(
        user_revocation_id(grant.user_id), 0, now
    ):
        raise Unauthorized(N_("The API key was revoked."))
    return grant

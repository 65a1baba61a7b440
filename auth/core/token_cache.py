"""Verified access tokens, remembered per process so the probe skips re-verifying them.

The Next.js middleware presents the same access token on every page view for
the token's whole life; verifying its signature again each time is most of
the probe's cost. A token string that verified once always verifies (the key
is fixed for the process), so its claims are kept, keyed by the exact string.
Expiry and revocation are still checked on every use; only signature and
claim checks are skipped. Only tokens that verified are kept, so nobody can
fill the cache with junk, and it is bounded (oldest out first).
"""

from __future__ import annotations

import threading

from auth.core.tokens import AccessClaims


class VerifiedTokens:
    def __init__(self, max_entries: int = 4096) -> None:
        self._claims: dict[str, AccessClaims] = {}
        self._max = max_entries
        self._lock = threading.Lock()

    def get(self, token: str) -> AccessClaims | None:
        return self._claims.get(token)

    def put(self, token: str, claims: AccessClaims) -> None:
        with self._lock:
            if len(self._claims) >= self._max:
                del self._claims[next(iter(self._claims))]
            self._claims[token] = claims

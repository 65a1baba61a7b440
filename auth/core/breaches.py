"""Breached passwords, looked up in the Have I Been Pwned range API with k-anonymity.

Only the first five hex characters of the password's SHA-1 leave the server
(``GET {HIBP_URL}/range/ABCDE``); the reply lists every known suffix under
that prefix as ``SUFFIX:COUNT`` lines, and the match is made here. The reply
is padded with zero-count decoys (``Add-Padding``), so its size says nothing
about the prefix either. When the service cannot be asked in time, the check
fails open: the password is accepted and an audit line says the check was
skipped, so an outage of a third party never stops sign-ups.
"""

from __future__ import annotations

import hashlib
import http.client
import urllib.request

from auth.core.audit import audit

TIMEOUT_SECONDS = 2.0
PREFIX_LENGTH = 5
HEADERS = {"Add-Padding": "true", "User-Agent": "flask-auth"}


class BreachedPasswords:
    """``seen(password)``: whether the password is in a known breach; ``base_url`` None: never asked."""

    def __init__(self, base_url: str | None, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self._base = base_url.rstrip("/") if base_url else None
        self._timeout = timeout

    def seen(self, password: str) -> bool:
        if self._base is None:
            return False
        digest = hashlib.sha1(password.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest().upper()
        prefix, suffix = digest[:PREFIX_LENGTH], digest[PREFIX_LENGTH:]
        try:
            lines = self._range(prefix)
        except (OSError, http.client.HTTPException, ValueError) as error:  # down, slow, an HTTP error, garbage
            audit("breach_check_unavailable", reason=error.__class__.__name__)
            return False
        return any(_count(line, suffix) > 0 for line in lines)

    def _range(self, prefix: str) -> list[str]:
        url = f"{self._base}/range/{prefix}"
        request = urllib.request.Request(url, headers=HEADERS)  # noqa: S310 - HIBP_URL is http(s), checked at start
        with urllib.request.urlopen(request, timeout=self._timeout) as reply:  # noqa: S310 - as above
            return reply.read(1 << 20).decode("ascii").splitlines()


def _count(line: str, suffix: str) -> int:
    """The count on a ``SUFFIX:COUNT`` line for ``suffix``; 0 for another suffix or a padding line."""
    candidate, _, count = line.strip().partition(":")
    if candidate.upper() != suffix:
        return 0
    return int(count) if count.strip().isdigit() else 0

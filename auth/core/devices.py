"""Device tokens: proof that this browser signed in as this user before (OWASP "device cookies").

After a successful sign-in the browser gets ``d1.<nonce>.<issued>.<mac>``,
the MAC an HMAC-SHA-256 under a key derived from ``JWT_SECRET`` over the
nonce, the issue time and the username key it was issued for. Nothing in it
is secret or names the user; only this server can make one, and one made
for a user proves nothing for another. A token signed under a key in
``JWT_PREVIOUS_SECRETS`` still verifies, so rotating the secret does not
make every browser a stranger. ``auth.web.limits`` decides what a known
device may do.
"""

from __future__ import annotations

import base64
import hmac
import secrets

VERSION = "d1"
CLOCK_SKEW_SECONDS = 60
MAX_TOKEN_LENGTH = 200


class DeviceTokens:
    def __init__(self, secret: bytes, previous: tuple[bytes, ...], ttl: int) -> None:
        self._keys = tuple(hmac.new(key, b"device-token", "sha256").digest() for key in (secret, *previous))
        self._ttl = ttl

    def issue(self, user_key: str, *, now: float, nonce: str | None = None) -> str:
        """A token for ``user_key``; keep ``nonce`` to stay the same device (its failure count)."""
        nonce = nonce or secrets.token_urlsafe(16)
        issued = str(int(now))
        return f"{VERSION}.{nonce}.{issued}.{self._mac(self._keys[0], nonce, issued, user_key)}"

    def verify(self, token: str, user_key: str, *, now: float) -> str | None:
        """The device's nonce when ``token`` is ours, unexpired and issued for ``user_key``; else None."""
        if len(token) > MAX_TOKEN_LENGTH:
            return None
        parts = token.split(".")
        if len(parts) != 4 or parts[0] != VERSION or not parts[2].isascii() or not parts[2].isdigit():
            return None
        _, nonce, issued, mac = parts
        if not int(issued) - CLOCK_SKEW_SECONDS <= now < int(issued) + self._ttl:
            return None
        for key in self._keys:
            if hmac.compare_digest(mac.encode(), self._mac(key, nonce, issued, user_key).encode()):
                return nonce
        return None

    @staticmethod
    def _mac(key: bytes, nonce: str, issued: str, user_key: str) -> str:
        message = f"{VERSION}.{nonce}.{issued}.{user_key}".encode("utf-8", "surrogatepass")
        return base64.urlsafe_b64encode(hmac.new(key, message, "sha256").digest()).decode().rstrip("=")

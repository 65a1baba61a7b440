"""The key format: ``fak_<43 base62 characters: 256 random bits>_<6 base62 characters: CRC32>``.

Like GitHub's tokens, the checksum lets a secret scanner recognise a leaked
key without asking the server, and lets the server refuse a mistyped or
altered key before any lookup. The checksum is no secret and proves nothing
about who made the key: only the stored digest does.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import zlib

PREFIX = "fak_"
ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
RANDOM_BITS = 256
RANDOM_CHARS = 43
"""62**43 > 2**256: every 256-bit number fits, padded with leading zeros."""
CHECKSUM_CHARS = 6
"""62**6 > 2**32."""
LENGTH = len(PREFIX) + RANDOM_CHARS + 1 + CHECKSUM_CHARS
SHOWN_CHARS = 12
"""``prefix``: ``fak_`` and the first 8 random characters, for a person to tell keys apart."""
_CHARSET = frozenset(ALPHABET)


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, digit = divmod(number, 62)
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits)).rjust(width, ALPHABET[0])


def checksum(body: str) -> str:
    """The CRC32 of ``fak_<random>`` in base62, six characters."""
    return _base62(zlib.crc32(body.encode("ascii")), CHECKSUM_CHARS)


def new_key() -> str:
    body = PREFIX + _base62(secrets.randbits(RANDOM_BITS), RANDOM_CHARS)
    return f"{body}_{checksum(body)}"


def well_formed(key: str) -> bool:
    """Shape and checksum hold: cheap, and decided without the database."""
    if len(key) != LENGTH or not key.startswith(PREFIX) or key[-CHECKSUM_CHARS - 1] != "_":
        return False
    body, check = key[: -CHECKSUM_CHARS - 1], key[-CHECKSUM_CHARS:]
    random_part = body[len(PREFIX) :]
    if not _CHARSET.issuperset(random_part) or not _CHARSET.issuperset(check):
        return False
    return secrets.compare_digest(checksum(body), check)


def digest(key: str) -> str:
    """What is stored: SHA-256 in hex (a key is random enough that no slow hash is needed)."""
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def shown_prefix(key: str) -> str:
    return key[:SHOWN_CHARS]

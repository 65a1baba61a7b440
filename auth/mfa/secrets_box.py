"""TOTP secrets at rest: AES-GCM under a key derived from JWT_SECRET with HKDF.

The user id is the associated data, so a ciphertext copied onto another
user's row does not decrypt. Changing JWT_SECRET makes stored TOTP secrets
unreadable: users then enrol again (``flask users reset-mfa``).
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


def derive_key(secret: bytes, purpose: bytes) -> bytes:
    """A 32-byte key for one purpose, independent of the JWT signing use of ``secret``."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"flask-auth " + purpose).derive(secret)


class SecretBox:
    def __init__(self, server_secret: bytes) -> None:
        self._aead = AESGCM(derive_key(server_secret, b"totp secret"))

    def seal(self, plaintext: str, user_id: int) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), str(user_id).encode())
        return base64.b64encode(nonce + sealed).decode()

    def open(self, token: str, user_id: int) -> str:
        """The plaintext; raises ``cryptography.exceptions.InvalidTag`` when it was tampered with or moved."""
        raw = base64.b64decode(token)
        return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], str(user_id).encode()).decode()

"""Signing keys from settings, the keys that still verify, and the public JWKS.

One key signs: ``JWT_SECRET`` with HS256, or the private key in
``JWT_PRIVATE_KEY_FILE`` with EdDSA or ES256. Every token names its key in
the ``kid`` header, HS256 included (a fingerprint of the secret, from which
the secret cannot be learnt), and verification picks the key by that ``kid``
with the algorithm pinned to that key, never taken from the token.

Keys being retired verify but never sign: ``JWT_PREVIOUS_SECRETS`` (HS256)
and ``JWT_PREVIOUS_KEY_FILES`` (PEM, private or public, EdDSA or ES256).
So a key rotates in two steps without signing anyone out: add the new one
and list the old one as previous; drop the old one once every token it
signed has expired (``ACCESS_TOKEN_TTL``). Asymmetric public keys, current
and previous, are published in ``/.well-known/jwks.json``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from jwt.algorithms import ECAlgorithm, OKPAlgorithm

from auth.core.settings import ConfigError, Settings
from auth.core.tokens import Keys, VerifyingKey


def load_keys(settings: Settings) -> Keys:
    verifiers: dict[str, VerifyingKey] = {}
    for secret in settings.jwt_previous_secrets:
        verifiers[secret_kid(secret)] = VerifyingKey("HS256", secret)
    for path in settings.jwt_previous_key_files:
        public = _public_key(_load_pem(path, "JWT_PREVIOUS_KEY_FILES", private=False))
        verifiers[_public_kid(public)] = VerifyingKey(_algorithm_of(public, "JWT_PREVIOUS_KEY_FILES"), public)
    if settings.jwt_algorithm == "HS256":
        kid = secret_kid(settings.jwt_secret)
        verifiers[kid] = VerifyingKey("HS256", settings.jwt_secret)
        return Keys("HS256", settings.jwt_secret, kid, verifiers)
    assert settings.jwt_private_key_file is not None
    private = _load_pem(settings.jwt_private_key_file, "JWT_PRIVATE_KEY_FILE", private=True)
    public = _public_key(private)
    if _algorithm_of(public, "JWT_PRIVATE_KEY_FILE") != settings.jwt_algorithm:
        raise ConfigError(f"JWT_PRIVATE_KEY_FILE does not hold a key for {settings.jwt_algorithm}")
    kid = _public_kid(public)
    verifiers[kid] = VerifyingKey(settings.jwt_algorithm, public)
    return Keys(settings.jwt_algorithm, private, kid, verifiers)


def secret_kid(secret: bytes) -> str:
    """A shared secret's public name: an HMAC of a fixed label under the secret, shortened."""
    digest = hmac.new(secret, b"flask-auth key id", "sha256").digest()[:12]
    return "hs-" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def jwks(keys: Keys) -> dict[str, Any] | None:
    """The public key set (current and previous asymmetric keys), or None when there is none."""
    published = []
    for kid, verifier in keys.verifiers.items():
        if verifier.algorithm == "HS256":
            continue
        algorithm = OKPAlgorithm if verifier.algorithm == "EdDSA" else ECAlgorithm
        jwk = json.loads(algorithm.to_jwk(verifier.key))
        jwk.update({"kid": kid, "alg": verifier.algorithm, "use": "sig"})
        published.append(jwk)
    return {"keys": published} if published else None


def _load_pem(path: str, variable: str, *, private: bool) -> Any:
    pem = Path(path).read_bytes()
    try:
        return serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        if private:
            raise ConfigError(f"{variable} is not an unencrypted PEM private key") from None
    try:
        return serialization.load_pem_public_key(pem)
    except ValueError:
        raise ConfigError(f"{variable} entry {path!r} is not a PEM private or public key") from None


def _public_key(key: Any) -> Any:
    return key.public_key() if hasattr(key, "public_key") else key


def _algorithm_of(public: Any, variable: str) -> str:
    if isinstance(public, ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == "secp256r1":
        return "ES256"
    raise ConfigError(f"{variable} holds a key that is neither Ed25519 (EdDSA) nor P-256 (ES256)")


def _public_kid(public: Any) -> str:
    raw = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest()[:12]).decode().rstrip("=")

"""Signing keys from settings, and the public JWKS for asymmetric algorithms.

With HS256 the one secret signs and verifies, and nothing is published. With
EdDSA or ES256 the private key stays here; other backends verify tokens with
the public key from ``/.well-known/jwks.json``, matched by ``kid``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from jwt.algorithms import ECAlgorithm, OKPAlgorithm

from auth.core.settings import ConfigError, Settings
from auth.core.tokens import Keys

_EXPECTED = {"EdDSA": ed25519.Ed25519PrivateKey, "ES256": ec.EllipticCurvePrivateKey}


def load_keys(settings: Settings) -> Keys:
    if settings.jwt_algorithm == "HS256":
        return Keys("HS256", settings.jwt_secret, settings.jwt_secret)
    assert settings.jwt_private_key_file is not None
    pem = Path(settings.jwt_private_key_file).read_bytes()
    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except ValueError:
        raise ConfigError("JWT_PRIVATE_KEY_FILE is not an unencrypted PEM private key") from None
    if not isinstance(private, _EXPECTED[settings.jwt_algorithm]):
        raise ConfigError(f"JWT_PRIVATE_KEY_FILE does not hold a key for {settings.jwt_algorithm}")
    if isinstance(private, ec.EllipticCurvePrivateKey) and private.curve.name != "secp256r1":
        raise ConfigError("ES256 needs a P-256 (secp256r1) key in JWT_PRIVATE_KEY_FILE")
    public = private.public_key()
    raw = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    kid = base64.urlsafe_b64encode(hashlib.sha256(raw).digest()[:12]).decode().rstrip("=")
    return Keys(settings.jwt_algorithm, private, public, kid)


def jwks(keys: Keys) -> dict[str, Any] | None:
    """The public key set, or None for a symmetric algorithm."""
    if keys.kid is None:
        return None
    algorithm = OKPAlgorithm if keys.algorithm == "EdDSA" else ECAlgorithm
    jwk = json.loads(algorithm.to_jwk(keys.verifying_key))
    jwk.update({"kid": keys.kid, "alg": keys.algorithm, "use": "sig"})
    return {"keys": [jwk]}

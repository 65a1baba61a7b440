"""The key that signs ID tokens, and its public half for the JWKS.

An RSA key signs with RS256 (what most relying parties accept), a P-256 key
with ES256, an Ed25519 key with EdDSA. The ``kid`` is a fingerprint of the
public key, as for the server's own keys.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from joserfc.jwk import ECKey, OKPKey, RSAKey

from auth.core.settings import ConfigError


@dataclass(frozen=True)
class IdTokenKey:
    algorithm: str
    kid: str
    private: Any  # a joserfc key
    public_jwk: dict[str, Any]


def load_id_token_key(path: str) -> IdTokenKey:
    try:
        pem = Path(path).read_bytes()
        key = serialization.load_pem_private_key(pem, password=None)
    except (OSError, ValueError, TypeError):
        raise ConfigError("OIDC_PROVIDER_KEY_FILE is not a readable, unencrypted PEM private key") from None
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 2048:
            raise ConfigError("OIDC_PROVIDER_KEY_FILE: an RSA key needs at least 2048 bits")
        algorithm = "RS256"
    elif isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1":
        algorithm = "ES256"
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        algorithm = "EdDSA"
    else:
        raise ConfigError("OIDC_PROVIDER_KEY_FILE holds a key that is not RSA, P-256 or Ed25519")
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kid = "id-" + base64.urlsafe_b64encode(hashlib.sha256(public_der).digest()[:12]).decode().rstrip("=")
    private = {"RS256": RSAKey, "ES256": ECKey, "EdDSA": OKPKey}[algorithm].import_key(pem)
    public_jwk = json.loads(json.dumps(private.as_dict(private=False)))
    public_jwk.update({"kid": kid, "alg": algorithm, "use": "sig"})
    return IdTokenKey(algorithm, kid, private, public_jwk)

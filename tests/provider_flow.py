"""Helpers for the OpenID provider's tests: an RSA key, clients, PKCE, one authorize round."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient

REDIRECT = "https://app.example.com/callback"
AFTER_LOGOUT = "https://app.example.com/bye"


def rsa_key_file(directory: Path) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = directory / "id_token_key.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(path)


@dataclass(frozen=True)
class Registered:
    client_id: str
    secret: str | None


def register(app: Flask, *args: str, name: str = "Demo app") -> Registered:
    """``flask clients create`` as an operator runs it."""
    result = app.test_cli_runner().invoke(
        args=["clients", "create", name, "--redirect-uri", REDIRECT, "--post-logout-redirect-uri", AFTER_LOGOUT, *args]
    )
    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.output.splitlines() if ": " in line)
    return Registered(lines["client_id"], lines.get("client_secret"))


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str


def pkce() -> Pkce:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return Pkce(verifier, challenge)


def authorize_params(client_id: str, challenge: str | None, **extra: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile email offline_access",
        "state": "st-" + secrets.token_hex(4),
        "nonce": "n-" + secrets.token_hex(4),
    }
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(extra)
    return params


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def get_code(client: FlaskClient, client_id: str, challenge: str | None, **extra: str) -> dict[str, str]:
    """Authorize for the signed-in test client (consenting if asked); the redirect's query."""
    params = authorize_params(client_id, challenge, **extra)
    reply = client.get("/oauth2/authorize", query_string=params)
    if reply.status_code == 200 and b"consent-allow" in reply.data:
        reply = client.post(
            "/oauth2/authorize", query_string=params, data={"decision": "allow"}, headers={"Origin": "http://localhost"}
        )
    assert reply.status_code == 302, reply.data[:400]
    assert reply.location.startswith(REDIRECT), reply.location
    return query_of(reply.location)

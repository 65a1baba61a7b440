"""Small helpers shared by tests: reading Set-Cookie as a browser would, forging tokens."""

from __future__ import annotations

import time
from http.cookies import SimpleCookie

import jwt

from tests.conftest import SECRET


def set_cookies(response) -> dict[str, dict[str, str]]:
    """Each Set-Cookie of a reply as {name: {"value": ..., attribute: value-or-""}}."""
    cookies: dict[str, dict[str, str]] = {}
    for header in response.headers.getlist("Set-Cookie"):
        parts = [part.strip() for part in header.split(";")]
        name, _, value = parts[0].partition("=")
        attrs = {"value": value}
        for part in parts[1:]:
            key, _, attr_value = part.partition("=")
            attrs[key.lower()] = attr_value
        cookies[name] = attrs
    return cookies


def parse_cookie_header(header: str) -> dict[str, str]:
    jar = SimpleCookie()
    jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "sub": "1",
        "sid": "no-such-session",
        "sv": 1,
        "jti": "j",
        "iat": now,
        "exp": now + 600,
        "iss": "flask-auth",
        "roles": [],
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def forge(key: str | bytes = SECRET, algorithm: str = "HS256", **overrides: object) -> str:
    return jwt.encode(claims(**overrides), key, algorithm=algorithm)


def hs256_raw(payload: dict[str, object], key: bytes) -> str:
    """An HS256 token signed with any bytes, e.g. a public key PEM (key confusion)."""
    import base64
    import hashlib
    import hmac
    import json

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = json.dumps({"alg": "HS256", "typ": "JWT"}).encode()
    signing_input = f"{part(header)}.{part(json.dumps(payload).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"

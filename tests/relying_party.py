"""A small relying party for the browser scenario: another app, on another port,
that signs its users in with this server (code flow, PKCE S256, nonce, state).

Run as ``python -m tests.relying_party`` with ``RP_PORT``, ``RP_ISSUER`` (the
provider's public issuer, where the browser goes), ``RP_API`` (where this
backend reaches the same server; the issuer's URLs are rewritten onto it),
``RP_CLIENT_ID`` and ``RP_CLIENT_SECRET``. Pages:

- ``/login``: to the provider's authorize endpoint;
- ``/callback``: checks ``state`` and ``iss``, exchanges the code, verifies the
  ID token (RS256 from the JWKS, iss, aud, nonce) and shows who signed in
  (``#rp-user``) and how (``#rp-amr``);
- ``/refresh``: tries the refresh token it holds (``#rp-refresh``: ``ok`` or
  ``refused: <error>``).

One visitor at a time: it keeps its state in memory, which is all a test needs.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import secrets
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import requests

ISSUER = os.environ.get("RP_ISSUER", "")
API = os.environ.get("RP_API", ISSUER)
CLIENT_ID = os.environ.get("RP_CLIENT_ID", "")
CLIENT_SECRET = os.environ.get("RP_CLIENT_SECRET", "")
PORT = int(os.environ.get("RP_PORT", "0") or 0)
REDIRECT = f"http://127.0.0.1:{PORT}/callback"
STATE: dict[str, Any] = {}


def internal(url: str) -> str:
    """A URL of the provider as this backend reaches it."""
    return API + url[len(ISSUER) :] if url.startswith(ISSUER) else url


def metadata() -> dict[str, Any]:
    reply = requests.get(API + "/.well-known/openid-configuration", timeout=10)
    reply.raise_for_status()
    return reply.json()


def page(body: str, status: int = 200) -> tuple[int, str]:
    return status, f"<!doctype html><html><head><title>Relying party</title></head><body>{body}</body></html>"


def login() -> tuple[int, str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    STATE.update(verifier=verifier, state=state, nonce=nonce)
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": "openid profile offline_access",
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return 302, "", metadata()["authorization_endpoint"] + "?" + urlencode(query)


def callback(query: dict[str, str]) -> tuple[int, str]:
    if query.get("state") != STATE.get("state") or query.get("iss") != ISSUER:
        return page('<p id="rp-error">state or iss does not match</p>', 400)
    if "code" not in query:
        return page(f'<p id="rp-error">{html.escape(query.get("error", "no code"))}</p>', 400)
    meta = metadata()
    reply = requests.post(
        internal(meta["token_endpoint"]),
        data={
            "grant_type": "authorization_code",
            "code": query["code"],
            "redirect_uri": REDIRECT,
            "code_verifier": STATE["verifier"],
        },
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=10,
    )
    if reply.status_code != 200:
        return page(f'<p id="rp-error">token: {html.escape(reply.text[:200])}</p>', 400)
    tokens = reply.json()
    keys = jwt.PyJWKClient(internal(meta["jwks_uri"]))
    claims = jwt.decode(
        tokens["id_token"],
        keys.get_signing_key_from_jwt(tokens["id_token"]).key,
        algorithms=["RS256"],
        audience=CLIENT_ID,
        issuer=ISSUER,
    )
    if claims.get("nonce") != STATE["nonce"]:
        return page('<p id="rp-error">nonce does not match</p>', 400)
    STATE["refresh_token"] = tokens.get("refresh_token")
    return page(
        f'<p>Signed in as <strong id="rp-user">{html.escape(claims.get("preferred_username", ""))}</strong></p>'
        f'<p id="rp-amr">{html.escape(" ".join(claims.get("amr", [])))}</p>'
    )


def refresh() -> tuple[int, str]:
    reply = requests.post(
        internal(metadata()["token_endpoint"]),
        data={"grant_type": "refresh_token", "refresh_token": STATE.get("refresh_token") or ""},
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=10,
    )
    if reply.status_code == 200:
        STATE["refresh_token"] = reply.json()["refresh_token"]
        return page('<p id="rp-refresh">ok</p>')
    return page(f'<p id="rp-refresh">refused: {html.escape(reply.json().get("error", "?"))}</p>')


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        location = ""
        if parts.path == "/login":
            status, body, location = login()
        elif parts.path == "/callback":
            status, body = callback(query)
        elif parts.path == "/refresh":
            status, body = refresh()
        elif parts.path == "/health":
            status, body = page("relying-party-ok")
        else:
            status, body = page("not found", 404)
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body.encode())


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()

"""The floor for the probe benchmark: the least any probe can do.

One route that only decodes the access-token cookie with PyJWT, with the
same key, algorithm, issuer and required claims as the server, and answers
``{"success": true}``. Served by the same gunicorn configuration as the
server, it measures the cost of HTTP, WSGI, Flask routing and the JWT check
itself; what the real probe costs beyond it (revocation check, security
headers, CSRF and limiter hooks) is the server's own overhead.
"""

from __future__ import annotations

import os

import jwt
from flask import Flask, Response, jsonify, request

ISSUER = "flask-auth"
"""The server's issuer (``Settings.jwt_issuer``)."""
REQUIRED_CLAIMS = ["sub", "sid", "jti", "iat", "exp", "iss", "roles", "sv"]

app = Flask(__name__)
secret = os.environ["JWT_SECRET"].encode()


@app.get("/auth/is-authenticated")
def probe() -> Response | tuple[Response, int]:
    try:
        jwt.decode(
            request.cookies.get("access_token", ""),
            secret,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError:
        return jsonify(success=False, message="Not authenticated."), 401
    return jsonify(success=True)

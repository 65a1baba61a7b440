"""Security headers on every reply.

JSON replies get a CSP that allows nothing; the sign-in page gets one that
allows only its own nonce'd style and posting the form to itself (and the
redirect to an allowed frontend). HSTS only outside DEV, where http is
plain localhost.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g

from auth.state import auth_state


def style_nonce() -> str:
    """The per-reply nonce the sign-in page's <style> carries."""
    if "style_nonce" not in g:
        g.style_nonce = secrets.token_urlsafe(16)
    return g.style_nonce


def add_security_headers(response: Response) -> Response:
    settings = auth_state().settings
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Not "no-referrer": under it a browser sends "Origin: null" with the sign-in
    # page's own form post, which the CSRF check must refuse.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers["Cache-Control"] = "no-store"
    response.vary.add("Origin")  # CORS headers depend on it, for every reply
    if response.mimetype == "text/html":
        form_targets = " ".join(("'self'", *settings.frontend_origins))
        headers["Content-Security-Policy"] = (
            f"default-src 'none'; style-src 'nonce-{style_nonce()}'; form-action {form_targets}; "
            "frame-ancestors 'none'; base-uri 'none'"
        )
    else:
        headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    if not settings.is_dev:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return response


def init_headers(app: Flask) -> None:
    app.after_request(add_security_headers)

"""Security headers on every reply.

JSON replies get a CSP that allows nothing; the sign-in page gets one that
allows only its own nonce'd style and posting the form to itself (and the
redirect to an allowed frontend). HSTS only outside DEV, where http is
plain localhost.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g

from auth.core.settings import Settings
from auth.core.state import auth_state

JSON_CSP = "default-src 'none'; frame-ancestors 'none'"
PAGE_HEADERS = (
    # Not "no-referrer": under it a browser sends "Origin: null" with the
    # sign-in page's own form post, which the CSRF check must refuse.
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def style_nonce() -> str:
    """The per-reply nonce the sign-in page's <style> carries."""
    if "style_nonce" not in g:
        g.style_nonce = secrets.token_urlsafe(16)
    return g.style_nonce


def allow_page_script() -> str:
    """Let this page run its own nonce'd inline script and fetch from this server; returns the nonce."""
    g.page_script = True
    return style_nonce()


def allow_form_target(origin: str) -> None:
    """Let this page's form lead to ``origin`` too: browsers apply ``form-action`` to the
    redirects that follow a submission (a consent page's answer goes back to the app)."""
    g.form_targets = (*g.get("form_targets", ()), origin)


def static_headers(settings: Settings) -> tuple[tuple[str, str], ...]:
    """The headers every reply gets, fixed at start (this runs on every probe)."""
    headers = [
        ("X-Content-Type-Options", "nosniff"),
        ("Cache-Control", "no-store"),
    ]
    if not settings.is_dev:
        headers.append(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))
    return tuple(headers)


def add_security_headers(response: Response) -> Response:
    state = auth_state()
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    headers.extend(state.static_headers)
    if "vary" not in present:
        headers.add("Vary", "Origin")  # CORS headers depend on it, for every reply
    elif "origin" not in headers["Vary"].lower():
        response.vary.add("Origin")
    if response.mimetype == "text/html":
        headers.extend(PAGE_HEADERS)
        form_targets = " ".join(("'self'", *state.settings.frontend_origins, *g.get("form_targets", ())))
        nonce = style_nonce()
        script = f"script-src 'nonce-{nonce}'; connect-src 'self'; " if g.get("page_script") else ""
        headers.add(
            "Content-Security-Policy",
            f"default-src 'none'; style-src 'nonce-{nonce}'; {script}form-action {form_targets}; "
            "frame-ancestors 'none'; base-uri 'none'",
        )
    else:
        headers.add("Content-Security-Policy", JSON_CSP)
    return response


def init_headers(app: Flask) -> None:
    app.after_request(add_security_headers)

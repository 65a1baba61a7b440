"""Cross-site request forgery defence for every unsafe method.

Auth cookies may be ``SameSite=None``, so browsers attach them to requests
that other sites start. A browser says where a request comes from; when it
says "elsewhere", the request is refused with 403:

- ``Origin`` present and not in FRONTEND_URL nor the API's own origin
  (``Origin: null`` included: sandboxed frames and opaque redirects);
- no ``Origin`` but ``Sec-Fetch-Site: cross-site``;
- neither, but the request carries the auth cookies and a ``Referer`` from
  a foreign origin (old browsers).

A request with none of these headers is not a browser's (curl, a backend)
and passes: it carries no ambient credentials it didn't choose to send.

``CSRF_MODE=double-submit`` adds a readable ``csrf_token`` cookie that every
unsafe request carrying auth cookies must echo in ``X-CSRF-Token``. Login
and refresh are exempt from the echo (a fresh browser has no token yet, and
their replies hand out a new one); the origin checks still cover them.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, request

from auth.core.audit import audit
from auth.core.errors import CSRFError
from auth.core.state import auth_state
from auth.core.urls import origin_of
from auth.web.cookies import CSRF_COOKIE, carries_auth_cookies
from auth.web.origins import is_allowed_origin
from auth.web.payload import is_form_post

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
HEADER = "X-CSRF-Token"
FORM_FIELD = "csrf_token"
ECHO_EXEMPT = frozenset({"auth.login", "auth.refresh", "auth.register"})


def csrf_token_for(secret: bytes, session_id: str) -> str:
    """The double-submit token of a session: stable, unguessable, nothing stored."""
    return hmac.new(secret, f"csrf:{session_id}".encode(), hashlib.sha256).hexdigest()


def check_request() -> None:
    if request.method in SAFE_METHODS:
        return
    settings = auth_state().settings
    origin = request.headers.get("Origin")
    fetch_site = request.headers.get("Sec-Fetch-Site", "").lower()
    referer = request.headers.get("Referer")
    if origin is not None:
        if not is_allowed_origin(settings, origin):
            _refuse("origin", origin)
    elif fetch_site == "cross-site":
        _refuse("sec-fetch-site", None)
    elif referer and carries_auth_cookies(request) and not is_allowed_origin(settings, origin_of(referer)):
        _refuse("referer", origin_of(referer))
    if settings.csrf_mode == "double-submit" and request.endpoint not in ECHO_EXEMPT and carries_auth_cookies(request):
        cookie = request.cookies.get(CSRF_COOKIE, "")
        # The API's own HTML forms cannot set a header; they carry the token as a field.
        header = request.headers.get(HEADER) or (request.form.get(FORM_FIELD, "") if is_form_post() else "")
        if not cookie or not hmac.compare_digest(cookie.encode(), header.encode()):
            _refuse("double-submit", origin)


def _refuse(check: str, origin: str | None) -> None:
    audit("csrf_refused", check=check, origin=origin, method=request.method)
    if check == "double-submit":
        raise CSRFError(f"Missing or wrong {HEADER} header: echo the csrf_token you were given.")
    raise CSRFError("Cross-site request refused: this origin is not allowed to call the API.")


def init_csrf(app: Flask) -> None:
    app.before_request(check_request)

"""The built-in pages, for trying the server in a browser without a frontend:
sign in, signed in, and the account page (which later capabilities fill).
"""

from __future__ import annotations

import time

from flask import Response, current_app, make_response, redirect, render_template, request, url_for

from auth.core.errors import Unauthorized
from auth.core.state import auth_state
from auth.web.cookies import read_access
from auth.web.csrf import csrf_token_for
from auth.web.guard import authenticate
from auth.web.headers import style_nonce
from auth.web.origins import safe_next
from models import User, db


def render_signin(
    *,
    error: str | None = None,
    status: int = 200,
    next_url: str | None = None,
    retry_after: int | None = None,
    mfa: bool = False,
    username: str = "",
    mfa_method: str = "totp",
) -> Response:
    """The sign-in form, or with ``mfa`` the second step's code form (``/auth/login?mfa=1``);
    with ``retry_after`` (a 429), the error says when to try again and the header too.

    ``username`` refills the form after a failed attempt; ``mfa_method`` says
    which of the code step's forms the error belongs to.
    """
    settings = auth_state().settings
    html = render_template(
        "login.html",
        error=error,
        retry_after=retry_after,
        next_url=safe_next(settings, next_url) or "",
        nonce=style_nonce(),
        mfa=mfa,
        mfa_method=mfa_method,
        username=username[:256],
        allow_registration=settings.allow_registration,
    )
    response = make_response(html, status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def render_registration(
    *,
    error: str | None = None,
    status: int = 200,
    next_url: str | None = None,
    username: str = "",
    email: str = "",
) -> Response:
    """The built-in registration form (``GET /auth/register``), refilled after a refusal."""
    settings = auth_state().settings
    html = render_template(
        "register.html",
        error=error,
        next_url=safe_next(settings, next_url) or "",
        username=username[:256],
        email=email[:320],
        nonce=style_nonce(),
    )
    return make_response(html, status)


def error_sentence(code: str | None) -> str | None:
    """The sentence for an ``?error=<code>`` a sign-in flow sent the browser back with.

    Capabilities register their codes in ``app.extensions["signin_errors"]``;
    an unknown code shows nothing (the page never echoes what the URL says).
    """
    return current_app.extensions.get("signin_errors", {}).get(code or "")


def signed_in(reply: Response, user: User, next_url: str | None) -> Response:
    """After a form sign-in: 303 to an allowed ``next`` URL, else to ``/auth/login``,
    which shows who is signed in (post/redirect/get: a reload resubmits nothing
    and the address bar keeps no one-time code).

    The session cookies already set on ``reply`` are carried over.
    """
    target = safe_next(auth_state().settings, next_url) or url_for("auth.signin_page")
    response = redirect(target, code=303)
    for value in reply.headers.getlist("Set-Cookie"):
        response.headers.add("Set-Cookie", value)
    return response


def signed_in_user() -> tuple[User, str] | None:
    """The user and session behind this request's access cookie, if it is valid."""
    state = auth_state()
    try:
        principal = authenticate(state, read_access(request), time.time())
    except Unauthorized:
        return None
    user = db.session.get(User, int(principal.user_id))
    return (user, principal.session_id) if user is not None else None


def render_signed_in(user: User, session_id: str) -> Response:
    """``/auth/login`` for a browser that is already signed in: who, and where to go."""
    settings = auth_state().settings
    csrf = csrf_token_for(settings.jwt_secret, session_id) if settings.csrf_mode == "double-submit" else None
    return make_response(render_template("signed_in.html", user=user, csrf_token=csrf, nonce=style_nonce()))

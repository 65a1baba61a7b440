"""The built-in sign-in page, for trying the server in a browser without a frontend."""

from __future__ import annotations

from flask import Response, make_response, redirect, render_template

from auth.core.state import auth_state
from auth.web.headers import style_nonce
from auth.web.origins import safe_next
from models import User


def render_signin(
    *, error: str | None = None, status: int = 200, next_url: str | None = None, mfa: bool = False
) -> Response:
    """The sign-in form, or with ``mfa`` the second step's code form (``/auth/login?mfa=1``)."""
    settings = auth_state().settings
    html = render_template(
        "login.html", error=error, next_url=safe_next(settings, next_url) or "", nonce=style_nonce(), mfa=mfa
    )
    return make_response(html, status)


def signed_in(reply: Response, user: User, next_url: str | None) -> Response:
    """After a form sign-in: go to an allowed ``next`` URL, else show who is signed in.

    The session cookies already set on ``reply`` are carried over.
    """
    target = safe_next(auth_state().settings, next_url)
    if target:
        response = redirect(target, code=303)
    else:
        response = make_response(render_template("signed_in.html", user=user, nonce=style_nonce()))
    for value in reply.headers.getlist("Set-Cookie"):
        response.headers.add("Set-Cookie", value)
    return response

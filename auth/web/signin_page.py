"""The built-in pages, for trying the server in a browser without a frontend:
sign in, signed in, and the account page (which later capabilities fill).
"""

from __future__ import annotations

from flask import Response, current_app, make_response, redirect, render_template

from auth.core.state import auth_state
from auth.web.headers import style_nonce
from auth.web.origins import safe_next
from models import User


def render_signin(
    *,
    error: str | None = None,
    status: int = 200,
    next_url: str | None = None,
    retry_after: int | None = None,
    mfa: bool = False,
) -> Response:
    """The sign-in form, or with ``mfa`` the second step's code form (``/auth/login?mfa=1``);
    with ``retry_after`` (a 429), the error says when to try again and the header too."""
    settings = auth_state().settings
    html = render_template(
        "login.html",
        error=error,
        retry_after=retry_after,
        next_url=safe_next(settings, next_url) or "",
        nonce=style_nonce(),
        mfa=mfa,
    )
    response = make_response(html, status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def error_sentence(code: str | None) -> str | None:
    """The sentence for an ``?error=<code>`` a sign-in flow sent the browser back with.

    Capabilities register their codes in ``app.extensions["signin_errors"]``;
    an unknown code shows nothing (the page never echoes what the URL says).
    """
    return current_app.extensions.get("signin_errors", {}).get(code or "")


def signed_in(reply: Response, user: User, next_url: str | None) -> Response:
    """After a form sign-in: go to an allowed ``next`` URL, else show who is signed in.

    The session cookies already set on ``reply`` are carried over.
    """
    target = safe_next(auth_state().settings, next_url)
    if target:
        response = redirect(target, code=303)
    else:
        body = reply.get_json()
        csrf = body.get("csrf_token") if isinstance(body, dict) else None
        response = make_response(_user_page("signed_in.html", user, csrf))
    for value in reply.headers.getlist("Set-Cookie"):
        response.headers.add("Set-Cookie", value)
    return response


def _user_page(template: str, user: User, csrf_token: str | None) -> str:
    return render_template(template, user=user, csrf_token=csrf_token, nonce=style_nonce())

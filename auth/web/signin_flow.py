"""Where every way of signing in meets: one place that turns "this user proved
who they are" into a session.

Password, registration, and the capabilities that arrive later (magic link,
passkey, identity provider) all end in ``complete_sign_in``. Whatever applies
to every sign-in (a second-factor step, a locked account, the audit line, the
session cap, the device cookie) is decided here once, not in each flow.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Response, request

from auth.core.audit import audit
from auth.core.state import auth_state
from auth.web.cookies import read_device, set_device_cookie
from auth.web.replies import session_reply
from auth.web.signin_page import signed_in
from models import User


def client_fields() -> dict[str, str]:
    """The request's user agent and address, as a session records them."""
    return {"user_agent": request.headers.get("User-Agent", ""), "ip": request.remote_addr or ""}


def complete_sign_in(
    user: User,
    *,
    method: str,
    payload: dict[str, Any],
    status: int = 200,
    event: str = "login",
) -> Response:
    """Start a session for ``user`` and reply with its cookies.

    ``method`` names the proof given (``password``, ``register``, ...); it is
    audited with the session so an operator can tell how each one began.
    """
    state = auth_state()
    now = time.time()
    issued = state.sessions.start(user, now=now, **client_fields())
    audit(event, user_id=user.id, session_id=issued.session.id, method=method)
    for ended in state.sessions.enforce_limit(user.id, keep=issued.session.id, now=now):
        audit("session_limit_reached", user_id=user.id, session_id=ended)
    response = session_reply(state, issued, payload, status=status)
    _remember_device(response, user, now)
    return response


def complete_sign_in_in_browser(user: User, *, method: str, next_url: str | None) -> Response:
    """``complete_sign_in`` for flows that end on a page the browser navigated to
    (the built-in form, a mailed link, an identity provider's callback): a 303 to
    an allowed ``next`` with the cookies, else the signed-in page.
    """
    reply = complete_sign_in(user, method=method, payload={"message": "User logged in"})
    return signed_in(reply, user, next_url)


def _remember_device(response: Response, user: User, now: float) -> None:
    """Give the browser a device cookie for this user, keeping its nonce when it had one."""
    state = auth_state()
    presented = read_device(request)
    nonce = state.devices.verify(presented, user.username_key, now=now) if presented else None
    set_device_cookie(response, state.settings, state.devices.issue(user.username_key, now=now, nonce=nonce))

"""Where every way of signing in meets: one place that turns "this user proved
who they are" into a session, or into the second-factor step.

Password, registration, and the capabilities that arrive later (magic link,
passkey, identity provider) all end in ``complete_sign_in`` (JSON flows) or
``complete_sign_in_in_browser`` (flows ending on a navigated page). Whatever
applies to every sign-in (a second-factor step, a locked account, the audit
line, the session cap, the device cookie) is decided here once, not in each
flow. ``start_session`` is the one place a session begins, also for the
second step that finishes a pending sign-in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from flask import Response, current_app, jsonify, redirect, request

from auth.core.accounts import refuse_if_locked
from auth.core.audit import audit
from auth.core.events import announce, session_started
from auth.core.state import auth_state
from auth.core.urls import origin_of
from auth.web.cookies import clear_mfa_pending, read_device, read_mfa_pending, set_device_cookie, set_mfa_pending
from auth.web.origins import safe_next
from auth.web.replies import session_reply
from auth.web.signin_page import signed_in
from models import User, db

SECOND_FACTOR_EXTENSION = "second_factor"


@dataclass(frozen=True)
class SecondStep:
    """A sign-in that needs one more proof: the ``mfa_pending`` cookie value and the methods that can give it."""

    token: str
    methods: list[str]


class SecondFactor(Protocol):
    def begin(self, user: User, method: str, next_url: str | None) -> SecondStep | None:
        """Open a second step when ``user`` has a second factor that ``method`` did not already prove."""
        ...


def client_fields() -> dict[str, str]:
    """The request's user agent and address, as a session records them."""
    return {"user_agent": request.headers.get("User-Agent", ""), "ip": request.remote_addr or ""}


def start_session(
    user: User, *, method: str, payload: dict[str, Any], status: int = 200, event: str = "login"
) -> Response:
    """Start a session for ``user`` and reply with its cookies (and end any pending second step).

    A locked account gets 403 (``AccountLocked``), also when the lock lands
    while the session is being started.
    """
    state = auth_state()
    refuse_if_locked(user)
    now = time.time()
    issued = state.sessions.start(user, now=now, **client_fields())
    db.session.refresh(user)
    if user.is_locked:  # locked between the check and the commit: end what just began
        state.sessions.revoke([issued.session.id], now=time.time())
        refuse_if_locked(user, session_id=issued.session.id)
    audit(event, user_id=user.id, session_id=issued.session.id, method=method)
    announce(session_started, user_id=user.id, session_id=issued.session.id, method=method)
    for ended in state.sessions.enforce_limit(user.id, keep=issued.session.id, now=now):
        audit("session_limit_reached", user_id=user.id, session_id=ended)
    response = session_reply(state, issued, payload, status=status)
    _remember_device(response, user, now)
    if read_mfa_pending(request) is not None:
        clear_mfa_pending(response, state.settings)
    return response


def _remember_device(response: Response, user: User, now: float) -> None:
    """Give the browser a device cookie for this user, keeping its nonce when it had one."""
    state = auth_state()
    presented = read_device(request)
    nonce = state.devices.verify(presented, user.username_key, now=now) if presented else None
    set_device_cookie(response, state.settings, state.devices.issue(user.username_key, now=now, nonce=nonce))


def _second_step(user: User, method: str, next_url: str | None) -> SecondStep | None:
    refuse_if_locked(user)  # a locked account gets no second step either
    gate: SecondFactor | None = current_app.extensions.get(SECOND_FACTOR_EXTENSION)
    return gate.begin(user, method, next_url) if gate is not None else None


def complete_sign_in(
    user: User,
    *,
    method: str,
    payload: dict[str, Any],
    status: int = 200,
    event: str = "login",
    next_url: str | None = None,
) -> Response:
    """Start a session for ``user``, or answer ``mfa_required`` with an ``mfa_pending`` cookie.

    ``method`` names the proof given (``password``, ``register``, ``passkey``,
    ...); it is audited with the session so an operator can tell how each one began.
    """
    step = _second_step(user, method, next_url)
    if step is None:
        return start_session(user, method=method, payload=payload, status=status, event=event)
    audit("mfa_required", user_id=user.id, method=method, methods=step.methods)
    response = jsonify(
        success=True,
        mfa_required=True,
        methods=step.methods,
        message="Enter a code from your second factor to finish signing in.",
    )
    set_mfa_pending(response, auth_state().settings, step.token)
    return response


def code_step_url(next_url: str | None) -> str:
    """The sign-in page of the origin ``next`` sits on, showing the code step.

    A frontend's page for a ``next`` on a frontend origin (``<origin>/login``),
    else the built-in ``/auth/login``.
    """
    settings = auth_state().settings
    target = safe_next(settings, next_url)
    origin = origin_of(target) if target else None
    if target and origin in settings.frontend_origins:
        parts = urlsplit(target)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return f"{origin}/login?mfa=1&next={quote(path, safe='/')}"
    return "/auth/login?mfa=1" + (f"&next={quote(target, safe='/:')}" if target else "")


def complete_sign_in_in_browser(user: User, *, method: str, next_url: str | None, event: str = "login") -> Response:
    """``complete_sign_in`` for flows that end on a page the browser navigated to
    (the built-in form, a mailed link, an identity provider's callback): a 303 to
    an allowed ``next`` with the cookies, else the signed-in page; with a second
    factor, a 303 to the code step instead.
    """
    step = _second_step(user, method, next_url)
    if step is None:
        reply = start_session(user, method=method, payload={"message": "User logged in"}, event=event)
        return signed_in(reply, user, next_url)
    audit("mfa_required", user_id=user.id, method=method, methods=step.methods)
    response = redirect(code_step_url(next_url), code=303)
    set_mfa_pending(response, auth_state().settings, step.token)
    return response

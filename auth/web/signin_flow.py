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

from auth.core.accounts import refuse_if_locked
from auth.core.audit import audit
from auth.core.state import auth_state
from auth.web.replies import session_reply
from models import User, db


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
    A locked account gets 403 (``AccountLocked``), also when the lock lands
    while the session is being started.
    """
    state = auth_state()
    refuse_if_locked(user)
    issued = state.sessions.start(user, now=time.time(), **client_fields())
    db.session.refresh(user)
    if user.is_locked:  # locked between the check and the commit: end what just began
        state.sessions.revoke([issued.session.id], now=time.time())
        refuse_if_locked(user, session_id=issued.session.id)
    audit(event, user_id=user.id, session_id=issued.session.id, method=method)
    return session_reply(state, issued, payload, status=status)

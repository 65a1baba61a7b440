"""Impersonation: an admin signs in as a user to see what they see.

The admin gets a new session for the user that lives at most
``IMPERSONATION_TTL`` seconds; its access tokens carry
``act: {"sub": "<admin id>"}`` (RFC 8693 section 4.1) and refreshing keeps it,
because both come from the session row (``impersonator_id``), not from the
token. The row also names the admin's own session (``admin_session_id``),
which stays live while the browser holds the user's cookies; stopping ends
the impersonation and gives that session a new refresh token, so the admin
is back without signing in again. Both sides are audited:
``impersonation_started``/``impersonation_ended`` on the user (with the
admin as ``actor_id``) and ``impersonating``/``impersonation_stopped`` on the admin.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, redirect, request

from auth.admin.access import admin_settings, is_admin
from auth.core.accounts import refuse_if_locked
from auth.core.audit import audit
from auth.core.errors import BadRequest, Forbidden, Unauthorized
from auth.core.sessions import Issued
from auth.core.state import auth_state
from auth.core.texts import N_
from auth.web.cookies import clear_auth_cookies, read_access, read_refresh
from auth.web.errors import error_reply
from auth.web.guard import Principal, authenticate
from auth.web.payload import is_form_post
from auth.web.replies import session_reply
from auth.web.signin_flow import client_fields
from models import Session, User, db

bp = Blueprint("impersonation", __name__, url_prefix="/auth/impersonation")


class CannotImpersonateAdmin(Forbidden):
    message = N_("Administrators cannot be impersonated.")
    code = "cannot_impersonate_admin"


def start(admin: Principal, user: User) -> Issued:
    """A session for ``user`` held by ``admin`` (never for an admin or a locked account)."""
    if is_admin(user.roles or []):
        raise CannotImpersonateAdmin()
    refuse_if_locked(user)
    state = auth_state()
    now = time.time()
    issued = state.sessions.start(
        user,
        now=now,
        ttl=admin_settings().impersonation_ttl,
        impersonator_id=int(admin.user_id),
        admin_session_id=admin.session_id,
        **client_fields(),
    )
    audit("impersonation_started", user_id=user.id, session_id=issued.session.id, actor_id=admin.user_id)
    audit("impersonating", user_id=admin.user_id, session_id=admin.session_id, target_id=str(user.id))
    db.session.commit()
    return issued


def _impersonation_session() -> Session | None:
    """The caller's impersonation session, by access token or (expired token) refresh cookie."""
    state = auth_state()
    now = time.time()
    try:
        session_id = authenticate(state, read_access(request), now).session_id
    except Unauthorized:
        token = read_refresh(request)
        session_id = state.sessions.session_id_for(token) if token else None
    session = state.sessions.find_live(session_id, now) if session_id else None
    if session is None:
        raise Unauthorized("Not authenticated.")
    return session


@bp.post("/stop")
def stop() -> Response:
    """End the impersonation; back to the admin's own session with its cookies."""
    state = auth_state()
    session = _impersonation_session()
    if session.impersonator_id is None:
        raise BadRequest("This session is not an impersonation.")
    now = time.time()
    state.sessions.revoke([session.id], now=now)
    audit("impersonation_ended", user_id=session.user_id, session_id=session.id, actor_id=str(session.impersonator_id))
    audit("impersonation_stopped", user_id=session.impersonator_id, session_id=session.admin_session_id)
    db.session.commit()
    own = state.sessions.find_live(session.admin_session_id or "", now)
    if own is None or own.user_id != session.impersonator_id or own.user.is_locked:
        response = error_reply(
            401, "The impersonation ended; your own session has ended too, sign in again.", code="impersonation_ended"
        )
        clear_auth_cookies(response, state.settings)
        return response
    reply = session_reply(state, state.sessions.resume(own, now=now), {"message": "Back to your own session"})
    if not is_form_post():
        return reply
    response = redirect("/auth/admin", code=303)
    for value in reply.headers.getlist("Set-Cookie"):
        response.headers.add("Set-Cookie", value)
    return response


def impersonator_of(principal: Principal | None) -> dict[str, str] | None:
    """``{"id", "username"}`` of the admin signed in as ``principal``, else None."""
    if principal is None or principal.actor_id is None:
        return None
    admin = db.session.get(User, int(principal.actor_id))
    return {"id": principal.actor_id, "username": admin.username if admin else ""}

"""The built-in account page: ``GET /auth/account`` and its form actions.

For a user with no frontend account pages (or an operator trying the
server): the profile, the live sessions with "sign out" per session and
"sign out everywhere", the password change, and slots that capabilities
fill (email, second factors, linked providers).

The page's own parts run no script (CSP ``default-src 'none'``), so every
action is a form POST answered 303 back to the page with a notice or error code
(post/redirect/get; the codes map to fixed sentences, so nothing a link
carries is echoed). A request that is not a well-formed form, or that has
no session, gets the JSON 4xx every endpoint gives. The page refreshes a
stale access token with the refresh cookie (``Path=/auth`` reaches it), as
the probe does, so an open page keeps working past ACCESS_TOKEN_TTL. A slot
filled with ``runs_script=True`` (the second factors: WebAuthn needs a
script) makes this page, and only then, allow its one nonce'd script.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, make_response, redirect, render_template, request, url_for

from auth.core.accounts import check_password, set_password
from auth.core.audit import audit
from auth.core.errors import AuthError, Unauthorized
from auth.core.policy import check_password as check_new_password
from auth.core.state import auth_state
from auth.web.cookies import clear_auth_cookies, read_access, read_refresh
from auth.web.csrf import csrf_token_for
from auth.web.guard import Principal, authenticate
from auth.web.headers import allow_page_script, style_nonce
from auth.web.limits import password_limit_for
from auth.web.payload import UnsupportedContentType, is_form_post, read_fields
from auth.web.replies import session_reply
from auth.web.signin_page import render_signin
from auth.web.views import rotate_refresh
from models import User, db

bp = Blueprint("account_page", __name__, url_prefix="/auth/account")

PAGE = "/auth/account"

#: The slots capabilities fill, in page order: (slot, heading).
SLOTS: tuple[tuple[str, str], ...] = (
    ("email", "Email"),
    ("second-factors", "Second factors"),
    ("providers", "Linked providers"),
    ("organisations", "Organisations"),
)

NOTICES = {
    "session-ended": "The session was signed out.",
    "password-changed": "Your password was changed. Your other sessions were signed out.",
}
ERRORS = {
    "no-such-session": "That session has already ended.",
    "wrong-password": "The current password is wrong.",
    "mismatch": "The new passwords do not match.",
    "weak-password": "The new password was refused: choose a longer one that is not a common password.",
}


def fill_account_slot(app: Flask, slot: str, template: str, *, runs_script: bool = False) -> None:
    """Let a capability render ``template`` in its slot of the page (one of SLOTS).

    A template with ``runs_script`` gets the page's nonce as ``nonce`` for its
    ``<script nonce=...>``; only then does the page's CSP allow that script
    (and fetches to this server). A slot filled again replaces the earlier one.
    """
    if slot not in dict(SLOTS):
        raise ValueError(f"unknown account page slot {slot!r}; known: {', '.join(dict(SLOTS))}")
    app.extensions.setdefault("account_slots", {})[slot] = template
    scripted = app.extensions.setdefault("account_slot_scripts", set())
    if runs_script:
        scripted.add(slot)
    else:
        scripted.discard(slot)


@dataclass(frozen=True)
class Visitor:
    principal: Principal
    set_cookies: list[str]


def _visitor() -> Visitor | None:
    """The signed-in visitor, refreshing an expired access token with the refresh cookie."""
    state = auth_state()
    try:
        return Visitor(authenticate(state, read_access(request), time.time()), [])
    except Unauthorized:
        token = read_refresh(request)
        if token is None:
            return None
    try:
        issued = rotate_refresh(token)
    except Unauthorized:
        return None
    session = issued.session
    cookies = session_reply(state, issued, {}).headers.getlist("Set-Cookie")
    return Visitor(Principal(str(session.user_id), session.id, tuple(session.user.roles or ())), cookies)


def _when(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch)) if epoch else "never"


def _with_cookies(response: Response, cookies: list[str]) -> Response:
    for value in cookies:
        response.headers.add("Set-Cookie", value)
    return response


def _back(visitor: Visitor, **query: str) -> Response:
    target = PAGE + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")
    return _with_cookies(redirect(target, code=303), visitor.set_cookies)


def _form_action(view: Callable[..., Response]) -> Callable[..., Response]:
    """Form POSTs (or no body) only, from a signed-in visitor (JSON 415 or 401 otherwise)."""

    def action(**kwargs: Any) -> Response:
        if request.mimetype and not is_form_post():
            raise UnsupportedContentType("Send this form from the account page (application/x-www-form-urlencoded).")
        visitor = _visitor()
        if visitor is None:
            raise Unauthorized("Not authenticated: sign in again.")
        g.principal = visitor.principal  # what per-user limits key on
        return view(visitor, **kwargs)

    action.__name__ = view.__name__
    action.__doc__ = view.__doc__
    return action


@bp.get("")
def page() -> Response:
    visitor = _visitor()
    if visitor is None:
        return redirect(url_for("auth.signin_page", next=PAGE), code=303)
    state = auth_state()
    principal = visitor.principal
    user = db.session.get(User, int(principal.user_id))
    if user is None:
        return render_signin(next_url=PAGE)
    settings = state.settings
    filled = current_app.extensions.get("account_slots", {})
    scripted = current_app.extensions.get("account_slot_scripts", set()) & set(filled)
    html = render_template(
        "account.html",
        user=user,
        sessions=[
            {
                "id": s.id,
                "user_agent": s.user_agent,
                "ip": s.ip,
                "created": _when(s.created_at),
                "last_used": _when(s.last_used_at),
                "current": s.id == principal.session_id,
            }
            for s in state.sessions.live_for_user(user.id, time.time())
        ],
        notice=NOTICES.get(request.args.get("notice", "")),
        error=ERRORS.get(request.args.get("error", "")),
        csrf_token=csrf_token_for(settings.jwt_secret, principal.session_id)
        if settings.csrf_mode == "double-submit"
        else None,
        slots=[(slot, title, filled.get(slot)) for slot, title in SLOTS],
        nonce=allow_page_script() if scripted else style_nonce(),
    )
    return _with_cookies(make_response(html), visitor.set_cookies)


@bp.post("/sessions/<session_id>/end")
@_form_action
def end_session(visitor: Visitor, session_id: str) -> Response:
    state = auth_state()
    principal = visitor.principal
    session = state.sessions.find_live(session_id, time.time())
    if session is None or str(session.user_id) != principal.user_id:
        return _back(visitor, error="no-such-session")
    state.sessions.revoke([session.id], now=time.time())
    audit("session_revoked", user_id=principal.user_id, session_id=session.id)
    if session.id == principal.session_id:
        response = redirect(f"/auth/login?next={PAGE}", code=303)
        clear_auth_cookies(response, state.settings)
        return response
    return _back(visitor, notice="session-ended")


@bp.post("/logout-all")
@_form_action
def logout_all(visitor: Visitor) -> Response:
    state = auth_state()
    principal = visitor.principal
    ended = state.sessions.revoke_user(int(principal.user_id), now=time.time())
    audit("logout_all", user_id=principal.user_id, session_id=principal.session_id, sessions=len(ended))
    response = redirect(f"/auth/login?next={PAGE}", code=303)
    clear_auth_cookies(response, state.settings)
    return response


def _refused(response: Response) -> bool:
    """A failed attempt: a JSON 400/401, or the form's redirect back with an error."""
    return response.status_code in (400, 401) or "error=" in response.headers.get("Location", "")


@bp.post("/password")
@_form_action
@password_limit_for(_refused)
def change_password(visitor: Visitor) -> Response:
    state = auth_state()
    principal = visitor.principal
    fields = read_fields("current_password", "new_password", "new_password_repeat")
    user = db.session.get(User, int(principal.user_id))
    if user is None:
        raise Unauthorized("This user no longer exists.")
    if fields["new_password"] != fields["new_password_repeat"]:
        return _back(visitor, error="mismatch")
    if not check_password(state, user, fields["current_password"]):
        audit("password_change_failed", user_id=user.id, session_id=principal.session_id)
        return _back(visitor, error="wrong-password")
    try:
        check_new_password(fields["new_password"], user.username, state.breaches)
    except AuthError:
        return _back(visitor, error="weak-password")
    set_password(state, user, fields["new_password"])
    ended = state.sessions.revoke_user(user.id, now=time.time(), keep=principal.session_id)
    audit("password_changed", user_id=user.id, session_id=principal.session_id, sessions_ended=len(ended))
    return _back(visitor, notice="password-changed")

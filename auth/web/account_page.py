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

from flask import Blueprint, Response, current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext

from auth.core.accounts import check_password, set_password
from auth.core.active_org import active_org
from auth.core.audit import audit
from auth.core.errors import AuthError, Forbidden, Unauthorized
from auth.core.policy import check_password as check_new_password
from auth.core.state import auth_state
from auth.core.texts import N_
from auth.web.account_slots import SLOTS, add_account_messages, fill_account_slot
from auth.web.cookies import clear_auth_cookies, read_access, read_refresh
from auth.web.csrf import csrf_token_for
from auth.web.guard import ImpersonationForbidden, Principal, authenticate, not_impersonated, run_principal_checks
from auth.web.headers import allow_page_script, style_nonce
from auth.web.limits import password_limit_for
from auth.web.payload import UnsupportedContentType, is_form_post, read_fields
from auth.web.recent import is_recent, reauth_method
from auth.web.replies import session_reply
from auth.web.signin_page import render_signin
from auth.web.user_agents import device_label
from auth.web.views import rotate_refresh
from models import User, db

__all__ = ["add_account_messages", "bp", "fill_account_slot"]

bp = Blueprint("account_page", __name__, url_prefix="/auth/account")

PAGE = "/auth/account"

NOTICES = {
    "session-ended": N_("The session was signed out."),
    "password-changed": N_("Your password was changed. Your other sessions were signed out."),
    "password-set": N_("Your password is set. Your other sessions were signed out."),
    "reauthenticated": N_("Confirmed: for a few minutes you can make sensitive changes."),
}
ERRORS = {
    "no-such-session": N_("That session has already ended."),
    "wrong-password": N_("The current password is wrong."),
    "mismatch": N_("The new passwords do not match."),
    "weak-password": N_("The new password was refused: choose a longer one that is not a common password."),
    "mfa_enrolment_required": N_("Enrol a second factor first (see Second factors below); then you can change this."),
    "reauth-needed": N_("That change needs a recent sign-in: confirm it is you below, then try again."),
    "not-confirmed": N_("That did not confirm who you are."),
    "impersonating": N_("Not while an administrator is signed in as you: this change is the account holder's own."),
}


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
    actor = None if session.impersonator_id is None else str(session.impersonator_id)
    principal = Principal(
        str(session.user_id), session.id, tuple(session.user.roles or ()), actor_id=actor, org=active_org(session)
    )
    return Visitor(principal, cookies)


def _when(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch)) if epoch else gettext("never")


def _with_cookies(response: Response, cookies: list[str]) -> Response:
    for value in cookies:
        response.headers.add("Set-Cookie", value)
    return response


def _back(visitor: Visitor, **query: str) -> Response:
    target = PAGE + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")
    return _with_cookies(redirect(target, code=303), visitor.set_cookies)


def _form_action(view: Callable[..., Response]) -> Callable[..., Response]:
    """Form POSTs (or no body) only, from a signed-in visitor (JSON 415 or 401 otherwise),
    who passes the checks every guarded view runs (``run_principal_checks``):
    a refusal with a sentence of its own here comes back to the page, any other as JSON."""

    def action(**kwargs: Any) -> Response:
        if request.mimetype and not is_form_post():
            raise UnsupportedContentType("Send this form from the account page (application/x-www-form-urlencoded).")
        visitor = _visitor()
        if visitor is None:
            raise Unauthorized("Not authenticated: sign in again.")
        g.principal = visitor.principal  # what per-user limits key on
        try:
            run_principal_checks(visitor.principal)
        except Forbidden as refused:
            if refused.code in ERRORS:
                return _back(visitor, error=refused.code)
            raise
        try:
            return view(visitor, **kwargs)
        except ImpersonationForbidden:
            return _back(visitor, error="impersonating")

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
    g.principal = principal  # what the page's slots and banner read
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
                "device": device_label(s.user_agent),
                "ip": s.ip,
                "created": _when(s.created_at),
                "last_used": _when(s.last_used_at),
                "current": s.id == principal.session_id,
            }
            for s in state.sessions.live_for_user(user.id, time.time())
        ],
        notice={**NOTICES, **current_app.extensions.get("account_notices", {})}.get(request.args.get("notice", "")),
        error={**ERRORS, **current_app.extensions.get("account_errors", {})}.get(request.args.get("error", "")),
        recent=is_recent(principal.session_id, time.time()),
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


@bp.post("/reauthenticate")
@_form_action
@password_limit_for(_refused)
def reauthenticate(visitor: Visitor) -> Response:
    """The page's "confirm it is you" form: the password or an authenticator code renews the recent sign-in."""
    state = auth_state()
    principal = visitor.principal
    user = db.session.get(User, int(principal.user_id))
    if user is None:
        raise Unauthorized("This user no longer exists.")
    fields = read_fields(optional=("password", "code"))
    if fields.get("password"):
        proved, method = check_password(state, user, fields["password"]), "password"
    else:
        check = reauth_method("totp")
        proved, method = (check is not None and check(user, fields.get("code", "").strip())), "totp"
    if not proved:
        audit("reauthenticate_failed", user_id=user.id, session_id=principal.session_id, method=method)
        return _back(visitor, error="not-confirmed")
    state.sessions.mark_authenticated(principal.session_id, now=time.time())
    audit("reauthenticated", user_id=user.id, session_id=principal.session_id, method=method)
    return _back(visitor, notice="reauthenticated")


@bp.post("/password")
@_form_action
@not_impersonated
@password_limit_for(_refused)
def change_password(visitor: Visitor) -> Response:
    """Change the password (the current one proves it is you), or for a user who has
    none (provider sign-in only) set one, which needs a recent sign-in instead."""
    state = auth_state()
    principal = visitor.principal
    user = db.session.get(User, int(principal.user_id))
    if user is None:
        raise Unauthorized("This user no longer exists.")
    if not user.has_password:
        return _set_first_password(visitor, user)
    fields = read_fields("current_password", "new_password", "new_password_repeat")
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


def _set_first_password(visitor: Visitor, user: User) -> Response:
    state = auth_state()
    principal = visitor.principal
    fields = read_fields("new_password", "new_password_repeat")
    if not is_recent(principal.session_id, time.time()):
        return _back(visitor, error="reauth-needed")
    if fields["new_password"] != fields["new_password_repeat"]:
        return _back(visitor, error="mismatch")
    try:
        check_new_password(fields["new_password"], user.username, state.breaches)
    except AuthError:
        return _back(visitor, error="weak-password")
    set_password(state, user, fields["new_password"])
    ended = state.sessions.revoke_user(user.id, now=time.time(), keep=principal.session_id)
    audit("password_set", user_id=user.id, session_id=principal.session_id, sessions_ended=len(ended))
    return _back(visitor, notice="password-set")

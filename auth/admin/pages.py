"""The built-in admin pages: search, a user's page with its actions, the audit list.

Server-rendered like the account page and under the same rules: no script
(CSP ``default-src 'none'`` plus the style nonce), every action a form POST
answered 303 back to the page with a fixed notice or error code (nothing a
link carries is echoed), the same CSRF checks as every unsafe request, and
the same guard as the API (``check_admin``; changes also need a recent
sign-in). Destructive actions need their confirmation box ticked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, make_response, redirect, render_template, request

from auth.admin import accounts, impersonation
from auth.admin.access import check_admin
from auth.admin.body import moment, roles
from auth.admin.extensions import UserAction, home_panels, user_action
from auth.admin.listing import AuditQuery, UserQuery, list_events, search_users
from auth.admin.views import mail_reset
from auth.core.addresses import check_email
from auth.core.errors import AccountLocked, AuthError, Conflict, NotFound
from auth.core.state import auth_state
from auth.core.texts import N_
from auth.web.account_page import Visitor, _visitor, _with_cookies
from auth.web.csrf import csrf_token_for
from auth.web.guard import ImpersonationForbidden
from auth.web.headers import style_nonce
from auth.web.payload import UnsupportedContentType, is_form_post
from auth.web.recent import is_recent
from auth.web.replies import session_reply
from models import User

bp = Blueprint("admin_pages", __name__, url_prefix="/auth/admin", template_folder="templates")

HOME = "/auth/admin"
PAGE_SIZE = 25

NOTICES = {
    "locked": N_("The user is locked and every session of theirs has ended."),
    "unlocked": N_("The user may sign in again."),
    "roles": N_("Roles saved; the user's tokens pick them up at their next refresh."),
    "email": N_("Email address saved (as verified)."),
    "sessions": N_("Every session of the user has ended."),
    "session": N_("The session has ended."),
    "mfa": N_("Every second factor of the user was removed."),
    "reset-mailed": N_("A password reset link is on its way."),
    "deleted": N_("The user was deleted."),
    "created": N_("The user was created."),
}
ERRORS = {
    "reauth": N_("This change needs a recent sign-in: sign out and sign in again, then retry."),
    "confirm": N_("Tick the confirmation box to do this."),
    "conflict": N_("That is taken, or not possible for this user."),
    "not-found": N_("No such user or session."),
    "admin-target": N_("Administrators cannot be impersonated."),
    "locked": N_("This user is locked."),
    "invalid": N_("That value was refused; check it and try again."),
}
DESTRUCTIVE = frozenset({"lock", "sessions", "reset-mfa", "delete", "impersonate", "end-session"})


def _render(template: str, visitor: Visitor, **context: Any) -> Response:
    settings = auth_state().settings
    html = render_template(
        template,
        nonce=style_nonce(),
        notice=_notice(request.args.get("notice", "")),
        error=ERRORS.get(request.args.get("error", "")),
        csrf_token=csrf_token_for(settings.jwt_secret, visitor.principal.session_id)
        if settings.csrf_mode == "double-submit"
        else None,
        **context,
    )
    return _with_cookies(make_response(html), visitor.set_cookies)


def _notice(code: str) -> str | None:
    """The page's own notices, then those of a capability's action (named ``action:<name>``)."""
    if code.startswith("action:"):
        added = user_action(code.removeprefix("action:"))
        return added.notice if added is not None else None
    return NOTICES.get(code)


def _admin_visitor() -> Visitor | Response:
    """The signed-in admin, or a redirect to the sign-in page.

    Anyone else gets the JSON 403 every admin call gives (``admin_required``,
    ``mfa_enrolment_required``, ``impersonation_forbidden``), as the account
    page answers what is not its own form.
    """
    visitor = _visitor()
    if visitor is None:
        return redirect("/auth/login?" + urlencode({"next": request.path}), code=303)
    g.principal = visitor.principal
    if visitor.principal.actor_id is not None:
        raise ImpersonationForbidden()
    check_admin(visitor.principal)
    return visitor


def _page(view: Callable[..., Response]) -> Callable[..., Response]:
    def guarded(**kwargs: Any) -> Response:
        visitor = _admin_visitor()
        return visitor if isinstance(visitor, Response) else view(visitor, **kwargs)

    guarded.__name__ = view.__name__
    guarded.__doc__ = view.__doc__
    return guarded


@bp.get("")
@_page
def home(visitor: Visitor) -> Response:
    query = UserQuery.from_args(request.args)
    result = search_users(query, cursor=request.args.get("cursor"), limit=PAGE_SIZE)
    more = {**request.args.to_dict(), "cursor": result.next_cursor} if result.next_cursor else None
    return _render(
        "admin/search.html",
        visitor,
        query=query,
        users=[accounts.summary(u) for u in result.items],
        next_url=f"{HOME}?{urlencode(more)}" if more else None,
        panels=[(panel, panel.rows()) for panel in home_panels()],
    )


@bp.get("/pages/users/<int:user_id>")
@_page
def user_page(visitor: Visitor, user_id: int) -> Response:
    user = accounts.get_user(user_id)
    return _render("admin/user.html", visitor, user=accounts.detail(auth_state(), user, time.time()))


@bp.get("/pages/audit")
@_page
def audit_page(visitor: Visitor) -> Response:
    query = AuditQuery.from_args(request.args)
    result = list_events(query, cursor=request.args.get("cursor"), limit=PAGE_SIZE)
    more = {**request.args.to_dict(), "cursor": result.next_cursor} if result.next_cursor else None
    return _render(
        "admin/audit.html",
        visitor,
        events=[e.as_json() for e in result.items],
        stamp=lambda epoch: time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch)),
        filters=request.args,
        next_url=f"{HOME}/pages/audit?{urlencode(more)}" if more else None,
    )


def _back(visitor: Visitor, user_id: int | None, **query: str) -> Response:
    target = f"{HOME}/pages/users/{user_id}" if user_id is not None else HOME
    return _with_cookies(redirect(f"{target}?{urlencode(query)}", code=303), visitor.set_cookies)


def _error_code(error: AuthError) -> str:
    if isinstance(error, impersonation.CannotImpersonateAdmin):
        return "admin-target"
    if isinstance(error, AccountLocked):
        return "locked"
    if isinstance(error, Conflict):
        return "conflict"
    if isinstance(error, NotFound):
        return "not-found"
    return "invalid"


@bp.post("/pages/users/<int:user_id>/<action>")
@_page
def act(visitor: Visitor, user_id: int, action: str) -> Response:
    """One form action on a user; 303 back to their page (or, impersonating, to the account page)."""
    if request.mimetype and not is_form_post():
        raise UnsupportedContentType("Send this form from the admin page (application/x-www-form-urlencoded).")
    added = user_action(action)
    handler = ACTIONS.get(action) or (_added(action, added) if added is not None else None)
    if handler is None:
        raise NotFound("No such action.")
    if not is_recent(visitor.principal.session_id, time.time()):
        return _back(visitor, user_id, error="reauth")
    form = request.form
    destructive = action in DESTRUCTIVE or (added is not None and added.destructive)
    if destructive and form.get("confirm") != "yes":
        return _back(visitor, user_id, error="confirm")
    try:
        user = accounts.get_user(user_id)
        return handler(visitor, user, form)
    except AuthError as error:
        return _back(visitor, user_id, error=_error_code(error))


def _added(name: str, added: UserAction) -> Callable[[Visitor, User, Any], Response]:
    """A capability's action (``auth.admin.extensions``), answered like the page's own."""

    def handler(visitor: Visitor, user: User, form: Any) -> Response:
        added.run(user, form, visitor.principal.user_id)
        return _back(visitor, user.id, notice=f"action:{name}")

    return handler


def _lock(visitor: Visitor, user: User, form: Any) -> Response:
    reason = (form.get("reason") or "").strip()[:500] or None
    until = moment(form.to_dict(), "until", time.time())
    accounts.lock(auth_state(), user, reason=reason, until=until, actor_id=visitor.principal.user_id)
    return _back(visitor, user.id, notice="locked")


def _unlock(visitor: Visitor, user: User, form: Any) -> Response:
    accounts.unlock(user, actor_id=visitor.principal.user_id)
    return _back(visitor, user.id, notice="unlocked")


def _roles(visitor: Visitor, user: User, form: Any) -> Response:
    accounts.set_roles(
        auth_state(), user, roles({"roles": form.get("roles", "")}) or [], actor_id=visitor.principal.user_id
    )
    return _back(visitor, user.id, notice="roles")


def _email(visitor: Visitor, user: User, form: Any) -> Response:
    accounts.set_email(user, check_email(form.get("email", "")), actor_id=visitor.principal.user_id)
    return _back(visitor, user.id, notice="email")


def _sessions(visitor: Visitor, user: User, form: Any) -> Response:
    accounts.end_sessions(auth_state(), user, actor_id=visitor.principal.user_id)
    return _back(visitor, user.id, notice="sessions")


def _end_session(visitor: Visitor, user: User, form: Any) -> Response:
    session = auth_state().sessions.find_live(form.get("session_id", ""), time.time())
    if session is None or session.user_id != user.id:
        raise NotFound()
    accounts.end_session(auth_state(), session.id, actor_id=visitor.principal.user_id)
    return _back(visitor, user.id, notice="session")


def _reset_mfa(visitor: Visitor, user: User, form: Any) -> Response:
    accounts.reset_factors(user, actor_id=visitor.principal.user_id)
    return _back(visitor, user.id, notice="mfa")


def _password_reset(visitor: Visitor, user: User, form: Any) -> Response:
    if user.email is None or user.email_verified_at is None:
        raise Conflict()
    mail_reset(user.email)
    accounts.note_reset_mailed(user, actor_id=visitor.principal.user_id)
    return _back(visitor, user.id, notice="reset-mailed")


def _delete(visitor: Visitor, user: User, form: Any) -> Response:
    accounts.remove(auth_state(), user, actor_id=visitor.principal.user_id)
    return _with_cookies(redirect(f"{HOME}?notice=deleted", code=303), visitor.set_cookies)


def _impersonate(visitor: Visitor, user: User, form: Any) -> Response:
    issued = impersonation.start(visitor.principal, user)
    reply = session_reply(auth_state(), issued, {})
    response = redirect("/auth/account", code=303)
    for value in reply.headers.getlist("Set-Cookie"):
        response.headers.add("Set-Cookie", value)
    return response


ACTIONS: dict[str, Callable[[Visitor, User, Any], Response]] = {
    "lock": _lock,
    "unlock": _unlock,
    "roles": _roles,
    "email": _email,
    "sessions": _sessions,
    "end-session": _end_session,
    "reset-mfa": _reset_mfa,
    "password-reset": _password_reset,
    "delete": _delete,
    "impersonate": _impersonate,
}

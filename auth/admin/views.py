"""The admin API under /auth/admin: parse, call ``auth.admin.accounts``, reply.

Every view is ``admin_required`` (reads) or ``admin_change`` (changes: also a
recent sign-in). Lists answer ``{"items", "next_cursor"}``.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, jsonify, request

from auth.admin import accounts, impersonation
from auth.admin.access import admin_change, admin_required
from auth.admin.body import flag, moment, read_body, roles, text
from auth.admin.listing import AuditQuery, UserQuery, list_events, page_limit, search_users
from auth.core.addresses import check_email
from auth.core.errors import BadRequest, Conflict
from auth.core.policy import check_username
from auth.core.state import auth_state
from auth.mail.flows import ask_reset
from auth.mail.state import mail_state
from auth.web.guard import current_principal
from auth.web.replies import session_reply

bp = Blueprint("admin", __name__, url_prefix="/auth/admin")


def _actor() -> str:
    return current_principal().user_id


@bp.get("/users")
@admin_required
def list_users() -> Response:
    page = search_users(
        UserQuery.from_args(request.args),
        cursor=request.args.get("cursor"),
        limit=page_limit(request.args.get("limit")),
    )
    return jsonify(success=True, items=[accounts.summary(u) for u in page.items], next_cursor=page.next_cursor)


@bp.post("/users")
@admin_change
def create_user() -> Response:
    body = read_body()
    name = check_username(text(body, "username", limit=64, required=True) or "")
    address = text(body, "email", limit=254)
    email = check_email(address) if address is not None else None
    invite = flag(body, "invite")
    if invite and email is None:
        raise BadRequest("An invitation needs an email address to go to.")
    user = accounts.create(name, email=email, roles=roles(body) or [], actor_id=_actor())
    if invite and email is not None:
        mail_reset(user.email or email)
    return _created(user)


def _created(user: object) -> Response:
    response = jsonify(success=True, user=accounts.summary(user))  # type: ignore[arg-type]
    response.status_code = 201
    return response


def mail_reset(address: str) -> None:
    """Mail a (re)set-password link; 409 when mail is off on this server."""
    if not mail_state().settings.enabled:
        raise Conflict("Email is not configured on this server (MAIL_URL is unset).")
    ask_reset(address)


@bp.get("/users/<user_id>")
@admin_required
def show_user(user_id: str) -> Response:
    user = accounts.get_user(user_id)
    return jsonify(success=True, user=accounts.detail(auth_state(), user, time.time()))


@bp.patch("/users/<user_id>")
@admin_change
def update_user(user_id: str) -> Response:
    user = accounts.get_user(user_id)
    body = read_body()
    new_roles = roles(body)
    address = text(body, "email", limit=254)
    if new_roles is None and address is None:
        raise BadRequest('Send {"roles"} or {"email"}.')
    if address is not None:
        accounts.set_email(user, check_email(address), actor_id=_actor())
    if new_roles is not None:
        accounts.set_roles(auth_state(), user, new_roles, actor_id=_actor())
    return jsonify(success=True, user=accounts.summary(user))


@bp.post("/users/<user_id>/lock")
@admin_change
def lock_user(user_id: str) -> Response:
    user = accounts.get_user(user_id)
    body = read_body()
    reason = text(body, "reason", limit=500)
    until = moment(body, "until", time.time())
    ended = accounts.lock(auth_state(), user, reason=reason, until=until, actor_id=_actor())
    return jsonify(success=True, message=f"Locked; {len(ended)} session(s) ended", user=accounts.summary(user))


@bp.post("/users/<user_id>/unlock")
@admin_change
def unlock_user(user_id: str) -> Response:
    user = accounts.get_user(user_id)
    accounts.unlock(user, actor_id=_actor())
    return jsonify(success=True, message="Unlocked", user=accounts.summary(user))


@bp.post("/users/<user_id>/sessions/revoke")
@admin_change
def revoke_sessions(user_id: str) -> Response:
    ended = accounts.end_sessions(auth_state(), accounts.get_user(user_id), actor_id=_actor())
    return jsonify(success=True, message=f"{len(ended)} session(s) ended")


@bp.delete("/sessions/<session_id>")
@admin_change
def revoke_session(session_id: str) -> Response:
    accounts.end_session(auth_state(), session_id, actor_id=_actor())
    return jsonify(success=True, message="Session ended")


@bp.post("/users/<user_id>/reset-mfa")
@admin_change
def reset_mfa(user_id: str) -> Response:
    removed = accounts.reset_factors(accounts.get_user(user_id), actor_id=_actor())
    return jsonify(success=True, message="Second factors removed", removed=removed)


@bp.post("/users/<user_id>/password-reset")
@admin_change
def password_reset(user_id: str) -> Response:
    user = accounts.get_user(user_id)
    if user.email is None or user.email_verified_at is None:
        raise Conflict("This user has no verified email address to mail a link to.")
    mail_reset(user.email)
    accounts.note_reset_mailed(user, actor_id=_actor())
    response = jsonify(success=True, message="A password reset link is on its way")
    response.status_code = 202
    return response


@bp.delete("/users/<user_id>")
@admin_change
def delete_user(user_id: str) -> Response:
    accounts.remove(auth_state(), accounts.get_user(user_id), actor_id=_actor())
    return jsonify(success=True, message="User deleted")


@bp.post("/users/<user_id>/impersonate")
@admin_change
def impersonate(user_id: str) -> Response:
    user = accounts.get_user(user_id)
    issued = impersonation.start(current_principal(), user)
    return session_reply(
        auth_state(),
        issued,
        {"message": f"Signed in as {user.username}", "user": user.as_json(), "expires_in": _left(issued)},
    )


def _left(issued: impersonation.Issued) -> int:
    return max(0, int(issued.session.expires_at - time.time()))


@bp.get("/audit")
@admin_required
def audit_list() -> Response:
    page = list_events(
        AuditQuery.from_args(request.args),
        cursor=request.args.get("cursor"),
        limit=page_limit(request.args.get("limit")),
    )
    return jsonify(success=True, items=[e.as_json() for e in page.items], next_cursor=page.next_cursor)

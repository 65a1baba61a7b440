"""The /auth/orgs and /auth/invitations endpoints: parse the request, call the rules, reply."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, redirect, request
from werkzeug.routing import BaseConverter

from auth.core.active_org import active_org
from auth.core.audit import audit
from auth.core.errors import AuthError, BadRequest, Unauthorized
from auth.core.state import auth_state
from auth.core.texts import N_
from auth.orgs import invitations, members
from auth.orgs.limits import invite_limit
from auth.web.guard import current_principal, login_required
from auth.web.payload import UnsupportedContentType, is_form_post, json_body
from auth.web.replies import access_reply
from models import User, db

bp = Blueprint("orgs", __name__, url_prefix="/auth", template_folder="templates")


class OrgSlugConverter(BaseConverter):
    """A slug in a path, never ``active``: ``/auth/orgs/active`` is its own route, and answers for its methods only."""

    regex = r"(?!active$)[^/]+"


def _body() -> dict[str, Any]:
    if not request.is_json:
        raise UnsupportedContentType()
    data = json_body()
    if not isinstance(data, dict):
        raise BadRequest(N_("The body must be a JSON object."))
    return data


def _user() -> User:
    user = db.session.get(User, int(current_principal().user_id))
    if user is None:
        raise Unauthorized(N_("This user no longer exists."))
    return user


def _uid() -> int:
    return int(current_principal().user_id)


@bp.post("/orgs")
@login_required
def create_org() -> tuple[Response, int]:
    data = _body()
    org = members.create(_user(), data.get("slug"), data.get("name"))
    return jsonify(success=True, org={**org.as_json(), "role": "owner"}), 201


@bp.get("/orgs")
@login_required
def list_orgs() -> Response:
    active = current_principal().org
    return jsonify(success=True, orgs=members.memberships_of(_uid()), active=active.slug if active else None)


@bp.get("/orgs/<org_slug:slug>")
@login_required
def show_org(slug: str) -> Response:
    org, member = members.find(slug, _uid())
    return jsonify(success=True, org={**org.as_json(), "role": member.role}, members=members.members_of(org))


@bp.patch("/orgs/<org_slug:slug>")
@login_required
def rename_org(slug: str) -> Response:
    data = _body()
    org, member = members.find(slug, _uid(), for_update=True)
    members.rename(org, member, data.get("name"))
    return jsonify(success=True, org={**org.as_json(), "role": member.role})


@bp.delete("/orgs/<org_slug:slug>")
@login_required
def delete_org(slug: str) -> Response:
    org, member = members.find(slug, _uid(), for_update=True)
    members.delete(org, member)
    return jsonify(success=True, message="Organisation deleted")


@bp.get("/orgs/<org_slug:slug>/members")
@login_required
def list_members(slug: str) -> Response:
    org, _ = members.find(slug, _uid())
    return jsonify(success=True, members=members.members_of(org))


@bp.patch("/orgs/<org_slug:slug>/members/<user_id>")
@login_required
def change_role(slug: str, user_id: str) -> Response:
    data = _body()
    org, actor = members.find(slug, _uid(), for_update=True)
    target = members.set_role(org, actor, user_id, data.get("role"))
    return jsonify(success=True, member={"user_id": str(target.user_id), "role": target.role})


@bp.delete("/orgs/<org_slug:slug>/members/<user_id>")
@login_required
def remove_member(slug: str, user_id: str) -> Response:
    org, actor = members.find(slug, _uid(), for_update=True)
    members.remove(org, actor, user_id)
    return jsonify(success=True, message="Member removed")


@bp.post("/orgs/<org_slug:slug>/leave")
@login_required
def leave_org(slug: str) -> Response:
    org, member = members.find(slug, _uid(), for_update=True)
    members.remove(org, member, str(member.user_id))
    return jsonify(success=True, message="You left the organisation")


@bp.post("/orgs/<org_slug:slug>/invitations")
@login_required
@invite_limit
def invite(slug: str) -> tuple[Response, int]:
    data = _body()
    send = data.get("send", True)
    if not isinstance(send, bool):
        raise BadRequest(N_("send must be true or false."))
    org, actor = members.find(slug, _uid())
    invitation, url = invitations.invite(org, actor, data.get("email"), data.get("role", "member"), send=send)
    reply: dict[str, Any] = {"success": True, "invitation": invitation.as_json()}
    if not send:
        reply["url"] = url
    return jsonify(reply), 201


@bp.get("/orgs/<org_slug:slug>/invitations")
@login_required
def list_invitations(slug: str) -> Response:
    org, actor = members.find(slug, _uid())
    members.require(actor, "admin")
    return jsonify(success=True, invitations=[i.as_json() for i in invitations.pending(org)])


@bp.delete("/orgs/<org_slug:slug>/invitations/<invitation_id>")
@login_required
def revoke_invitation(slug: str, invitation_id: str) -> Response:
    org, actor = members.find(slug, _uid())
    invitations.revoke(org, actor, invitation_id)
    return jsonify(success=True, message="Invitation revoked")


@bp.post("/invitations/accept")
@login_required
def accept_invitation() -> Response:
    """JSON for API clients; the built-in page's form gets a 303 to the account page (or back, with the error)."""
    if is_form_post():
        token = request.form.get("token", "")
        try:
            org, _ = invitations.accept(token, _user())
        except AuthError as error:
            back = f"{invitations.BUILTIN_PAGE}?token={quote(token, safe='')}&error={error.code or 'refused'}"
            return redirect(back, code=303)
        return redirect(f"/auth/account?notice=joined&org={org.slug}", code=303)
    org, role = invitations.accept(_body().get("token"), _user())
    return jsonify(success=True, org={**org.as_json(), "role": role})


@bp.post("/orgs/active")
@login_required
def set_active() -> Response:
    """Make an organisation (or none) the session's active one; the reply carries the new access token."""
    data = _body()
    if "org" not in data:
        raise BadRequest(N_("org is required: an organisation's slug, or null for none."))
    slug = data["org"]
    if slug is not None and not isinstance(slug, str):
        raise BadRequest(N_("org must be an organisation's slug or null."))
    principal = current_principal()
    org = members.find(slug, _uid())[0] if slug is not None else None
    state = auth_state()
    session = state.sessions.find_live(principal.session_id, time.time())
    if session is None:
        raise Unauthorized(N_("The session has ended; sign in again."))
    session.active_org_id = org.id if org is not None else None
    db.session.commit()
    audit("org_switched", user_id=principal.user_id, session_id=session.id, org_id=session.active_org_id)
    claim = active_org(session)
    return access_reply(state, session, {"org": {**org.as_json(), "role": claim.role} if org and claim else None})

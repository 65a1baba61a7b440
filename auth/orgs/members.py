"""Organisations and their members: who may do what, and the owner who always remains.

Every change to a membership is logged through the membership view
(``auth.orgs.view``), so tokens naming the old role stop working within a
second everywhere, and audited. An organisation always keeps an owner: the
last one cannot leave, be removed or be demoted (409 ``last_owner``).
Rows an action changes are read ``FOR UPDATE`` (PostgreSQL), so two owners
demoting each other at once cannot both succeed.
"""

from __future__ import annotations

import re
import time

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from auth.core.audit import audit
from auth.core.errors import BadRequest, Conflict, Forbidden, NotFound
from auth.core.texts import N_
from auth.orgs.state import org_state
from models import Membership, Organisation, User, db
from models.org import ADMIN, MEMBER, OWNER

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
RESERVED_SLUGS = frozenset({"active"})
"""Names a path under /auth/orgs/ already has."""
RANK = {OWNER: 3, ADMIN: 2, MEMBER: 1}
"""Built-in roles in order; a custom role ranks as a member when deciding who may change whom."""


class SlugTaken(Conflict):
    message = N_("An organisation with this slug already exists.")
    code = "slug_taken"


class LastOwner(Conflict):
    message = N_("An organisation must keep an owner: make someone else owner first.")
    code = "last_owner"


class NoSuchOrg(NotFound):
    message = N_("No such organisation (or you are not a member).")
    code = "no_such_org"


def rank(role: str) -> int:
    return RANK.get(role, 1)


def find(slug: str, user_id: int, *, for_update: bool = False) -> tuple[Organisation, Membership]:
    """The organisation and the caller's membership; 404 alike for unknown slugs and non-members."""
    query = select(Organisation).where(Organisation.slug == slug)
    org = db.session.scalar(query.with_for_update() if for_update else query)
    member = db.session.get(Membership, (org.id, user_id)) if org is not None else None
    if org is None or member is None:
        raise NoSuchOrg()
    return org, member


def require(member: Membership, role: str) -> None:
    if rank(member.role) < RANK[role]:
        raise Forbidden(f"This needs the role {role} in the organisation.")


def check_role(role: object) -> str:
    if not isinstance(role, str) or role not in org_state().settings.roles:
        raise BadRequest(f"role must be one of: {', '.join(org_state().settings.roles)}.")
    return role


def check_name(name: object) -> str:
    """An organisation's display name: 1 to 128 characters of storable text."""
    text = name.strip() if isinstance(name, str) else ""
    if not text or len(text) > 128 or "\x00" in text or not _storable(text):
        raise BadRequest(N_("name must be 1 to 128 characters."))
    return text


def _storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, which no database stores
        return False
    return True


def create(user: User, slug: object, name: object) -> Organisation:
    settings = org_state().settings
    if settings.create_roles and not settings.create_roles & set(user.roles or ()):
        raise Forbidden("Creating organisations needs one of the roles: " + ", ".join(sorted(settings.create_roles)))
    if not isinstance(slug, str) or not SLUG.match(slug) or slug in RESERVED_SLUGS:
        raise BadRequest('slug must be 1 to 64 lower-case letters, digits or inner hyphens (not "active").')
    name = check_name(name)
    made = db.session.scalar(select(func.count()).select_from(Organisation).where(Organisation.created_by == user.id))
    if made >= settings.per_user:
        raise Forbidden(f"You have created the most organisations allowed ({settings.per_user}).")
    now = time.time()
    org = Organisation(slug=slug, name=name, created_by=user.id, created_at=now)
    db.session.add(org)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise SlugTaken() from None
    db.session.add(Membership(org_id=org.id, user_id=user.id, role=OWNER, created_at=now))
    org_state().view.record([(user.id, org.id, OWNER)], now)  # commits
    audit("org_created", user_id=user.id, org_id=org.id, slug=slug)
    return org


def rename(org: Organisation, actor: Membership, name: object) -> None:
    require(actor, ADMIN)
    org.name = check_name(name)
    db.session.commit()
    audit("org_renamed", user_id=actor.user_id, org_id=org.id)


def delete(org: Organisation, actor: Membership) -> None:
    require(actor, OWNER)
    members = list(db.session.scalars(select(Membership.user_id).where(Membership.org_id == org.id)))
    org_id, actor_id = org.id, actor.user_id
    db.session.execute(Membership.__table__.delete().where(Membership.org_id == org_id))
    db.session.delete(org)
    org_state().view.record([(user_id, org_id, "") for user_id in members], time.time())
    audit("org_deleted", user_id=actor_id, org_id=org_id, members=len(members))


def members_of(org: Organisation) -> list[dict[str, object]]:
    rows = db.session.execute(
        select(User.id, User.username, Membership.role, Membership.created_at)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.org_id == org.id)
        .order_by(Membership.created_at)
    ).all()
    return [{"user_id": str(r.id), "username": r.username, "role": r.role, "joined_at": r.created_at} for r in rows]


def _owners(org: Organisation) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.org_id == org.id, Membership.role == OWNER)
    )


def _target(org: Organisation, user_id: str) -> Membership:
    valid = user_id.isascii() and user_id.isdigit() and len(user_id) <= 10 and int(user_id) < 2**31
    target = db.session.get(Membership, (org.id, int(user_id))) if valid else None
    if target is None:
        raise NotFound(N_("That user is not a member of this organisation."))
    return target


def set_role(org: Organisation, actor: Membership, user_id: str, role: object) -> Membership:
    role = check_role(role)
    require(actor, ADMIN)
    target = _target(org, user_id)
    if rank(target.role) > rank(actor.role) or rank(role) > rank(actor.role):
        raise Forbidden(N_("You cannot give or change a role above your own."))
    if target.role == role:
        return target
    if target.role == OWNER and _owners(org) <= 1:
        raise LastOwner()
    old, target.role = target.role, role
    org_state().view.record([(target.user_id, org.id, role)], time.time())
    audit("org_role_changed", user_id=actor.user_id, org_id=org.id, member=target.user_id, old=old, role=role)
    return target


def remove(org: Organisation, actor: Membership, user_id: str) -> None:
    target = _target(org, user_id)
    if target.user_id != actor.user_id:
        require(actor, ADMIN)
        if rank(target.role) > rank(actor.role):
            raise Forbidden(N_("You cannot remove a member whose role is above your own."))
    if target.role == OWNER and _owners(org) <= 1:
        raise LastOwner()
    member_id, actor_id, org_id = target.user_id, actor.user_id, org.id
    db.session.delete(target)
    org_state().view.record([(member_id, org_id, "")], time.time())
    audit(
        "org_left" if member_id == actor_id else "org_member_removed", user_id=actor_id, org_id=org_id, member=member_id
    )


def memberships_of(user_id: int) -> list[dict[str, object]]:
    """A user's organisations and role in each (the admin console and ``GET /auth/orgs`` show it)."""
    rows = db.session.execute(
        select(Organisation, Membership.role, Membership.created_at)
        .join(Membership, Membership.org_id == Organisation.id)
        .where(Membership.user_id == user_id)
        .order_by(Organisation.slug)
    ).all()
    return [{**org.as_json(), "role": role, "joined_at": joined} for org, role, joined in rows]


def administered_org(user_id: int, slug: str) -> str | None:
    """The id of organisation ``slug`` when ``user_id`` is an admin or owner of it (a key may then act for it)."""
    try:
        org, member = find(slug, user_id)
    except NoSuchOrg:
        return None
    return str(org.id) if rank(member.role) >= rank(ADMIN) else None

"""Invitations by email: issued by an admin, taken once by the account whose verified address was invited.

The token is 32 random bytes, stored only as its SHA-256; the link is mailed
(through the mail capability's outbox) or, with ``send: false``, returned to
the inviter to share. Accepting deletes the row in one statement, so two
racing acceptances cannot both win; an expired row is refused and swept.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from flask import request
from sqlalchemy import delete, select

from auth.core.addresses import check_email, email_key
from auth.core.audit import audit
from auth.core.errors import BadRequest, Conflict, Forbidden, NotFound
from auth.core.texts import N_
from auth.mail.flows import origin_of_request
from auth.mail.messages import compose
from auth.mail.state import mail_state
from auth.mail.transport import deliver
from auth.orgs import members
from auth.orgs.state import org_state
from auth.web.i18n import in_language
from models import Invitation, Membership, Organisation, User, db
from models.org import ADMIN

BUILTIN_PAGE = "/auth/invitations/accept"
FRONTEND_PAGE = "/accept-invitation"


class InvalidInvitation(BadRequest):
    message = N_("This invitation is invalid, already used or expired; ask for a new one.")
    code = "invalid_token"


class WrongAddress(Forbidden):
    message = N_(
        "This invitation is for another email address: sign in with the account whose verified address got it."
    )
    code = "wrong_address"


class AlreadyMember(Conflict):
    message = N_("A member of this organisation already has that address.")
    code = "already_member"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def link(token: str) -> str:
    """Where the invitation is taken: the frontend's page (EMAIL_LINK_URL) or the built-in one."""
    settings = mail_state().settings
    if settings.link_url:
        return f"{settings.link_url}{FRONTEND_PAGE}?token={token}"
    return f"{request.host_url.rstrip('/')}{BUILTIN_PAGE}?token={token}"


def invite(org: Organisation, actor: Membership, email: object, role: object, *, send: bool) -> tuple[Invitation, str]:
    """A new invitation and its link; mailed unless ``send`` is false."""
    members.require(actor, ADMIN)
    if not isinstance(email, str):
        raise BadRequest(N_("email must be an email address."))
    address = check_email(email)
    role = members.check_role(role)
    if members.rank(role) > members.rank(actor.role):
        raise Forbidden(N_("You cannot invite to a role above your own."))
    key = email_key(address)
    taken = db.session.scalar(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.org_id == org.id, User.email_key == key)
    )
    if taken is not None:
        raise AlreadyMember()
    mail = mail_state()
    if send and not mail.settings.enabled:
        raise NotFound(N_("Email is not configured on this server (MAIL_URL is unset): invite with send false."))
    now = time.time()
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(Invitation).where(Invitation.org_id == org.id, Invitation.email_key == key))
    db.session.execute(delete(Invitation).where(Invitation.expires_at < now))
    invitation = Invitation(
        id=secrets.token_urlsafe(12),
        org_id=org.id,
        email=address,
        email_key=key,
        role=role,
        token_hash=_hash(token),
        invited_by=actor.user_id,
        created_at=now,
        expires_at=now + org_state().settings.invite_ttl,
    )
    db.session.add(invitation)
    db.session.commit()
    url = link(token)
    audit("org_invitation_created", user_id=actor.user_id, org_id=org.id, invitation=invitation.id, role=role)
    if send:
        inviter = db.session.get(User, actor.user_id)
        _mail(org.name, inviter.username if inviter else "", address, role, url)
    return invitation, url


def _mail(org_name: str, inviter: str, address: str, role: str, url: str) -> None:
    state = mail_state()
    origin = origin_of_request(state)
    days = max(1, org_state().settings.invite_ttl // 86400)

    def job() -> None:
        if state.settings.destination is None:
            return
        with in_language(origin.language):  # the worker has no request: write in the inviter's language
            message = compose(
                "org_invitation",
                to=address,
                sender=origin.sender,
                org_name=org_name,
                inviter=inviter,
                role=role,
                link=url,
                days=days,
            )
        deliver(state.settings.destination, message)
        audit("mail_sent", kind="org_invitation")

    state.outbox.submit("org_invitation", job)


def pending(org: Organisation) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.org_id == org.id, Invitation.expires_at > time.time())
            .order_by(Invitation.created_at)
        )
    )


def revoke(org: Organisation, actor: Membership, invitation_id: str) -> None:
    members.require(actor, ADMIN)
    gone = db.session.execute(
        delete(Invitation).where(Invitation.org_id == org.id, Invitation.id == invitation_id)
    ).rowcount
    db.session.commit()
    if gone != 1:
        raise NotFound(N_("No such invitation."))
    audit("org_invitation_revoked", user_id=actor.user_id, org_id=org.id, invitation=invitation_id)


def peek(token: str) -> tuple[Invitation, Organisation]:
    """The live invitation a token names and its organisation, left in place; 400 otherwise."""
    row = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))
    if row is None or row.expires_at <= time.time():
        raise InvalidInvitation()
    return row, db.session.get(Organisation, row.org_id)


def addressed_to(invitation: Invitation, user: User) -> bool:
    """True when the user's *verified* address is the invited one."""
    return user.email_verified_at is not None and bool(user.email) and email_key(user.email) == invitation.email_key


def accept(token: object, user: User) -> tuple[Organisation, str]:
    """Join the organisation; the invitation is spent. Returns the organisation and the role held."""
    if not isinstance(token, str) or not token:
        raise InvalidInvitation()
    invitation, org = peek(token)
    if not addressed_to(invitation, user):
        audit("org_invitation_refused", user_id=user.id, org_id=org.id, invitation=invitation.id)
        raise WrongAddress()
    spent = db.session.execute(delete(Invitation).where(Invitation.token_hash == invitation.token_hash)).rowcount
    if spent != 1:
        db.session.rollback()
        raise InvalidInvitation()
    current = db.session.get(Membership, (org.id, user.id))
    if current is not None:
        db.session.commit()
        return org, current.role
    db.session.add(Membership(org_id=org.id, user_id=user.id, role=invitation.role, created_at=time.time()))
    org_state().view.record([(user.id, org.id, invitation.role)], time.time())  # commits
    audit("org_invitation_accepted", user_id=user.id, org_id=org.id, invitation=invitation.id, role=invitation.role)
    return org, invitation.role

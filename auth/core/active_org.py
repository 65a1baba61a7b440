"""What an access token says about its session's active organisation (the ``org`` claim).

Read at every issue (sign-in, refresh, switching), so a refresh carries the
role the user holds now, and no claim at all once they left the organisation.
"""

from __future__ import annotations

from sqlalchemy import select

from auth.core.tokens import OrgClaim
from models import Membership, Organisation, Session, db


def active_org(session: Session) -> OrgClaim | None:
    """The session's active organisation and the user's role in it; None without one (or a membership)."""
    if session.active_org_id is None:
        return None
    row = db.session.execute(
        select(Organisation.slug, Membership.role)
        .join(Membership, Membership.org_id == Organisation.id)
        .where(Organisation.id == session.active_org_id, Membership.user_id == session.user_id)
    ).first()
    return OrgClaim(id=str(session.active_org_id), slug=row.slug, role=row.role) if row is not None else None

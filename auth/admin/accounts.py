"""What an admin does to an account: each change and its audit event in one transaction.

Every event names the admin as ``actor_id``. The views parse and reply;
this module changes the database and never reads the request.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import delete, select

from auth.admin.extensions import user_details
from auth.core.accounts import delete_user, find_by_verified_email, find_user, lock_user, unlock_user
from auth.core.addresses import email_key
from auth.core.audit import audit
from auth.core.errors import Conflict, NotFound
from auth.core.state import AuthState
from models import AuditEvent, Identity, MfaAttempt, Passkey, RecoveryCode, Session, TotpSecret, User, db
from models.user import username_key

SIGN_IN_EVENTS = ("login", "register")
RECENT_SIGN_INS = 10


def get_user(user_id: str | int) -> User:
    user = db.session.get(User, int(user_id)) if str(user_id).isdigit() else None
    if user is None:
        raise NotFound("No such user.")
    return user


def _iso(epoch: float | None) -> str | None:
    return None if epoch is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def summary(user: User) -> dict[str, Any]:
    """A row of the user list."""
    return {
        **user.as_json(),
        "locked": user.is_locked,
        "created_at": _iso(user.created_at),
    }


def detail(state: AuthState, user: User, now: float) -> dict[str, Any]:
    """Everything an admin sees about one user; never a secret, hash or token."""
    totp = db.session.get(TotpSecret, user.id)
    passkeys = db.session.scalars(select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.created_at))
    recovery_left = len(
        list(
            db.session.scalars(
                select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
            )
        )
    )
    identities = db.session.scalars(select(Identity).where(Identity.user_id == user.id).order_by(Identity.id))
    sign_ins = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.user_id == user.id, AuditEvent.event.in_(SIGN_IN_EVENTS))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(RECENT_SIGN_INS)
    )
    return {
        **summary(user),
        "locked_at": _iso(user.locked_at) if user.is_locked else None,
        "locked_reason": user.locked_reason if user.is_locked else None,
        "locked_until": _iso(user.locked_until) if user.is_locked else None,
        "has_password": user.has_password,
        "factors": {
            "totp": totp is not None and totp.confirmed_at is not None,
            "recovery_codes_left": recovery_left,
            "passkeys": [
                {"id": p.id, "name": p.name, "created_at": _iso(p.created_at), "last_used_at": _iso(p.last_used_at)}
                for p in passkeys
            ],
        },
        "providers": [
            {"id": str(i.id), "provider": i.provider, "email": i.email, "created_at": _iso(i.created_at)}
            for i in identities
        ],
        "sessions": [
            {
                "id": s.id,
                "created_at": _iso(s.created_at),
                "last_used_at": _iso(s.last_used_at),
                "user_agent": s.user_agent,
                "ip": s.ip,
                "impersonated_by": None if s.impersonator_id is None else str(s.impersonator_id),
            }
            for s in state.sessions.live_for_user(user.id, now)
        ],
        "memberships": [],
        "last_sign_ins": [
            {"time": _iso(e.created_at), "ip": e.ip, "user_agent": e.user_agent, "method": e.details.get("method")}
            for e in sign_ins
        ],
        **user_details(user),
    }


def create(name: str, *, email: str | None, roles: list[str], actor_id: str) -> User:
    """A user without a password (they set one through the mailed link, or an admin's reset).

    An address an admin enters counts as verified, as with ``flask users create --email``.
    """
    if find_user(name) is not None:
        raise Conflict("That username is taken.")
    if email is not None and find_by_verified_email(email) is not None:
        raise Conflict("That email address belongs to another account.")
    user = User(username=name, username_key=username_key(name), password_hash="", roles=sorted(set(roles)))
    if email is not None:
        user.email, user.email_key, user.email_verified_at = email, email_key(email), time.time()
    db.session.add(user)
    db.session.flush()
    audit("user_created", user_id=user.id, actor_id=actor_id, roles=user.roles, email=email is not None)
    db.session.commit()
    return user


def set_roles(state: AuthState, user: User, roles: list[str], *, actor_id: str) -> None:
    """New roles; the user's live access tokens are refused until refreshed with them."""
    before = list(user.roles or [])
    user.roles = sorted(set(roles))
    audit("roles_changed", user_id=user.id, actor_id=actor_id, before=before, after=user.roles)
    db.session.commit()
    state.sessions.reissue_for_user(user.id, now=time.time())


def set_email(user: User, email: str, *, actor_id: str) -> None:
    owner = find_by_verified_email(email)
    if owner is not None and owner.id != user.id:
        raise Conflict("That email address belongs to another account.")
    user.email, user.email_key, user.email_verified_at = email, email_key(email), time.time()
    audit("email_changed", user_id=user.id, actor_id=actor_id)
    db.session.commit()


def lock(state: AuthState, user: User, *, reason: str | None, until: float | None, actor_id: str) -> list[str]:
    user.locked_reason, user.locked_until = reason, until
    return lock_user(state, user, actor_id=actor_id, reason=reason, until=until)


def unlock(user: User, *, actor_id: str) -> None:
    unlock_user(user, actor_id=actor_id)


def end_sessions(state: AuthState, user: User, *, actor_id: str) -> list[str]:
    ended = state.sessions.revoke_user(user.id, now=time.time())
    audit("sessions_revoked", user_id=user.id, actor_id=actor_id, sessions=len(ended))
    db.session.commit()
    return ended


def end_session(state: AuthState, session_id: str, *, actor_id: str) -> Session:
    session = state.sessions.find_live(session_id, time.time())
    if session is None:
        raise NotFound("No such live session.")
    state.sessions.revoke([session.id], now=time.time())
    audit("session_revoked", user_id=session.user_id, session_id=session.id, actor_id=actor_id)
    db.session.commit()
    return session


def reset_factors(user: User, *, actor_id: str) -> dict[str, int]:
    """Remove every second factor (a lost phone), in one transaction with its event."""
    removed = {
        "totp": db.session.execute(delete(TotpSecret).where(TotpSecret.user_id == user.id)).rowcount,
        "passkeys": db.session.execute(delete(Passkey).where(Passkey.user_id == user.id)).rowcount,
    }
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(MfaAttempt).where(MfaAttempt.user_id == user.id))
    audit("mfa_reset", user_id=user.id, actor_id=actor_id, by="admin", **removed)
    db.session.commit()
    return removed


def remove(state: AuthState, user: User, *, actor_id: str) -> None:
    """Delete the user and everything they own; their sessions, and their impersonations of others, end at once."""
    now = time.time()
    acting = select(Session.id).where(Session.impersonator_id == user.id, Session.revoked_at.is_(None))
    state.sessions.revoke(list(db.session.scalars(acting)), now=now)
    audit("user_deleted", user_id=user.id, actor_id=actor_id, username=user.username)
    delete_user(state, user, now=now)


def note_reset_mailed(user: User, *, actor_id: str) -> None:
    audit("password_reset_mailed", user_id=user.id, actor_id=actor_id)
    db.session.commit()

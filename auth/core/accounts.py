"""Users: lookup by name, password checks behind the hash gate, creation, locking."""

from __future__ import annotations

import time

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from auth.core.addresses import email_key
from auth.core.audit import audit
from auth.core.errors import AccountLocked, Conflict
from auth.core.events import account_ended, announce, password_changed
from auth.core.state import AuthState
from models import MailToken, User, db
from models.user import username_key

DUMMY_SAMPLE = 256


def find_user(name: str) -> User | None:
    return db.session.scalar(select(User).where(User.username_key == username_key(name)))


def find_by_verified_email(address: str) -> User | None:
    """The user whose verified address this is (unverified addresses claim nothing).

    ``email_key`` is set only once an address is verified; the second
    condition keeps that true even for a row written otherwise.
    """
    return db.session.scalar(
        select(User).where(User.email_key == email_key(address), User.email_verified_at.is_not(None))
    )


def check_password(state: AuthState, user: User | None, password: str) -> bool:
    """Verify under admission control; upgrade an outdated hash on success.

    For an unknown user, the dummy hash is first matched to the stored ones
    (at most hourly), so the miss costs what a real user's wrong password does.
    A user without a password (made by an identity provider) is checked
    against the dummy hash, like an unknown user: a wrong password, same time.
    """
    now = time.time()
    stored_hash = (user.password_hash or None) if user else None
    sample = _stored_hashes() if user is None and state.passwords.dummy_due(now) else None
    db.session.commit()  # end the read: no pooled connection is held through the slow hash
    with state.gate.admit():
        if sample is not None:
            state.passwords.match_dummy(sample, now)
        ok = state.passwords.verify(stored_hash, password)
    if ok and user is not None and state.passwords.needs_rehash(user.password_hash):
        with state.gate.admit():
            user.password_hash = state.passwords.hash(password)
        db.session.commit()
    return ok


def _stored_hashes() -> list[str]:
    """A random sample of stored password hashes, for their parameters."""
    return list(db.session.scalars(select(User.password_hash).order_by(func.random()).limit(DUMMY_SAMPLE)))


def create_user(
    state: AuthState,
    name: str,
    password: str,
    roles: list[str] | None = None,
    *,
    email: str | None = None,
    email_verified: bool = False,
) -> User:
    """A new user; ``email`` (already checked) counts only when ``email_verified``."""
    if find_user(name) is not None:
        raise Conflict("That username is taken.")
    if email is not None and email_verified and find_by_verified_email(email) is not None:
        raise Conflict("That email address belongs to another account.")
    with state.gate.admit():
        password_hash = state.passwords.hash(password)
    user = User(username=name, username_key=username_key(name), password_hash=password_hash, roles=roles or [])
    if email is not None:
        user.email = email
        if email_verified:
            user.email_key, user.email_verified_at = email_key(email), time.time()
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("That username or email address is taken.") from None
    return user


def set_password(state: AuthState, user: User, password: str) -> None:
    """Every password change ends here: the mailed tokens of the user die with the old password."""
    with state.gate.admit():
        user.password_hash = state.passwords.hash(password)
    db.session.execute(delete(MailToken).where(MailToken.user_id == user.id))
    db.session.commit()
    announce(password_changed, user_id=user.id)


def lock_user(state: AuthState, user: User, *, now: float | None = None, **details: object) -> list[str]:
    """Lock ``user`` out and end every session at once; returns the ended session ids.

    The lock is committed before the sessions end, so a sign-in or a refresh
    racing with it either sees the lock or has its new session ended too.
    """
    now = time.time() if now is None else now
    user.locked_at = now
    db.session.commit()
    ended = state.sessions.revoke_user(user.id, now=now)
    announce(account_ended, user_id=user.id, now=now)
    audit("user_locked", user_id=user.id, sessions_ended=len(ended), **details)
    return ended


def delete_user(state: AuthState, user: User, *, now: float | None = None) -> list[str]:
    """Delete ``user``: their sessions and other credentials end first; returns the ended session ids."""
    now = time.time() if now is None else now
    ended = state.sessions.revoke_user(user.id, now=now)
    announce(account_ended, user_id=user.id, now=now)
    db.session.delete(user)
    db.session.commit()
    return ended


def unlock_user(user: User, **details: object) -> None:
    """Lift an operator's lock, and the second-factor failure cap (``MFA_FAILURE_CAP``) with it.

    ``details`` go into the audit event (``actor_id`` of the admin who unlocked).
    """
    user.locked_at = user.locked_until = user.locked_reason = None
    user.mfa_failures = 0
    audit("user_unlocked", user_id=user.id, **details)
    db.session.commit()


def refuse_if_locked(user: User, *, session_id: str | None = None) -> None:
    """Every sign-in and every refresh asks this; a locked account is refused and audited."""
    if user.is_locked:
        audit("locked_refused", user_id=user.id, session_id=session_id)
        raise AccountLocked()

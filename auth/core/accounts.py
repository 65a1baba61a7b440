"""Users: lookup by name, password checks behind the hash gate, creation, locking."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth.core.audit import audit
from auth.core.errors import AccountLocked, Conflict
from auth.core.state import AuthState
from models import User, db
from models.user import username_key


def find_user(name: str) -> User | None:
    return db.session.scalar(select(User).where(User.username_key == username_key(name)))


def check_password(state: AuthState, user: User | None, password: str) -> bool:
    """Verify under admission control; upgrade an outdated hash on success."""
    stored_hash = user.password_hash if user else None
    db.session.commit()  # end the read: no pooled connection is held through the slow hash
    with state.gate.admit():
        ok = state.passwords.verify(stored_hash, password)
    if ok and user is not None and state.passwords.needs_rehash(user.password_hash):
        with state.gate.admit():
            user.password_hash = state.passwords.hash(password)
        db.session.commit()
    return ok


def create_user(state: AuthState, name: str, password: str, roles: list[str] | None = None) -> User:
    if find_user(name) is not None:
        raise Conflict("That username is taken.")
    with state.gate.admit():
        password_hash = state.passwords.hash(password)
    user = User(username=name, username_key=username_key(name), password_hash=password_hash, roles=roles or [])
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("That username is taken.") from None
    return user


def set_password(state: AuthState, user: User, password: str) -> None:
    with state.gate.admit():
        user.password_hash = state.passwords.hash(password)
    db.session.commit()


def lock_user(state: AuthState, user: User, *, now: float | None = None) -> list[str]:
    """Lock ``user`` out and end every session at once; returns the ended session ids.

    The lock is committed before the sessions end, so a sign-in or a refresh
    racing with it either sees the lock or has its new session ended too.
    """
    now = time.time() if now is None else now
    user.locked_at = now
    db.session.commit()
    ended = state.sessions.revoke_user(user.id, now=now)
    audit("user_locked", user_id=user.id, sessions_ended=len(ended))
    return ended


def unlock_user(user: User) -> None:
    user.locked_at = None
    db.session.commit()
    audit("user_unlocked", user_id=user.id)


def refuse_if_locked(user: User, *, session_id: str | None = None) -> None:
    """Every sign-in and every refresh asks this; a locked account is refused and audited."""
    if user.is_locked:
        audit("locked_refused", user_id=user.id, session_id=session_id)
        raise AccountLocked()

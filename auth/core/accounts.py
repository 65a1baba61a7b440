"""Users: lookup by name, password checks behind the hash gate, creation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth.core.errors import Conflict
from auth.core.state import AuthState
from models import User, db
from models.user import username_key


def find_user(name: str) -> User | None:
    return db.session.scalar(select(User).where(User.username_key == username_key(name)))


def check_password(state: AuthState, user: User | None, password: str) -> bool:
    """Verify under admission control; upgrade an outdated hash on success.

    A user without a password (made by an identity provider) is checked
    against the dummy hash, like an unknown user: a wrong password, same time.
    """
    stored_hash = (user.password_hash or None) if user else None
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

"""Storage of codes and tokens, and the one rule that ties app tokens to sessions.

A user's app token is alive only while the browser session it came from is
(``Session.is_live``: not ended by logout, "sign out everywhere", the account
page or a lock) and its user is not locked. The check reads the sessions
table on every use, so an ended session ends the app's tokens at once.
"""

from __future__ import annotations

import hashlib
import time

from sqlalchemy import update

from auth.core.audit import audit
from models import OAuthToken, Session, SessionMethods, User, db


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def session_alive(session_id: str | None, user_id: int | None, now: float) -> bool:
    """True for a client's own token (no user), or a user token whose session and user are in good standing."""
    if user_id is None:
        return True
    session = db.session.get(Session, session_id) if session_id else None
    if session is None or not session.is_live(now) or session.user_id != user_id:
        return False
    user = db.session.get(User, user_id)
    return user is not None and not user.is_locked


def token_by(*, access: str | None = None, refresh: str | None = None) -> OAuthToken | None:
    if access is not None:
        return db.session.query(OAuthToken).filter_by(access_hash=digest(access)).first()
    if refresh is not None:
        return db.session.query(OAuthToken).filter_by(refresh_hash=digest(refresh)).first()
    return None


def revoke_family(family: str, *, reason: str, now: float | None = None) -> None:
    """End every token of one grant (all its rotations)."""
    when = time.time() if now is None else now
    db.session.execute(
        update(OAuthToken).where(OAuthToken.family == family, OAuthToken.revoked_at.is_(None)).values(revoked_at=when)
    )
    db.session.commit()
    audit("app_tokens_revoked", reason=reason)


def revoke_user_tokens(user_id: int, *, reason: str) -> None:
    """End every app token of a user (their password changed: what apps hold was got with the old one)."""
    db.session.execute(
        update(OAuthToken)
        .where(OAuthToken.user_id == user_id, OAuthToken.revoked_at.is_(None))
        .values(revoked_at=time.time())
    )
    db.session.commit()
    audit("app_tokens_revoked", user_id=user_id, reason=reason)


def is_active(token: OAuthToken, now: float, *, refresh: bool = False) -> bool:
    """Whether the access token (or with ``refresh``, the refresh token) may still be used."""
    if token.revoked_at is not None:
        return False
    if refresh:
        if token.rotated_at is not None or token.refresh_expires_at is None or now >= token.refresh_expires_at:
            return False
    elif now >= token.expires_at:
        return False
    return session_alive(token.session_id, token.user_id, now)


def session_method(session_id: str) -> str | None:
    row = db.session.get(SessionMethods, session_id)
    return row.method if row else None


def record_session_method(session_id: str, method: str) -> None:
    """Remember how a session began (an audit listener calls this for each sign-in)."""
    if db.session.get(SessionMethods, session_id) is None:
        db.session.add(SessionMethods(session_id=session_id, method=method[:64]))
        db.session.commit()

"""Session and refresh-token lifecycle: start, rotate, revoke, list, prune.

A refresh token is 32 random bytes, stored only as an HMAC of it under a
key derived from ``JWT_SECRET`` (see ``TokenHasher``), so replacing the
secret without listing the old one in ``JWT_PREVIOUS_SECRETS`` ends every
session. Rotation derives the successor as HMAC(key, old token): the server can hand the same
successor to a second request that presents the old token within the grace
window (two tabs, a page and the middleware) without storing any token in
clear, and two racing rotations agree on the result. A rotated token
presented after the grace window is reuse: the whole session ends. A
session of a locked account never rotates: it ends instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update

from auth.core.audit import audit
from auth.core.errors import Unauthorized
from auth.core.revocation import RevocationView
from auth.core.settings import Settings
from auth.core.texts import N_
from models import REVOKED, RefreshToken, Revocation, Session, User, db

PRUNE_EVERY_SECONDS = 3600


class DeadRefreshToken(Unauthorized):
    """The refresh token can never work again: the reply also expires the cookies."""

    message = N_("The refresh token is not valid; sign in again.")
    code = "invalid_refresh_token"


class RefreshReuse(DeadRefreshToken):
    message = N_("This refresh token was already used; the session has been ended.")
    code = "refresh_token_reused"

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session_id = session.id
        self.user_id = session.user_id


class SessionEnded(DeadRefreshToken):
    message = N_("The session has ended; sign in again.")
    code = "session_ended"


class LockedSession(SessionEnded):
    message = N_("This account is locked; contact an administrator.")
    code = "account_locked"


@dataclass(frozen=True)
class Issued:
    session: Session
    refresh_token: str


class TokenHasher:
    """How refresh tokens are stored: HMAC-SHA-256 under a key derived from the secret.

    New hashes use the current ``JWT_SECRET``; lookups also try every
    ``JWT_PREVIOUS_SECRETS`` entry, and the plain SHA-256 that rows written
    before this scheme hold. A token found under an older key is rotated
    into one stored under the current key at its next refresh.
    """

    def __init__(self, secret: bytes, previous: tuple[bytes, ...]) -> None:
        self._current = self._derive(secret)
        self._previous = tuple(self._derive(old) for old in previous)

    @staticmethod
    def _derive(secret: bytes) -> bytes:
        return hmac.new(secret, b"refresh-token-hash", "sha256").digest()

    def current(self, token: str) -> str:
        return hmac.new(self._current, token.encode(), "sha256").hexdigest()

    def candidates(self, token: str) -> list[str]:
        """Every hash the token may be stored under, current key first."""
        keyed = [hmac.new(key, token.encode(), "sha256").hexdigest() for key in (self._current, *self._previous)]
        return [*keyed, hashlib.sha256(token.encode()).hexdigest()]


class SessionStore:
    def __init__(self, settings: Settings, revocations: RevocationView) -> None:
        self._settings = settings
        self._revocations = revocations
        self._hasher = TokenHasher(settings.jwt_secret, settings.jwt_previous_secrets)
        self._successor_key = hmac.new(settings.jwt_secret, b"refresh-token-successor", "sha256").digest()
        self._pruned_at = 0.0

    def start(
        self,
        user: User,
        *,
        user_agent: str,
        ip: str,
        now: float,
        ttl: int | None = None,
        impersonator_id: int | None = None,
        admin_session_id: str | None = None,
    ) -> Issued:
        """A new session; ``ttl`` shorter than ``REFRESH_TOKEN_TTL`` and the
        impersonator fields make it an admin's impersonation of ``user``."""
        self._maybe_prune(now)
        session = Session(
            id=secrets.token_urlsafe(16),
            user_id=user.id,
            created_at=now,
            last_used_at=now,
            authenticated_at=now,
            expires_at=now + min(ttl or self._settings.refresh_token_ttl, self._settings.refresh_token_ttl),
            version=1,
            user_agent=user_agent[:256],
            ip=ip[:64],
            impersonator_id=impersonator_id,
            admin_session_id=admin_session_id,
        )
        db.session.add(session)
        db.session.flush()
        return self.resume(session, now=now)

    def resume(self, session: Session, *, now: float) -> Issued:
        """A new refresh token for a live session whose browser no longer holds one
        (an admin back from an impersonation); the session's other tokens stay as they are."""
        token = secrets.token_urlsafe(32)
        db.session.add(RefreshToken(token_hash=self._hasher.current(token), session_id=session.id, created_at=now))
        db.session.commit()
        return Issued(session, token)

    def rotate(self, token: str, *, now: float) -> Issued:
        """Exchange a refresh token for its successor; raise Unauthorized if it can't be."""
        row = self._find(token)
        if row is None:
            raise DeadRefreshToken()
        session = db.session.get(Session, row.session_id)
        if session is None or not session.is_live(now):
            raise SessionEnded()
        user = db.session.get(User, session.user_id)
        if user is None or user.is_locked:
            self.revoke([session.id], now=now)
            if user is not None:
                audit("locked_refused", user_id=user.id, session_id=session.id)
            raise LockedSession() if user is not None else SessionEnded()
        successor = self._successor(token)
        if row.rotated_at is None:
            claimed = db.session.execute(
                update(RefreshToken)
                .where(RefreshToken.token_hash == row.token_hash, RefreshToken.rotated_at.is_(None))
                .values(rotated_at=now)
            ).rowcount
            if claimed == 1:
                db.session.add(
                    RefreshToken(token_hash=self._hasher.current(successor), session_id=session.id, created_at=now)
                )
                session.last_used_at = now
                db.session.commit()
                return Issued(session, successor)
            db.session.rollback()
            db.session.refresh(row)
        if row.rotated_at is not None and now - row.rotated_at <= self._settings.refresh_grace_seconds:
            current = db.session.get(RefreshToken, self._hasher.current(successor))
            if current is not None and current.rotated_at is None:
                return Issued(session, successor)
            raise Unauthorized("This refresh token was just replaced; use the newer one.")
        self.revoke([session.id], now=now)
        raise RefreshReuse(session)

    def authenticated_since(self, session_id: str, now: float) -> float | None:
        """When the live session's user last proved who they are, or None if it is not live."""
        session = self.find_live(session_id, now)
        if session is None:
            return None
        return session.authenticated_at if session.authenticated_at is not None else session.created_at

    def mark_authenticated(self, session_id: str, *, now: float) -> None:
        """Record a fresh proof of identity (reauthentication) for a live session."""
        db.session.execute(update(Session).where(Session.id == session_id).values(authenticated_at=now))
        db.session.commit()

    def session_id_for(self, refresh_token: str) -> str | None:
        row = self._find(refresh_token)
        return row.session_id if row is not None else None

    def _find(self, token: str) -> RefreshToken | None:
        return db.session.scalars(
            select(RefreshToken).where(RefreshToken.token_hash.in_(self._hasher.candidates(token)))
        ).first()

    def find_live(self, session_id: str, now: float) -> Session | None:
        session = db.session.get(Session, session_id)
        return session if session is not None and session.is_live(now) else None

    def live_for_user(self, user_id: int, now: float) -> list[Session]:
        return list(
            db.session.scalars(
                select(Session)
                .where(Session.user_id == user_id, Session.revoked_at.is_(None), Session.expires_at > now)
                .order_by(Session.last_used_at.desc(), Session.created_at.desc())
            )
        )

    def revoke(self, session_ids: list[str], *, now: float) -> None:
        """End sessions: their refresh tokens stop working and access tokens are refused."""
        if not session_ids:
            return
        db.session.execute(
            update(Session).where(Session.id.in_(session_ids), Session.revoked_at.is_(None)).values(revoked_at=now)
        )
        self._log_and_publish([(sid, REVOKED) for sid in session_ids], now)

    def enforce_limit(self, user_id: int, *, keep: str, now: float) -> list[str]:
        """End the user's least recently used sessions beyond ``SESSION_LIMIT_PER_USER``, never ``keep``.

        Least recently used rather than first created: a device in daily use
        keeps its session however old, while a forgotten one goes first.
        """
        others = [s.id for s in self.live_for_user(user_id, now) if s.id != keep]
        ended = others[max(0, self._settings.session_limit_per_user - 1) :]
        self.revoke(ended, now=now)
        return ended

    def revoke_user(self, user_id: int, *, now: float, keep: str | None = None) -> list[str]:
        ids = [s.id for s in self.live_for_user(user_id, now) if s.id != keep]
        self.revoke(ids, now=now)
        return ids

    def revoke_all(self, *, now: float) -> int:
        """End every live session (after a key leak): refresh tokens die, access tokens are refused."""
        ids = list(db.session.scalars(select(Session.id).where(Session.revoked_at.is_(None), Session.expires_at > now)))
        for start in range(0, len(ids), 500):
            self.revoke(ids[start : start + 500], now=now)
        return len(ids)

    def reissue_for_user(self, user_id: int, *, now: float) -> None:
        """Refuse the user's current access tokens but keep the sessions (roles changed).

        The next refresh, silent or explicit, mints a token with the new roles.
        """
        sessions = self.live_for_user(user_id, now)
        for session in sessions:
            session.version += 1
        self._log_and_publish([(s.id, s.version) for s in sessions], now)

    def prune(self, now: float) -> int:
        """Delete sessions that expired or were revoked longer ago than any token lives."""
        horizon = now - self._settings.access_token_ttl - 60
        result = db.session.execute(delete(Session).where(or_(Session.expires_at < now, Session.revoked_at < horizon)))
        db.session.execute(delete(Revocation).where(Revocation.created_at < horizon))
        db.session.commit()
        return result.rowcount

    def _maybe_prune(self, now: float) -> None:
        if now - self._pruned_at >= PRUNE_EVERY_SECONDS:
            self._pruned_at = now
            self.prune(now)

    def _log_and_publish(self, entries: list[tuple[str, int]], now: float) -> None:
        for session_id, min_version in entries:
            db.session.add(Revocation(session_id=session_id, min_version=min_version, created_at=now))
        db.session.commit()
        self._revocations.record(entries, now)

    def _successor(self, token: str) -> str:
        digest = hmac.new(self._successor_key, token.encode(), "sha256").digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

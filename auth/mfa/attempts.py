"""Sign-ins waiting for their second factor ("mfa_pending").

The browser holds a random id; the row holds its hash, the user, the first
factor's method, when it began, the wrong codes so far and where to go
after. An attempt lives five minutes and ends after five wrong codes.
Opening a new attempt carries over the user's recent failures, so signing
in with the password again does not buy five more guesses.

Every code is counted *before* it is checked, by one conditional UPDATE
(``failures < 5``) that either takes one of the attempt's five tries or
finds none left: concurrent requests cannot all pass a check they read
before any of them counted. The same is done per user, across attempts,
by ``auth.mfa.failure_cap``, so the five-minute budget does not renew for ever.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from models import MfaAttempt, db

ATTEMPT_SECONDS = 300
MAX_FAILURES = 5


@dataclass(frozen=True)
class Opened:
    token: str
    attempt: MfaAttempt


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_attempt(user_id: int, first_method: str, next_url: str | None, *, now: float) -> Opened:
    horizon = now - ATTEMPT_SECONDS
    db.session.execute(delete(MfaAttempt).where(MfaAttempt.created_at < horizon))
    carried = db.session.scalar(
        select(func.max(MfaAttempt.failures)).where(MfaAttempt.user_id == user_id, MfaAttempt.created_at >= horizon)
    )
    db.session.execute(delete(MfaAttempt).where(MfaAttempt.user_id == user_id))
    token = secrets.token_urlsafe(32)
    attempt = MfaAttempt(
        id_hash=_hash(token),
        user_id=user_id,
        first_method=first_method[:32],
        created_at=now,
        failures=carried or 0,
        next_url=next_url[:2048] if next_url else None,
    )
    db.session.add(attempt)
    db.session.commit()
    return Opened(token, attempt)


def find(token: str | None, *, now: float) -> MfaAttempt | None:
    """The live attempt behind a cookie value (ended ones included: the caller checks ``failures``).

    Returned detached, as read: every later change is a conditional statement
    on its row, and a request racing with one that finished the attempt reads
    nothing from a row that is gone (no refresh of a deleted object).
    """
    if not token or len(token) > 128:
        return None
    attempt = db.session.get(MfaAttempt, _hash(token))
    if attempt is None or now - attempt.created_at > ATTEMPT_SECONDS:
        return None
    db.session.expunge(attempt)
    return attempt


def is_ended(attempt: MfaAttempt) -> bool:
    return attempt.failures >= MAX_FAILURES


def seconds_left(attempt: MfaAttempt, now: float) -> int:
    """Until the attempt expires (what an ended attempt's 429 says in Retry-After)."""
    return max(1, int(attempt.created_at + ATTEMPT_SECONDS - now))


def take_try(attempt: MfaAttempt) -> bool:
    """Count one code against the attempt before it is checked; False when its five are used up."""
    taken = db.session.execute(
        update(MfaAttempt)
        .where(MfaAttempt.id_hash == attempt.id_hash, MfaAttempt.failures < MAX_FAILURES)
        .values(failures=MfaAttempt.failures + 1)
    ).rowcount
    db.session.commit()
    return taken == 1


def failures_of(attempt: MfaAttempt) -> int:
    """The tries the attempt has used (MAX_FAILURES once another request ended or finished it)."""
    failures = db.session.scalar(select(MfaAttempt.failures).where(MfaAttempt.id_hash == attempt.id_hash))
    return MAX_FAILURES if failures is None else failures


def finish(attempt: MfaAttempt) -> bool:
    """Delete the attempt; False when another request finished it first."""
    done = db.session.execute(delete(MfaAttempt).where(MfaAttempt.id_hash == attempt.id_hash)).rowcount
    db.session.commit()
    return done == 1


def remove_for_user(user_id: int) -> None:
    db.session.execute(delete(MfaAttempt).where(MfaAttempt.user_id == user_id))
    db.session.commit()

"""Mailed tokens: issued, looked up and spent, stored only as SHA-256 hashes.

A token is 32 random bytes; nothing about it can be guessed or derived, so a
plain SHA-256 is enough to make a leaked table useless. Issuing a token of a
kind deletes the user's older ones of that kind, using one deletes it (an
atomic delete, so two requests racing with one token cannot both win), and
``auth.core.accounts.set_password`` deletes them all, as does asking for or
confirming a new address (``end_all``): a link mailed to the old address
must not outlive the change.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select

from auth.core.errors import BadRequest
from auth.core.texts import N_
from models import MailToken, db


class InvalidLink(BadRequest):
    message = N_("This link is invalid, already used or expired; ask for a new one.")
    code = "invalid_token"


@dataclass(frozen=True)
class Spent:
    """What a used token was for."""

    user_id: int
    kind: str
    email: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(user_id: int, kind: str, email: str, *, now: float, ttl: int) -> str:
    """A new token of ``kind`` for the user, mailed to ``email``; older ones of the kind die."""
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(MailToken).where(MailToken.user_id == user_id, MailToken.kind == kind))
    db.session.execute(delete(MailToken).where(MailToken.expires_at < now))
    db.session.add(
        MailToken(
            token_hash=_hash(token), user_id=user_id, kind=kind, email=email, created_at=now, expires_at=now + ttl
        )
    )
    db.session.commit()
    return token


def end_all(user_id: int) -> None:
    """Every outstanding mailed token of the user dies (the address is changing or changed)."""
    db.session.execute(delete(MailToken).where(MailToken.user_id == user_id))
    db.session.commit()


def peek(token: str, kind: str, *, now: float) -> MailToken:
    """The live token of ``kind``, left in place; InvalidLink otherwise."""
    row = db.session.scalar(select(MailToken).where(MailToken.token_hash == _hash(token)))
    if row is None or row.kind != kind or row.expires_at <= now:
        raise InvalidLink()
    return row


def spend(token: str, kind: str, *, now: float) -> Spent:
    """Use the token up: it works once, for exactly one caller."""
    row = peek(token, kind, now=now)
    details = Spent(user_id=row.user_id, kind=row.kind, email=row.email)
    deleted = db.session.execute(delete(MailToken).where(MailToken.token_hash == row.token_hash)).rowcount
    db.session.commit()
    if deleted != 1:
        raise InvalidLink()
    return details

"""API keys in the database: create, list, revoke, and the lookup behind a cache miss.

A revocation is also an entry in the ``revocations`` log that every process
polls (and Redis pushes), named ``apikey:<id>``; locking or deleting a user
adds ``apikeys-of:<user id>``. So a key stops in every process within the
same second a revoked session does, through the same view, without a query
per request (see ``auth.apikeys.check``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from auth.apikeys.keyformat import digest, new_key, shown_prefix
from auth.core.audit import audit
from auth.core.errors import Conflict
from auth.core.state import AuthState
from auth.core.texts import N_
from models import REVOKED, ApiKey, Revocation, User, db

ADDRESSES_KEPT = 20
KEY_ID = re.compile(r"[0-9]{1,9}")


class TooManyKeys(Conflict):
    message = N_("You have as many API keys as allowed; revoke one first.")
    code = "api_key_limit"


def revocation_id(key_id: int) -> str:
    return f"apikey:{key_id}"


def user_revocation_id(user_id: int) -> str:
    return f"apikeys-of:{user_id}"


@dataclass(frozen=True)
class Grant:
    """What a verified key may do, as one process remembers it."""

    key_id: int
    user_id: int
    roles: tuple[str, ...]
    scopes: tuple[str, ...]
    org_id: str | None
    expires_at: float | None
    addresses: tuple[str, ...]
    verified_at: float


@dataclass(frozen=True)
class Created:
    api_key: ApiKey
    key: str
    """The secret, shown once; never stored nor logged."""


def create_key(
    user_id: int,
    *,
    name: str,
    scopes: Iterable[str],
    expires_in: int | None,
    org_id: str | None,
    per_user: int,
    now: float,
) -> Created:
    live = db.session.scalar(
        select(func.count())
        .select_from(ApiKey)
        .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        .where((ApiKey.expires_at.is_(None)) | (ApiKey.expires_at > now))
    )
    if (live or 0) >= per_user:
        raise TooManyKeys()
    key = new_key()
    row = ApiKey(
        user_id=user_id,
        name=name,
        prefix=shown_prefix(key),
        digest=digest(key),
        scopes=sorted(set(scopes)),
        org_id=org_id,
        created_at=now,
        expires_at=None if expires_in is None else now + expires_in,
        addresses=[],
    )
    db.session.add(row)
    db.session.commit()
    return Created(row, key)


def keys_of(user_id: int) -> list[ApiKey]:
    """The user's keys that are not revoked (expired ones included, marked by ``expires_at``)."""
    return list(
        db.session.scalars(
            select(ApiKey)
            .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
            .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
        )
    )


def find_key(key_id: str, user_id: int | None = None) -> ApiKey | None:
    """A live (unrevoked) key by id; with ``user_id``, only that user's."""
    if not KEY_ID.fullmatch(key_id):  # ASCII digits that fit a 32-bit column
        return None
    key = db.session.get(ApiKey, int(key_id))
    if key is None or key.revoked_at is not None or (user_id is not None and key.user_id != user_id):
        return None
    return key


def revoke_key(state: AuthState, key: ApiKey, now: float) -> None:
    key.revoked_at = now
    _log_revocations(state, [revocation_id(key.id)], now)


def end_user_keys(state: AuthState, user_id: int, now: float) -> None:
    """The account-end hook: a locked or deleted user's keys stop in every process.

    The keys themselves are left as they are: a lookup refuses a locked user,
    a deleted user's keys go with the row, and an unlocked user's keys work
    again once this entry has aged out of the revocation view.
    """
    _log_revocations(state, [user_revocation_id(user_id)], now)


def end_org_keys(state: AuthState, user_id: int, org_id: int) -> None:
    """Revoke the user's keys that act for ``org_id`` (their membership ended), audited, committed."""
    now = time.time()
    ended = db.session.scalars(
        select(ApiKey).where(ApiKey.user_id == user_id, ApiKey.org_id == str(org_id), ApiKey.revoked_at.is_(None))
    ).all()
    for key in ended:
        revoke_key(state, key, now)
        audit("api_key_revoked", user_id=user_id, key_id=str(key.id), by="membership_ended", org_id=org_id)
    if ended:
        db.session.commit()


def _log_revocations(state: AuthState, ids: list[str], now: float) -> None:
    for entry in ids:
        db.session.add(Revocation(session_id=entry, min_version=REVOKED, created_at=now))
    db.session.commit()
    state.revocations.record([(entry, REVOKED) for entry in ids], now)


def find_grant(key_digest: str, now: float) -> Grant | None:
    """The grant of a live key of an unlocked user, by digest; None for anything else."""
    row = db.session.execute(
        select(
            ApiKey.id,
            ApiKey.user_id,
            ApiKey.scopes,
            ApiKey.org_id,
            ApiKey.expires_at,
            ApiKey.revoked_at,
            ApiKey.addresses,
            User.roles,
            User.locked_at,
        )
        .join(User, User.id == ApiKey.user_id)
        .where(ApiKey.digest == key_digest)
    ).first()
    if row is None or row.revoked_at is not None or row.locked_at is not None:
        return None
    return Grant(
        key_id=row.id,
        user_id=row.user_id,
        roles=tuple(row.roles or ()),
        scopes=tuple(row.scopes or ()),
        org_id=row.org_id,
        expires_at=row.expires_at,
        addresses=tuple(row.addresses or ()),
        verified_at=now,
    )


def note_address(key_id: int, address: str) -> bool:
    """Remember ``address`` for the key; True when it was new (and is now recorded)."""
    key = db.session.get(ApiKey, key_id)
    if key is None or address in (key.addresses or []):
        return False
    key.addresses = [*(key.addresses or []), address][-ADDRESSES_KEPT:]
    db.session.commit()
    return True


def touch(key_id: int, now: float, every: float) -> None:
    """Set ``last_used_at`` unless another process did within ``every`` seconds (one cheap UPDATE)."""
    db.session.execute(
        ApiKey.__table__.update()
        .where(ApiKey.id == key_id)
        .where((ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < now - every))
        .values(last_used_at=now)
    )
    db.session.commit()


def key_json(key: ApiKey) -> dict[str, object]:
    return {
        "id": str(key.id),
        "name": key.name,
        "prefix": key.prefix,
        "scopes": list(key.scopes or []),
        "org": key.org_id,
        "created_at": _iso(key.created_at),
        "last_used_at": _iso(key.last_used_at),
        "expires_at": _iso(key.expires_at),
    }


def _iso(timestamp: float | None) -> str | None:
    return None if timestamp is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))

"""Keyset-paginated lists: users by name or email prefix, audit events newest first.

A cursor is the sort key of the last row shown, base64url-encoded JSON; the
next page starts strictly after it, so a page costs one index range scan
however deep it is (no OFFSET). Keys are compared byte by byte (the key
columns use collation "C" on PostgreSQL, SQLite's default is binary), so a
prefix ``q`` is the range ``[q, q + U+10FFFF)``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, exists, func, or_, select, tuple_
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Select

from auth.core.addresses import email_key
from auth.core.errors import BadRequest
from models import AuditEvent, Identity, Passkey, TotpSecret, User, db
from models.user import username_key

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
TOP = "\U0010ffff"
# Keys a filtered page looks at, at most (see ``search_users``).
WINDOW = 1000


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, shape: tuple[type, ...]) -> list[Any] | None:
    """The key a cursor names, or 400 when it is not one of ours in ``shape``."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadRequest("The cursor is not valid; start from the first page.") from None
    if not isinstance(key, list) or len(key) != len(shape):
        raise BadRequest("The cursor is not valid; start from the first page.")
    for value, kind in zip(key, shape, strict=True):
        if not isinstance(value, kind) or isinstance(value, bool):
            raise BadRequest("The cursor is not valid; start from the first page.")
    return key


def page_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def _flag(raw: str | None, name: str) -> bool | None:
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise BadRequest(f"{name} must be true or false.")


@dataclass(frozen=True)
class UserQuery:
    q: str = ""
    role: str | None = None
    locked: bool | None = None
    mfa: bool | None = None
    provider: str | None = None

    @classmethod
    def from_args(cls, args: Any) -> UserQuery:
        q = args.get("q", "") or ""
        if len(q) > 254 or "\x00" in q:
            raise BadRequest("q is too long or malformed.")
        return cls(
            q=q.strip(),
            role=args.get("role") or None,
            locked=_flag(args.get("locked"), "locked"),
            mfa=_flag(args.get("mfa"), "mfa"),
            provider=args.get("provider") or None,
        )


def search_users(query: UserQuery, *, cursor: str | None, limit: int) -> Page:
    """Users whose username (or, when ``q`` has an ``@``, verified email) starts with ``q``.

    With a filter (role, locked, second factor, provider) a page looks at
    most ``WINDOW`` keys further along the index: it may then hold fewer than
    ``limit`` users, even none, while ``next_cursor`` says more may follow.
    So no page costs more than one bounded index range, however rare the
    filtered value (a planner that misjudges the filter's selectivity would
    otherwise sort every prefix match).
    """
    after = decode_cursor(cursor, (str,))
    statement, key_column = users_statement(query, after, limit + 1)
    rows = list(db.session.scalars(statement))
    if len(rows) > limit:
        return Page(rows[:limit], encode_cursor([getattr(rows[limit - 1], key_column.key)]))
    if not _filters(query):
        return Page(rows, None)
    window = _window(query, after).subquery()
    scanned, last = db.session.execute(select(func.count(), func.max(window.c[key_column.key]))).one()
    return Page(rows, encode_cursor([last]) if scanned >= WINDOW else None)


def _window(query: UserQuery, after: list[Any] | None) -> Select[Any]:
    """The next ``WINDOW`` users of the prefix range, in index order, unfiltered."""
    key_column = _key(query)
    prefix = _prefix(query)
    statement = select(User)
    if prefix:
        statement = statement.where(key_column >= prefix, key_column < prefix + TOP)
    else:
        statement = statement.where(key_column.is_not(None))
    if after is not None:
        statement = statement.where(key_column > after[0])
    return statement.order_by(key_column).limit(WINDOW)


def _key(query: UserQuery) -> Any:
    return User.email_key if "@" in query.q else User.username_key


def _prefix(query: UserQuery) -> str:
    return email_key(query.q) if "@" in query.q else username_key(query.q)


def users_statement(query: UserQuery, after: list[Any] | None, limit: int) -> tuple[Select[Any], Any]:
    """The page's query (one range of the key's unique index, in its order) and the key column."""
    key_column = _key(query)
    if _filters(query):
        # Filter the window's rows themselves: no join back to the table that
        # a planner misjudging the filter could turn into a sequential scan.
        windowed = aliased(User, _window(query, after).subquery())
        statement = select(windowed).where(*_filters(query, windowed)).order_by(getattr(windowed, key_column.key))
        return statement.limit(limit), key_column
    prefix = _prefix(query)
    statement = select(User)
    if prefix:
        statement = statement.where(key_column >= prefix, key_column < prefix + TOP)
    elif "@" in query.q:
        statement = statement.where(key_column.is_not(None))
    if after is not None:
        statement = statement.where(key_column > after[0])
    return statement.order_by(key_column).limit(limit), key_column


def _filters(query: UserQuery, user: Any = User) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.role:
        # roles is a JSON list of plain names: match the quoted name in its text.
        needle = json.dumps(query.role).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(cast(user.roles, String).like(f"%{needle}%", escape="\\"))
    if query.locked is True:
        conditions.append(user.locked_at.is_not(None))
    elif query.locked is False:
        conditions.append(user.locked_at.is_(None))
    if query.mfa is not None:
        enrolled = or_(
            exists().where(TotpSecret.user_id == user.id, TotpSecret.confirmed_at.is_not(None)),
            exists().where(Passkey.user_id == user.id),
        )
        conditions.append(enrolled if query.mfa else ~enrolled)
    if query.provider:
        conditions.append(exists().where(Identity.user_id == user.id, Identity.provider == query.provider))
    return conditions


@dataclass(frozen=True)
class AuditQuery:
    user_id: int | None = None
    event: str | None = None
    since: float | None = None
    until: float | None = None

    @classmethod
    def from_args(cls, args: Any) -> AuditQuery:
        user = args.get("user") or None
        if user is not None and not user.isdigit():
            raise BadRequest("user must be a user id.")
        return cls(
            user_id=int(user) if user is not None else None,
            event=(args.get("event") or None),
            since=_time(args.get("since"), "since"),
            until=_time(args.get("until"), "until"),
        )


def _time(raw: str | None, name: str) -> float | None:
    """Seconds since the epoch, or an ISO 8601 time (``2026-12-05T10:00:00Z``)."""
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        pass
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name} must be seconds since the epoch or an ISO 8601 time.") from None
    if moment.tzinfo is None:
        raise BadRequest(f"{name} needs a time zone (such as Z).")
    return moment.timestamp()


def list_events(query: AuditQuery, *, cursor: str | None, limit: int) -> Page:
    """Events newest first; each filter is the leading column of an index."""
    rows = list(db.session.scalars(events_statement(query, decode_cursor(cursor, (float, int)), limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows and more else None
    return Page(rows, encode_cursor([last.created_at, last.id]) if last is not None else None)


def events_statement(query: AuditQuery, after: list[Any] | None, limit: int) -> Select[Any]:
    statement = select(AuditEvent)
    if query.user_id is not None:
        statement = statement.where(AuditEvent.user_id == query.user_id)
    if query.event is not None:
        statement = statement.where(AuditEvent.event == query.event)
    if query.since is not None:
        statement = statement.where(AuditEvent.created_at >= query.since)
    if query.until is not None:
        statement = statement.where(AuditEvent.created_at < query.until)
    if after is not None:
        statement = statement.where(tuple_(AuditEvent.created_at, AuditEvent.id) < tuple_(after[0], after[1]))
    return statement.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)

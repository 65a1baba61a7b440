"""Security events as one JSON line each, on the ``auth.audit`` logger.

Fields: event, time, user_id, session_id, event details, and whatever the
context provider adds (the web layer adds ip, user_agent and path for events
raised while serving a request). Never a password, a token or a cookie value.

Listeners see every event as it is logged (the metrics count them), so a
security event is raised in one place and both logged and counted.

Inside an app context each event is also a row (``models.AuditEvent``) added
to the current database session: raised before the change's commit, it
commits with that change, in the same transaction, and a rolled-back change
takes its row with it. An event raised after its change committed (or with no
change: a refused sign-in) is committed by ``commit_pending_events`` when the
app context ends (the request, the CLI command, the mail job), so no row is lost.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession

from models import AuditEvent, db
from models.engine import discard_transaction

log = logging.getLogger("auth.audit")

ContextProvider = Callable[[], dict[str, object]]
Listener = Callable[[dict[str, object]], None]
_providers: list[ContextProvider] = []
_listeners: list[Listener] = []


def add_context_provider(provider: ContextProvider) -> None:
    """Register a source of fields for every event (idempotent)."""
    if provider not in _providers:
        _providers.append(provider)


def add_listener(listener: Listener) -> None:
    """Call ``listener`` with the record of every event (idempotent)."""
    if listener not in _listeners:
        _listeners.append(listener)


COLUMNS = frozenset({"event", "time", "user_id", "session_id", "actor_id", "ip", "user_agent"})


def audit(event: str, *, user_id: object = None, session_id: str | None = None, **details: object) -> None:
    """Log, count and store one event. ``actor_id`` in ``details`` names who acted for the user (an admin)."""
    record: dict[str, object] = {"event": event, "time": round(time.time(), 3)}
    record["user_id"] = None if user_id is None else str(user_id)
    record["session_id"] = session_id
    for provider in _providers:
        record.update(provider())
    record.update(details)
    log.info(json.dumps(record, sort_keys=True, default=str))
    for listener in _listeners:
        listener(record)
    if has_app_context():
        row = _row(record)
        db.session.add(row)
        db.session.info.setdefault(PENDING, []).append(row)


def _row(record: dict[str, object]) -> AuditEvent:
    def number(value: object) -> int | None:
        return int(value) if isinstance(value, (int, str)) and str(value).isdigit() else None

    def text(value: object, size: int) -> str | None:
        return None if value is None else str(value)[:size]

    return AuditEvent(
        created_at=float(record["time"]),  # type: ignore[arg-type]
        event=str(record["event"])[:64],
        user_id=number(record.get("user_id")),
        actor_id=number(record.get("actor_id")),
        session_id=text(record.get("session_id"), 32),
        ip=text(record.get("ip"), 64),
        user_agent=text(record.get("user_agent"), 256),
        details=json.loads(json.dumps({k: v for k, v in record.items() if k not in COLUMNS}, default=str)),
    )


# session.info keys: event rows not yet committed, and whether the open
# transaction also holds other writes (a change that is not an event).
PENDING, OTHER_WRITES = "audit_pending", "audit_other_writes"


@event.listens_for(OrmSession, "before_flush")
def _note_writes(session: OrmSession, _context: object, _instances: object) -> None:
    changed = [*session.new, *session.dirty, *session.deleted]
    if any(not isinstance(obj, AuditEvent) for obj in changed):
        session.info[OTHER_WRITES] = True


@event.listens_for(OrmSession, "do_orm_execute")
def _note_statements(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        state.session.info[OTHER_WRITES] = True


@event.listens_for(OrmSession, "after_commit")
@event.listens_for(OrmSession, "after_rollback")
def _transaction_over(session: OrmSession) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(OTHER_WRITES, None)


def commit_pending_events(_error: BaseException | None = None) -> None:
    """Commit event rows still waiting when an app context ends (``teardown_appcontext``).

    Only when the transaction holds nothing but events: a change that was
    never committed is not committed here on its behalf, and its events go with it.
    """
    session = db.session
    if not session.info.get(PENDING) or session.info.get(OTHER_WRITES) or session.dirty or session.deleted:
        return
    if any(not isinstance(obj, AuditEvent) for obj in session.new):
        return
    try:
        session.commit()
    except SQLAlchemyError as error:  # the reply is built; a lost row must not turn it into a 500
        log.warning("audit rows could not be stored: %s", error.__class__.__name__)
        discard_transaction(session)

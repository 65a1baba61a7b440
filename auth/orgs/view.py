"""Every process's view of recent membership changes: what makes an ``org`` claim stale.

An access token carries the role its user held in the active organisation
when it was issued. This view keeps, per process and in memory, only the
memberships that *changed* recently: ``(user id, org id) -> role from then on``
(empty: removed). A token whose claimed role differs from a recorded change
is refused with 401 (the client refreshes and gets the role held now, or no
``org`` at all), like a revoked session; every other token is accepted
without a query, so the check is one dictionary lookup.

Changes are written to ``membership_changes`` first, then applied here and
published through Redis (when ``REDIS_URL`` is set) so other processes apply
them at once; every process also polls the table at the revocation view's
interval, from the same background loop (``state.poll_loop``), so a change reaches every process
within a second even without Redis. Nothing is loaded at start but the
changes younger than an access token: entries older than that are forgotten,
since no token issued before them is still alive.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from auth.core.errors import Unauthorized
from auth.core.events import announce, membership_changed
from auth.core.fanout import RedisFanout
from auth.core.texts import N_
from auth.core.tokens import AccessClaims
from models import MembershipChange, db
from models.engine import discard_transaction

log = logging.getLogger(__name__)

CHANNEL = "flask-auth:memberships"
OVERLAP_SECONDS = 5.0
"""Re-read this much history at each poll: rows whose transaction committed late are still seen."""
PRUNE_EVERY_SECONDS = 3600

Change = tuple[str, str, str, float]
"""(user id, org id, role from then on or "" when removed, when)."""


class MembershipChanged(Unauthorized):
    message = N_("Your membership of the active organisation changed; refresh or sign in again.")
    code = "org_membership_changed"


class MembershipView:
    def __init__(self, *, horizon_seconds: int, redis_url: str | None) -> None:
        self._horizon = horizon_seconds + OVERLAP_SECONDS
        self._roles: dict[tuple[str, str], tuple[str, float]] = {}
        self._cursor: float | None = None
        self._pruned_at = 0.0
        self._lock = threading.Lock()
        self._fanout = (
            RedisFanout(
                redis_url,
                channel=CHANNEL,
                what="membership change",
                receive=lambda data: self.merge(
                    (str(user), str(org), str(role), float(when)) for user, org, role, when in data
                ),
            )
            if redis_url
            else None
        )

    def check(self, claims: AccessClaims, now: float) -> None:
        """Refuse a token whose ``org`` role is no longer the user's (an access check, see AuthState)."""
        org = claims.org
        if org is None:
            return
        if self._fanout is not None:
            self._fanout.ensure_listening()
        entry = self._roles.get((claims.user_id, org.id))
        if entry is not None and entry[0] != org.role:
            raise MembershipChanged()

    def record(self, changes: Iterable[tuple[int, int, str]], now: float) -> None:
        """Log changes (user id, org id, new role or "") in the table, apply them here, tell the others."""
        entries = [(str(user_id), str(org_id), role, now) for user_id, org_id, role in changes]
        if not entries:
            return
        for user_id, org_id, role, _ in entries:
            db.session.add(MembershipChange(user_id=int(user_id), org_id=int(org_id), role=role, created_at=now))
        if now - self._pruned_at >= PRUNE_EVERY_SECONDS:
            self._pruned_at = now
            db.session.execute(delete(MembershipChange).where(MembershipChange.created_at < now - self._horizon))
        db.session.commit()
        self.merge(entries)
        if self._fanout is not None:
            self._fanout.publish(entries)
        announce(
            membership_changed, changes=[(int(user_id), int(org_id), role) for user_id, org_id, role, _ in entries]
        )

    def merge(self, entries: Iterable[Change]) -> None:
        for user_id, org_id, role, changed_at in entries:
            key = (user_id, org_id)
            current = self._roles.get(key)
            if current is None or changed_at >= current[1]:
                self._roles[key] = (role, changed_at)

    def poll(self, now: float) -> None:
        """Read the changes since the last poll (called by the revocation view's poll)."""
        with self._lock:
            since = (self._cursor if self._cursor is not None else now - self._horizon) - OVERLAP_SECONDS
            try:
                rows = db.session.execute(
                    select(
                        MembershipChange.user_id,
                        MembershipChange.org_id,
                        MembershipChange.role,
                        MembershipChange.created_at,
                    ).where(MembershipChange.created_at >= since)
                ).all()
            except SQLAlchemyError:
                discard_transaction(db.session)
                log.warning("membership changes could not be read; answering from memory")
                return
            self.merge((str(u), str(o), r, c) for u, o, r, c in rows)
            cutoff = now - self._horizon
            for key in [k for k, (_, seen) in self._roles.items() if seen < cutoff]:
                del self._roles[key]
            self._cursor = now

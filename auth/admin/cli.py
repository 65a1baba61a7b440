"""``flask audit prune``: delete audit rows older than ``AUDIT_RETENTION_DAYS``."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup
from sqlalchemy import delete, select

from auth.admin.access import admin_settings
from models import AuditEvent, db

BATCH = 10_000

audit_group = AppGroup("audit", help="Maintain the audit table.")


def prune(now: float, retention_days: int) -> int:
    """Delete events older than the retention, oldest first, in batches (short locks)."""
    horizon = now - retention_days * 86400
    removed = 0
    while True:
        ids = list(
            db.session.scalars(
                select(AuditEvent.id)
                .where(AuditEvent.created_at < horizon)
                .order_by(AuditEvent.created_at, AuditEvent.id)
                .limit(BATCH)
            )
        )
        if not ids:
            return removed
        removed += db.session.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids))).rowcount
        db.session.commit()


@audit_group.command("prune")
def prune_command() -> None:
    """Delete audit events older than AUDIT_RETENTION_DAYS."""
    days = admin_settings().audit_retention_days
    removed = prune(time.time(), days)
    click.echo(f"Pruned {removed} audit event(s) older than {days} day(s).")

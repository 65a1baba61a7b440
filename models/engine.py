"""Engine options per database: SQLite that holds under concurrency, pooled PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

CONNECT_TIMEOUT_SECONDS = 3


def engine_options(url: str, *, pool_size: int = 5, max_overflow: int = 10) -> dict[str, Any]:
    """Per worker process: ``pool_size`` kept connections (at least the gunicorn threads),
    ``max_overflow`` more in bursts. PostgreSQL sees up to hosts x workers x (both).
    Connections are pinged before use, so after a database restart the pool
    replaces its dead ones by itself.
    """
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {
        "pool_pre_ping": True,
        "pool_size": pool_size,
        "max_overflow": max_overflow,
        "pool_recycle": 1800,
        # A database that accepts no connection (host gone, firewall) is a quick
        # 503, not a request thread held until the kernel gives up.
        "pool_timeout": 5,
        "connect_args": {"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    }


def tune_sqlite(engine: Engine) -> None:
    """WAL (readers never block the writer), a busy timeout, and enforced foreign keys."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def discard_transaction(session: Session) -> None:
    """End a failed transaction. With the database gone the rollback fails too,
    and so may the close; the connection is invalidated either way and the
    pool replaces it.
    """
    try:
        session.rollback()
    except SQLAlchemyError:
        try:
            session.close()
        except SQLAlchemyError:
            pass

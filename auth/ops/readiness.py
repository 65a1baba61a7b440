"""Is this process ready for traffic? The database answers and is migrated to
head, and Redis answers when it is configured. Liveness (``/healthz``) is a
different question and stays cheap.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from models import db
from models.engine import discard_transaction

REDIS_TIMEOUT_SECONDS = 1.0


@cache
def migration_heads(directory: str) -> frozenset[str]:
    """The head revisions of the migration scripts (read once per process)."""
    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def database_problems(migrations: Path) -> list[str]:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        discard_transaction(db.session)
        return [f"database: unreachable ({error.__class__.__name__})"]
    try:
        applied = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        applied = set()
    discard_transaction(db.session)
    if applied != migration_heads(str(migrations)):
        return [f"database: migrations not at head ({', '.join(sorted(applied)) or 'none'}; run 'flask db upgrade')"]
    return []


def redis_problems(url: str | None) -> list[str]:
    if not url:
        return []
    import redis

    timeout = REDIS_TIMEOUT_SECONDS
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError as error:
        return [f"redis: unreachable ({error.__class__.__name__})"]
    finally:
        client.close()
    return []

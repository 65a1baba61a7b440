"""Schema migrations keep what an operator already has.

A database made by the first migration, with users, sessions, refresh tokens
and revocations in it, is upgraded to head with ``flask db upgrade`` (the
command the deployment docs prescribe) and must lose nothing: every row and
value is still there, the users can still sign in and the sessions' refresh
tokens still rotate. Rows are written with plain SQL against the first
revision's tables, not through today's models, so the test keeps meaning
something when later revisions change the models.

And the models and the migrations must agree: Alembic's autogenerate
comparison of a head database against the models finds nothing to do (a
model change without its migration would otherwise ship unnoticed).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from argon2 import PasswordHasher

from app import create_app
from models import db
from tests.conftest import PASSWORD, base_env
from tests.servers import ROOT, flask_cli, scratch_postgres, server_env

TABLES = {"users": "id", "sessions": "id", "refresh_tokens": "token_hash", "revocations": "id"}


def scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    with scratch_postgres(request.getfixturevalue("postgres_url")) as url:
        yield url


def env_for(tmp_path: Path, url: str) -> dict[str, str]:
    return server_env(tmp_path, DATABASE_URL=url)


def upgrade(env: dict[str, str], revision: str = "head") -> None:
    result = flask_cli(env, "db", "upgrade", revision)
    assert result.returncode == 0, result.stderr


def seed_first_revision(engine: sqlalchemy.Engine, now: float) -> dict[str, str]:
    """Users, sessions (one revoked), rotated and live refresh tokens, a revocation.

    Returns the live refresh token of each session by session id, in clear.
    """
    hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    live_tokens: dict[str, str] = {}
    with engine.begin() as connection:
        run = connection.execute
        for user_id, name in ((1, "alice"), (2, "Bjørk"), (3, "carol")):
            run(
                sqlalchemy.text(
                    "INSERT INTO users (id, username, username_key, password_hash, roles, created_at) "
                    "VALUES (:id, :name, :key, :hash, :roles, :now)"
                ),
                {
                    "id": user_id,
                    "name": name,
                    "key": name.casefold(),
                    "hash": hasher.hash(PASSWORD),
                    "roles": '["admin"]' if user_id == 1 else "[]",
                    "now": now - 1000,
                },
            )
            for index in range(2):
                session_id = f"s{user_id}-{index}"
                revoked = index == 1 and user_id == 3
                run(
                    sqlalchemy.text(
                        "INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, revoked_at, "
                        "version, user_agent, ip) VALUES (:id, :user, :created, :used, :expires, :revoked, 1, "
                        ":agent, :ip)"
                    ),
                    {
                        "id": session_id,
                        "user": user_id,
                        "created": now - 500,
                        "used": now - 100,
                        "expires": now + 86400,
                        "revoked": now - 50 if revoked else None,
                        "agent": "Mozilla/5.0 (X11; Linux) «test»",
                        "ip": "203.0.113.7",
                    },
                )
                for generation in range(2):
                    token = f"refresh-{session_id}-{generation}"
                    run(
                        sqlalchemy.text(
                            "INSERT INTO refresh_tokens (token_hash, session_id, created_at, rotated_at) "
                            "VALUES (:hash, :session, :created, :rotated)"
                        ),
                        {
                            "hash": hashlib.sha256(token.encode()).hexdigest(),
                            "session": session_id,
                            "created": now - 400 + generation,
                            "rotated": now - 300 if generation == 0 else None,
                        },
                    )
                if revoked:
                    run(
                        sqlalchemy.text(
                            "INSERT INTO revocations (session_id, min_version, created_at) VALUES (:s, :v, :t)"
                        ),
                        {"s": session_id, "v": 2**31 - 1, "t": now - 50},
                    )
                else:
                    live_tokens[session_id] = f"refresh-{session_id}-1"
    return live_tokens


def snapshot(engine: sqlalchemy.Engine) -> dict[str, dict[Any, dict[str, Any]]]:
    tables: dict[str, dict[Any, dict[str, Any]]] = {}
    with engine.connect() as connection:
        for table, key in TABLES.items():
            rows = connection.execute(sqlalchemy.text(f"SELECT * FROM {table}")).mappings()
            tables[table] = {row[key]: dict(row) for row in rows}
    return tables


def normalised(value: Any) -> Any:
    """JSON columns come back as text on SQLite and as lists on PostgreSQL."""
    if isinstance(value, str) and value.startswith("["):
        return json.loads(value)
    return value


def test_upgrade_from_the_first_revision_keeps_everything(database_url: str, tmp_path: Path) -> None:
    script = scripts()
    (first,) = script.get_bases()
    (head,) = script.get_heads()
    env = env_for(tmp_path, database_url)
    upgrade(env, first)
    engine = sqlalchemy.create_engine(database_url)
    now = time.time()
    live_tokens = seed_first_revision(engine, now)
    before = snapshot(engine)

    upgrade(env)

    with engine.connect() as connection:
        assert connection.execute(sqlalchemy.text("SELECT version_num FROM alembic_version")).scalar_one() == head
    after = snapshot(engine)
    for table, rows in before.items():
        assert after[table].keys() == rows.keys(), f"rows of {table} lost or added"
        for key, row in rows.items():
            for column, value in row.items():
                assert normalised(after[table][key][column]) == normalised(value), f"{table}[{key}].{column} changed"

    # The upgraded data still works: users sign in, live sessions refresh, revoked ones do not.
    app = create_app({**base_env(tmp_path), "DATABASE_URL": database_url})
    client = app.test_client()
    for name in ("alice", "BJØRK", "carol"):
        reply = client.post("/auth/login", json={"username": name, "password": PASSWORD})
        assert reply.status_code == 200, (name, reply.json)
        user = client.get("/auth/me").get_json()["user"]
        assert (user["email"], user["email_verified"]) == (None, False), "upgraded users have no address yet"
    # The verified-address key is unique among users who have one, and absent for everyone else.
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("UPDATE users SET email_key = 'a@example.test' WHERE id = 1"))
    with pytest.raises(sqlalchemy.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sqlalchemy.text("UPDATE users SET email_key = 'a@example.test' WHERE id = 2"))
    for session_id, token in live_tokens.items():
        other = app.test_client()
        other.set_cookie("refresh_token", token, path="/auth")
        assert other.post("/auth/refresh").status_code == 200, session_id
    revoked = app.test_client()
    revoked.set_cookie("refresh_token", "refresh-s3-1-1", path="/auth")
    assert revoked.post("/auth/refresh").status_code == 401
    engine.dispose()
    with app.app_context():
        db.engine.dispose()


def test_models_and_migrations_agree(database_url: str, tmp_path: Path) -> None:
    upgrade(env_for(tmp_path, database_url))
    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    engine.dispose()
    assert differences == [], f"the models differ from the migrations; run `flask db migrate`: {differences}"

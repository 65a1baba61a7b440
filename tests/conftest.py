"""Fixtures: apps built with a config override, clients, users, and real servers.

``make_app(**overrides)`` builds an app on a fresh SQLite file; ``client``,
``runner``, ``make_user`` and ``login`` make tests read like the flow they
check. ``live_server(**env)`` starts real gunicorn processes for the tests
that must see what a browser or another process sees.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from models import db
from tests.mailsink import MailSink
from tests.servers import LiveServers, require_service

SECRET = "test-secret-0123456789-abcdefghijklmnop"
PASSWORD = "correct horse battery staple"


def base_env(tmp_path: Path) -> dict[str, str]:
    """Settings every test app starts from: DEV, its own SQLite file, cheap argon2."""
    return {
        "ENVIRONMENT": "DEV",
        "JWT_SECRET": SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'auth.sqlite3'}",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "FRONTEND_URL": "http://localhost:3000",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "64",
        "ARGON2_PARALLELISM": "1",
        "RATELIMIT_ENABLED": "false",
        "REDIS_URL": "",
        "COOKIE_DOMAIN": "",
        "HIBP_URL": "off",  # tests never reach the internet; the breach tests start their own stub
    }


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Flask]:
    def build(**overrides: str) -> Flask:
        app = create_app({**base_env(tmp_path), **overrides})
        app.config["TESTING"] = True
        with app.app_context():
            db.create_all()
        return app

    return build


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def add_user(app: Flask, name: str = "alice", password: str = PASSWORD, roles: tuple[str, ...] = ()) -> int:
    """Create a user through the CLI, as an operator would; returns the id."""
    args = ["users", "create", name, "--password-stdin"]
    for role in roles:
        args += ["--role", role]
    result = app.test_cli_runner().invoke(args=args, input=password + "\n")
    assert result.exit_code == 0, result.output
    return int(result.output.split("(id ")[1].rstrip(").\n"))


@pytest.fixture
def make_user(app: Flask) -> Callable[..., int]:
    def create(name: str = "alice", password: str = PASSWORD, roles: tuple[str, ...] = ()) -> int:
        return add_user(app, name, password, roles)

    return create


@pytest.fixture
def login(client: FlaskClient) -> Callable[..., object]:
    def sign_in(name: str = "alice", password: str = PASSWORD, c: FlaskClient | None = None):
        return (c or client).post("/auth/login", json={"username": name, "password": password})

    return sign_in


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServers]:
    servers = LiveServers(tmp_path)
    try:
        yield servers
    finally:
        servers.stop_all()


@pytest.fixture
def sink() -> Iterator[MailSink]:
    """A real SMTP server in the test process, holding what it receives."""
    server = MailSink().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return require_service(
        "postgres", os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    )


@pytest.fixture
def redis_url() -> str:
    return require_service("redis", os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))

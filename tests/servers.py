"""Real server processes for tests: gunicorn or granian on a free port, stopped by PID.

Tests that need PostgreSQL or Redis skip on a laptop without them, saying
why; under ``CI=true`` a missing service fails the test instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(reason: str) -> None:
    """Skip on a developer machine; fail under CI, where every service must be there."""
    if in_ci():
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def require_service(kind: str, url: str) -> str:
    if kind == "postgres":
        import sqlalchemy

        try:
            engine = sqlalchemy.create_engine(url)
            with engine.connect() as connection:
                connection.execute(sqlalchemy.text("SELECT 1"))
            engine.dispose()
        except Exception as error:  # noqa: BLE001
            missing(f"PostgreSQL is not reachable at {url}: {error.__class__.__name__}")
    else:
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        except Exception as error:  # noqa: BLE001
            missing(f"Redis is not reachable at {url}: {error.__class__.__name__}")
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(tmp: Path, **overrides: str) -> dict[str, str]:
    from tests.conftest import base_env

    env = {**os.environ, **base_env(tmp), **overrides}
    env.pop("FLASK_APP", None)
    return env


def flask_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "flask"), "--app", "app", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


SERVERS = ("gunicorn", "granian")


def server_command(server: str, port: int, workers: int, threads: int | None, graceful_timeout: int) -> list[str]:
    if server == "granian":
        return [sys.executable, "granian_serve.py"]
    thread_args = [] if threads is None else ["--threads", str(threads)]
    return [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        *thread_args,
        "--worker-class",
        "gthread",
        "--graceful-timeout",
        str(graceful_timeout),
        "app:app",
    ]


def server_env_overrides(
    server: str, port: int, workers: int, threads: int | None, graceful_timeout: int
) -> dict[str, str]:
    """granian_serve.py takes its settings from the environment, as an operator would set them."""
    if server != "granian":
        return {}
    settings = {
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "GRANIAN_KILL_TIMEOUT": str(graceful_timeout),
    }
    if threads is not None:
        settings["GRANIAN_BLOCKING_THREADS"] = str(threads)
    return settings


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (of every one of its threads)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


class LiveServers:
    """Starts gunicorn or granian servers over one database; every one is stopped at the end."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def env(self, **overrides: str) -> dict[str, str]:
        return server_env(self.tmp, **overrides)

    def prepare(self, env: dict[str, str], users: dict[str, str] | None = None) -> None:
        """Migrate the database to head and create users (name -> password)."""
        result = flask_cli(env, "db", "upgrade")
        assert result.returncode == 0, result.stderr
        for name, password in (users or {}).items():
            result = flask_cli(env, "users", "create", name, "--password-stdin", stdin=password + "\n")
            assert result.returncode == 0, result.stderr

    def start(
        self,
        env: dict[str, str],
        *,
        workers: int = 1,
        threads: int | None = 4,
        graceful_timeout: int = 2,
        server: str = "gunicorn",
        port: int | None = None,
    ) -> str:
        """Start gunicorn (which reads gunicorn.conf.py) or granian (through granian_serve.py).

        ``threads=None`` leaves them to that file; ``port`` starts one again where it was.
        """
        port = port or free_port()
        log = self.tmp / f"server-{port}.log"
        handle = log.open("a")
        process = subprocess.Popen(
            server_command(server, port, workers, threads, graceful_timeout),
            cwd=ROOT,
            env={**env, **server_env_overrides(server, port, workers, threads, graceful_timeout)},
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        self.logs.append(log)
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while time.time() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
            try:
                if requests.get(url + "/healthz", timeout=1).status_code == 200:
                    return url
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{log.read_text()}")

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)  # gunicorn: quick shutdown; granian: graceful
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextlib.contextmanager
def scratch_postgres(url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards; yields its URL.

    Tests never touch the database they were pointed at, only ones they made.
    """
    import secrets

    import sqlalchemy
    from sqlalchemy.engine import make_url

    name = f"auth_test_{secrets.token_hex(6)}"
    admin = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def flush_redis(url: str) -> None:
    """Empty the Redis database named by ``url`` (the tests' own, 15 by default) and nothing else."""
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()

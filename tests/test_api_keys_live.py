"""API keys across real server processes sharing one PostgreSQL (and Redis).

Each server caches the keys it verified, so a key stops only because the
revocation reaches every process: revoked by another process (the CLI, or
another server), or its user locked or deleted, the key is refused by every
server within one second. With Redis and the poll slowed to 5 s, only the
Redis push can make that second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
import redis
import requests
import sqlalchemy

from tests.conftest import PASSWORD
from tests.servers import LiveServers, flask_cli, flush_redis, scratch_postgres

pytestmark = [pytest.mark.live, pytest.mark.postgres]

CONTRACT_SECONDS = 1.0
CHANNEL = "flask-auth:revocations"
FANOUT_SECONDS = 0.3
"""With Redis a revocation arrives in milliseconds; a 5 s poll would land in this window rarely."""


@pytest.fixture
def shared_postgres(postgres_url: str) -> Iterator[str]:
    with scratch_postgres(postgres_url) as url:
        yield url


@pytest.fixture
def shared_redis(redis_url: str) -> Iterator[str]:
    flush_redis(redis_url)
    yield redis_url
    flush_redis(redis_url)


def start(live_server: LiveServers, count: int, **env: str) -> tuple[dict[str, str], list[str]]:
    server_env = live_server.env(**env)
    live_server.prepare(server_env, {"alice": PASSWORD, "bob": PASSWORD})
    return server_env, [live_server.start(server_env, workers=1, threads=4) for _ in range(count)]


def cli_key(env: dict[str, str], user: str = "alice") -> tuple[str, str]:
    """A key made by ``flask api-keys create`` in its own process: (id, key)."""
    made = flask_cli(env, "api-keys", "create", user, "--name", "live", "--scopes", "read")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    listed = flask_cli(env, "api-keys", "list", user)
    key_id = next(line.split("\t")[0] for line in listed.stdout.splitlines() if key[:12] in line)
    return key_id, key


def status(url: str, key: str) -> int:
    return requests.get(url + "/auth/me", headers={"Authorization": f"Bearer {key}"}, timeout=5).status_code


def revoked_at(database_url: str, entry: str) -> float:
    """When the revocation was made: the time its entry in the revocation log was written."""
    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as connection:
        made = connection.execute(
            sqlalchemy.text("SELECT max(created_at) FROM revocations WHERE session_id LIKE :entry"),
            {"entry": entry},
        ).scalar_one()
    engine.dispose()
    assert made is not None, f"no revocation entry {entry!r}"
    return made


def seconds_until_refused(
    urls: list[str], key: str, database_url: str, entry: str, revoke: Callable[[], None]
) -> float:
    """Run ``revoke`` while probing every server until each refuses the key; how long after
    the revocation was made the last one did.

    Measured in wall-clock time from the revocation entry's own timestamp, and the
    probing runs meanwhile, so the seconds a CLI process takes to start and exit
    count neither way.
    """
    worker = threading.Thread(target=revoke)
    worker.start()
    refused: dict[str, float] = {}
    deadline = time.time() + 30
    while len(refused) < len(urls) and time.time() < deadline:
        for url in urls:
            if url not in refused and status(url, key) == 401:
                refused[url] = time.time()
        time.sleep(0.01)
    worker.join()
    assert len(refused) == len(urls), f"still accepted: {set(urls) - set(refused)}"
    return max(refused.values()) - revoked_at(database_url, entry)


def cli(env: dict[str, str], *args: str) -> Callable[[], None]:
    def run() -> None:
        result = flask_cli(env, *args)
        assert result.returncode == 0, result.stderr

    return run


def test_without_redis_a_revocation_elsewhere_stops_the_key_in_every_server_within_a_second(
    live_server: LiveServers, shared_postgres: str
) -> None:
    env, urls = start(live_server, 2, DATABASE_URL=shared_postgres, REDIS_URL="")
    # Revoked by another process: the CLI.
    key_id, key = cli_key(env)
    assert [status(url, key) for url in urls] == [200, 200]  # each server has it cached now
    delay = seconds_until_refused(
        urls, key, shared_postgres, f"apikey:{key_id}", cli(env, "api-keys", "revoke", key_id)
    )
    assert delay < CONTRACT_SECONDS, delay
    # Revoked through the API of one server: the other refuses it too.
    first, second = urls
    owner = requests.Session()
    assert owner.post(first + "/auth/login", json={"username": "alice", "password": PASSWORD}, timeout=10).ok
    created = owner.post(first + "/auth/api-keys", json={"name": "api", "scopes": []}, timeout=10).json()
    assert status(second, created["key"]) == 200
    key_id = created["api_key"]["id"]

    def revoke() -> None:
        assert owner.delete(f"{first}/auth/api-keys/{key_id}", timeout=10).status_code == 200

    delay = seconds_until_refused([second], created["key"], shared_postgres, f"apikey:{key_id}", revoke)
    assert delay < CONTRACT_SECONDS, delay


def test_locking_or_deleting_the_user_stops_their_keys_in_every_server_within_a_second(
    live_server: LiveServers, shared_postgres: str
) -> None:
    env, urls = start(live_server, 2, DATABASE_URL=shared_postgres, REDIS_URL="")
    _, alices = cli_key(env, "alice")
    _, bobs = cli_key(env, "bob")
    assert [status(url, k) for url in urls for k in (alices, bobs)] == [200] * 4
    locked = seconds_until_refused(urls, alices, shared_postgres, "apikeys-of:1", cli(env, "users", "lock", "alice"))
    assert locked < CONTRACT_SECONDS
    deleted = seconds_until_refused(
        urls, bobs, shared_postgres, "apikeys-of:2", cli(env, "users", "delete", "bob", "--yes")
    )
    assert deleted < CONTRACT_SECONDS


@pytest.mark.redis
def test_with_redis_the_revocation_is_pushed_not_polled(
    live_server: LiveServers, shared_postgres: str, shared_redis: str
) -> None:
    env, urls = start(live_server, 2, DATABASE_URL=shared_postgres, REDIS_URL=shared_redis, REVOCATION_POLL_SECONDS="5")
    _, warm = cli_key(env)
    assert [status(url, warm) for url in urls] == [200, 200]  # each server now listens on Redis
    listener = redis.Redis.from_url(shared_redis)
    deadline = time.monotonic() + 5
    while dict(listener.pubsub_numsub(CHANNEL)).get(CHANNEL.encode(), 0) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    listener.close()
    for _ in range(2):
        key_id, key = cli_key(env)
        assert [status(url, key) for url in urls] == [200, 200]
        delay = seconds_until_refused(
            urls, key, shared_postgres, f"apikey:{key_id}", cli(env, "api-keys", "revoke", key_id)
        )
        assert delay < FANOUT_SECONDS, f"the revocation was not pushed through Redis: {delay}"

"""Several server processes, as on several hosts behind a load balancer.

Three gunicorn servers on different ports share one PostgreSQL database and
one Redis: a session started on one is recognised by another, and ended on
a third; the first two refuse its access token within one second (the
contract). With the revocation poll slowed to its maximum (1 s), prompt
refusals round after round can only come from the Redis fan-out. Failed
logins spread over the three servers share one rate-limit budget.

Without Redis, a shared database alone still carries a logout to the other
servers within one second, through each process's poll of ``revocations``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
import requests

from tests.conftest import PASSWORD
from tests.servers import LiveServers, flush_redis, scratch_postgres

pytestmark = [pytest.mark.live, pytest.mark.postgres]

CONTRACT_SECONDS = 1.0
FANOUT_SECONDS = 0.3
"""With Redis a revocation arrives in milliseconds; a 1 s poll alone would miss this most of the time."""
CHANNEL = "flask-auth:revocations"


@pytest.fixture
def shared_postgres(postgres_url: str) -> Iterator[str]:
    with scratch_postgres(postgres_url) as url:
        yield url


@pytest.fixture
def shared_redis(redis_url: str) -> Iterator[str]:
    flush_redis(redis_url)
    yield redis_url
    flush_redis(redis_url)


def log_in(url: str, username: str = "alice") -> str:
    reply = requests.post(url + "/auth/login", json={"username": username, "password": PASSWORD}, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.cookies["access_token"]


def probe(url: str, access_token: str) -> int:
    """What the Next.js middleware does: forward the cookie, read the status."""
    reply = requests.get(url + "/auth/is-authenticated", headers={"Cookie": f"access_token={access_token}"}, timeout=5)
    return reply.status_code


def log_out(url: str, access_token: str) -> None:
    reply = requests.post(url + "/auth/logout", headers={"Cookie": f"access_token={access_token}"}, timeout=10)
    assert reply.status_code == 200, reply.text


def seconds_until_refused(urls: list[str], access_token: str, ended_at: float) -> dict[str, float]:
    """Probe every server until each refuses the token; how long after the logout each took."""
    refused: dict[str, float] = {}
    deadline = ended_at + CONTRACT_SECONDS * 3
    while len(refused) < len(urls) and time.monotonic() < deadline:
        for url in urls:
            if url not in refused and probe(url, access_token) == 401:
                refused[url] = time.monotonic() - ended_at
        time.sleep(0.01)
    assert len(refused) == len(urls), f"still accepted after {CONTRACT_SECONDS * 3} s: {set(urls) - set(refused)}"
    return refused


def start_servers(live_server: LiveServers, count: int, **env: str) -> list[str]:
    server_env = live_server.env(**env)
    live_server.prepare(server_env, {"alice": PASSWORD, "bob": PASSWORD})
    return [live_server.start(server_env, workers=1, threads=4) for _ in range(count)]


@pytest.mark.redis
def test_three_servers_share_revocation_and_rate_limits(
    live_server: LiveServers, shared_postgres: str, shared_redis: str
) -> None:
    first, second, third = start_servers(
        live_server,
        3,
        DATABASE_URL=shared_postgres,
        REDIS_URL=shared_redis,
        REVOCATION_POLL_SECONDS="1.0",
        RATELIMIT_ENABLED="true",
        RATELIMIT_LOGIN_USER_IP="3 per minute",
    )
    # Each process subscribes on its first authenticated request; wait until all three listen.
    warm = log_in(first)
    for url in (first, second, third):
        assert probe(url, warm) == 200
    listener = redis.Redis.from_url(shared_redis)
    deadline = time.monotonic() + 5
    while dict(listener.pubsub_numsub(CHANNEL)).get(CHANNEL.encode(), 0) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    listener.close()

    for _ in range(3):
        token = log_in(first)
        assert probe(second, token) == 200
        log_out(third, token)
        delays = seconds_until_refused([first, second], token, time.monotonic())
        assert max(delays.values()) < FANOUT_SECONDS, f"revocation was not pushed through Redis: {delays}"

    # Three failures, one on each server, use up the shared (user, IP) budget everywhere.
    for url in (first, second, third):
        reply = requests.post(url + "/auth/login", json={"username": "bob", "password": "wrong password"}, timeout=10)
        assert reply.status_code == 401, reply.text
    for url in (first, second, third):
        reply = requests.post(url + "/auth/login", json={"username": "bob", "password": PASSWORD}, timeout=10)
        assert reply.status_code == 429, (url, reply.text)
        assert int(reply.headers["Retry-After"]) > 0
    # The budget is per (user, IP): alice is not locked out by bob's failures.
    log_in(second)


def test_shared_database_without_redis_still_revokes_within_a_second(
    live_server: LiveServers, shared_postgres: str
) -> None:
    first, second = start_servers(live_server, 2, DATABASE_URL=shared_postgres, REDIS_URL="")
    for _ in range(2):
        token = log_in(first)
        assert probe(second, token) == 200
        log_out(first, token)
        delays = seconds_until_refused([second], token, time.monotonic())
        assert max(delays.values()) < CONTRACT_SECONDS, f"the poll did not carry the logout in time: {delays}"

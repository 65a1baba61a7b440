"""A membership removed or a role lowered in one server process is refused by another at once.

Two gunicorn servers share PostgreSQL (and Redis). Bob's token names Acme as
his active organisation; Alice removes him (or demotes him) through the
first server, and the second refuses Bob's very next request there, well
within a second: with Redis the change is pushed (the poll is slowed to its
1 s maximum, so a prompt refusal can only come from the push), without it
the second process's poll of ``membership_changes`` carries it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
import requests

from tests.conftest import PASSWORD
from tests.servers import LiveServers, flask_cli, flush_redis, scratch_postgres

pytestmark = [pytest.mark.live, pytest.mark.postgres]

CONTRACT_SECONDS = 1.0
FANOUT_SECONDS = 0.3
CHANNEL = "flask-auth:memberships"


@pytest.fixture
def shared_postgres(postgres_url: str) -> Iterator[str]:
    with scratch_postgres(postgres_url) as url:
        yield url


@pytest.fixture
def shared_redis(redis_url: str) -> Iterator[str]:
    flush_redis(redis_url)
    yield redis_url
    flush_redis(redis_url)


class Browser:
    """A cookie jar against one server at a time (the cookies are host-only on 127.0.0.1)."""

    def __init__(self, url: str, name: str) -> None:
        self.session = requests.Session()
        reply = self.session.post(url + "/auth/login", json={"username": name, "password": PASSWORD}, timeout=10)
        assert reply.status_code == 200, reply.text

    def call(self, method: str, url: str, **kwargs) -> requests.Response:
        return self.session.request(method, url, timeout=10, headers={"Origin": url.split("/auth")[0]}, **kwargs)

    @property
    def access(self) -> str:
        return self.session.cookies["access_token"]


def probe(url: str, access_token: str) -> int:
    """An org-guarded read with the access token alone (nothing to refresh with)."""
    reply = requests.get(url + "/auth/orgs", headers={"Authorization": f"Bearer {access_token}"}, timeout=5)
    return reply.status_code


def start(live_server: LiveServers, **env: str) -> tuple[str, str]:
    server_env = live_server.env(**env)
    live_server.prepare(server_env, {"alice": PASSWORD})
    result = flask_cli(
        server_env, "users", "create", "bob", "--password-stdin", "--email", "bob@example.com", stdin=PASSWORD + "\n"
    )
    assert result.returncode == 0, result.stderr
    return live_server.start(server_env, workers=1, threads=4), live_server.start(server_env, workers=1, threads=4)


def bob_in_acme(first: str, second: str, role: str) -> tuple[Browser, str, str]:
    """Alice owns Acme on the first server; Bob joins with ``role`` and makes it active on the second."""
    alice = Browser(first, "alice")
    assert alice.call("POST", first + "/auth/orgs", json={"slug": "acme", "name": "Acme"}).status_code == 201
    reply = alice.call(
        "POST", first + "/auth/orgs/acme/invitations", json={"email": "bob@example.com", "role": role, "send": False}
    )
    token = reply.json()["url"].split("?token=", 1)[1]
    bob = Browser(second, "bob")
    joined = bob.call("POST", second + "/auth/invitations/accept", json={"token": token})
    assert joined.status_code == 200, joined.text
    assert bob.call("POST", second + "/auth/orgs/active", json={"org": "acme"}).status_code == 200
    bob_id = next(
        m["user_id"]
        for m in alice.call("GET", first + "/auth/orgs/acme/members").json()["members"]
        if m["username"] == "bob"
    )
    assert probe(second, bob.access) == 200 and probe(first, bob.access) == 200
    return alice, bob.access, bob_id


def seconds_until_refused(url: str, access: str, since: float) -> float:
    while time.monotonic() - since < CONTRACT_SECONDS * 3:
        if probe(url, access) == 401:
            return time.monotonic() - since
        time.sleep(0.01)
    raise AssertionError(f"still accepted after {CONTRACT_SECONDS * 3} s")


def wait_for_listeners(url: str, count: int) -> None:
    listener = redis.Redis.from_url(url)
    deadline = time.monotonic() + 5
    while dict(listener.pubsub_numsub(CHANNEL)).get(CHANNEL.encode(), 0) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    listener.close()


@pytest.mark.redis
def test_removal_and_demotion_are_pushed_to_the_other_process(
    live_server: LiveServers, shared_postgres: str, shared_redis: str
) -> None:
    first, second = start(
        live_server, DATABASE_URL=shared_postgres, REDIS_URL=shared_redis, REVOCATION_POLL_SECONDS="1.0"
    )
    alice, bob_token, bob_id = bob_in_acme(first, second, "admin")
    wait_for_listeners(shared_redis, 2)

    began = time.monotonic()
    assert alice.call("PATCH", f"{first}/auth/orgs/acme/members/{bob_id}", json={"role": "member"}).status_code == 200
    delay = seconds_until_refused(second, bob_token, began)
    assert delay < FANOUT_SECONDS, f"the demotion was not pushed through Redis: {delay:.3f} s"

    member_token = Browser(second, "bob")
    assert member_token.call("POST", second + "/auth/orgs/active", json={"org": "acme"}).status_code == 200
    assert probe(second, member_token.access) == 200
    began = time.monotonic()
    assert alice.call("DELETE", f"{first}/auth/orgs/acme/members/{bob_id}").status_code == 200
    delay = seconds_until_refused(second, member_token.access, began)
    assert delay < FANOUT_SECONDS, f"the removal was not pushed through Redis: {delay:.3f} s"


def test_without_redis_the_poll_carries_a_removal_within_a_second(
    live_server: LiveServers, shared_postgres: str
) -> None:
    first, second = start(live_server, DATABASE_URL=shared_postgres, REDIS_URL="")
    alice, bob_token, bob_id = bob_in_acme(first, second, "member")
    began = time.monotonic()
    assert alice.call("DELETE", f"{first}/auth/orgs/acme/members/{bob_id}").status_code == 200
    delay = seconds_until_refused(second, bob_token, began)
    assert delay < CONTRACT_SECONDS, f"refused only after {delay:.3f} s"

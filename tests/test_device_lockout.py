"""Device cookies against lockout (OWASP): the limiter's clock is driven through simulated hours.

One address guessing as fast as it is allowed must lock the user out neither
on a browser that signed in before nor on a new browser elsewhere; a run over
a hundred addresses throttles the username for unknown devices while known
devices still sign in; a forged, misdirected or over-used device cookie
counts as unknown.
"""

from __future__ import annotations

import types

import limits.storage.memory
import limits.strategies
import pytest

import auth.web.limits
from tests.conftest import PASSWORD, add_user
from tests.helpers import set_cookies

ATTACKER = "203.0.113.66"
HOME = "198.51.100.10"
ELSEWHERE = "192.0.2.77"
START = 1_900_000_000.0


class LimiterClock:
    """The clock the rate-limit storage reads, moved by the test instead of by sleeping."""

    def __init__(self) -> None:
        self.now = START

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> LimiterClock:
    driven = LimiterClock()
    fake_time = types.SimpleNamespace(time=driven.time)
    for module in (limits.storage.memory, limits.strategies, auth.web.limits):
        monkeypatch.setattr(module, "time", fake_time)
    return driven


@pytest.fixture
def server(make_app, clock):
    app = make_app(RATELIMIT_ENABLED="true")
    add_user(app, "alice")
    add_user(app, "bob")
    return app


def attempt(client, ip: str, password: str = "wrong guess", name: str = "alice") -> int:
    reply = client.post("/auth/login", json={"username": name, "password": password}, environ_base={"REMOTE_ADDR": ip})
    return reply.status_code


def known_device(app, name: str = "alice"):
    """A browser that signed in once: it now carries a device cookie."""
    browser = app.test_client()
    credentials = {"username": name, "password": PASSWORD}
    reply = browser.post("/auth/login", json=credentials, environ_base={"REMOTE_ADDR": HOME})
    assert reply.status_code == 200
    cookie = set_cookies(reply)["device_token"]
    assert cookie["path"] == "/auth" and "httponly" in cookie and int(cookie["max-age"]) >= 30 * 24 * 3600
    return browser


def test_one_address_guessing_for_an_hour_locks_the_user_out_nowhere(server, clock):
    device = known_device(server)
    attacker = server.test_client()
    statuses = []
    for second in range(0, 3600, 3):
        clock.now = START + second
        statuses.append(attempt(attacker, ATTACKER))
        if second % 600 == 300:
            assert attempt(device, HOME, PASSWORD) == 200, f"known device refused after {second} s"
            assert attempt(server.test_client(), ELSEWHERE, PASSWORD) == 200, f"new device refused after {second} s"
    assert statuses.count(401) >= 290, "the attacker did guess as fast as it was allowed"
    assert set(statuses) == {401, 429}
    while attempt(attacker, ATTACKER) != 429:
        pass
    assert attempt(attacker, ATTACKER, PASSWORD) == 429, "the attacker's own address is held, right password or not"


def test_a_hundred_addresses_throttle_unknown_devices_while_known_devices_sign_in(server, clock):
    device = known_device(server)
    for index in range(100):
        clock.advance(1)
        for _ in range(5):
            attempt(server.test_client(), f"10.0.{index // 250}.{index % 250}")
    assert attempt(server.test_client(), ELSEWHERE, PASSWORD) == 429, "unknown devices are throttled for alice"
    assert attempt(server.test_client(), ELSEWHERE, PASSWORD, name="bob") == 200, "other users are not"
    assert attempt(device, HOME, PASSWORD) == 200
    assert attempt(device, ELSEWHERE, PASSWORD) == 200, "a known device is known from any address"

    bob_device = known_device(server, "bob")
    assert attempt(bob_device, HOME, PASSWORD) == 429, "a device known for bob is unknown for alice"
    forged = server.test_client()
    forged.set_cookie("device_token", device.get_cookie("device_token", path="/auth").value[:-3] + "AAA", path="/auth")
    assert attempt(forged, HOME, PASSWORD) == 429, "a device cookie with a wrong signature is unknown"

    assert [attempt(device, HOME) for _ in range(10)] == [401] * 10, "a known device has its own allowance"
    assert attempt(device, HOME, PASSWORD) == 429, "beyond its own limit a device is unknown again"
    clock.advance(3601)
    assert attempt(device, HOME, PASSWORD) == 200, "an hour later both limits have passed"


def test_a_known_device_is_not_held_by_the_pair_limit_but_by_its_own(server, clock):
    device = known_device(server)
    other = server.test_client()
    assert [attempt(other, HOME) for _ in range(5)] == [401] * 5
    assert attempt(other, HOME, PASSWORD) == 429, "an unknown device at the same address is held"
    assert attempt(device, HOME, PASSWORD) == 200


def test_a_share_is_per_ipv6_64_not_per_address(server, clock):
    for index in range(60):
        clock.advance(1)
        attempt(server.test_client(), f"2001:db8:0:1::{index:x}")
    assert attempt(server.test_client(), ELSEWHERE, PASSWORD) == 200, "one /64 counts as one address"


def test_the_device_cookie_has_the_auth_cookies_attributes(make_app):
    app = make_app(
        ENVIRONMENT="PROD",
        COOKIE_DOMAIN="example.com",
        COOKIE_SAMESITE="None",
        COOKIE_PARTITIONED="true",
        FRONTEND_URL="https://app.example.com",
        DEVICE_TOKEN_TTL="86400",
    )
    add_user(app)
    reply = app.test_client().post("/auth/login", json={"username": "alice", "password": PASSWORD})
    cookie = set_cookies(reply)["device_token"]
    assert cookie["max-age"] == "86400" and cookie["domain"] in ("example.com", ".example.com")
    assert {"secure", "httponly", "partitioned"} <= cookie.keys() and cookie["samesite"] == "None"
    logout = app.test_client().post("/auth/logout")
    assert "device_token" not in set_cookies(logout), "signing out does not make the browser a stranger"

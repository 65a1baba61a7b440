"""A flood of wrong passwords, from the outside: 429, Retry-After, and who else is affected."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, add_user

LIMITED = {
    "RATELIMIT_ENABLED": "true",
    "RATELIMIT_LOGIN_USER_IP": "5 per minute",
    "RATELIMIT_LOGIN_USER": "12 per hour",
}


@pytest.fixture
def server(make_app):
    app = make_app(**LIMITED)
    for name in ("alice", "bob"):
        add_user(app, name)
    return app


def attempt(app, name="alice", password="wrong guess", ip="203.0.113.7", **headers):
    return app.test_client().post(
        "/auth/login",
        json={"username": name, "password": password},
        headers=headers,
        environ_base={"REMOTE_ADDR": ip},
    )


def test_brute_force_hits_429_and_then_even_the_right_password_is_refused(server):
    statuses = [attempt(server).status_code for _ in range(5)]
    assert statuses == [401] * 5
    limited = attempt(server)
    assert limited.status_code == 429
    assert limited.json == {
        "success": False,
        "message": "Too many attempts; try again later.",
        "error": "too_many_requests",
    }
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert attempt(server, password=PASSWORD).status_code == 429


def test_other_users_and_other_addresses_are_unaffected(server):
    for _ in range(6):
        attempt(server)
    assert attempt(server, name="bob", password=PASSWORD).status_code == 200
    assert attempt(server, password=PASSWORD, ip="203.0.113.99").status_code == 200


def test_a_distributed_flood_meets_the_per_username_ceiling(server):
    statuses = [attempt(server, ip=f"198.51.100.{i}").status_code for i in range(13)]
    assert statuses[:12] == [401] * 12 and statuses[12] == 429
    assert attempt(server, password=PASSWORD, ip="198.51.100.200").status_code == 429
    assert attempt(server, name="bob", password=PASSWORD, ip="198.51.100.200").status_code == 200


def test_successful_logins_do_not_count(server):
    for _ in range(8):
        assert attempt(server, password=PASSWORD).status_code == 200


def test_spoofed_forwarded_for_does_not_reset_limits_without_trusted_proxies(server):
    statuses = [attempt(server, **{"X-Forwarded-For": f"192.0.2.{i}"}).status_code for i in range(6)]
    assert statuses[-1] == 429


def test_behind_one_proxy_only_the_proxys_entry_counts(make_app):
    app = make_app(**LIMITED, TRUSTED_PROXY_COUNT="1")
    add_user(app)
    statuses = [
        attempt(app, ip="127.0.0.1", **{"X-Forwarded-For": f"192.0.2.{i}, 203.0.113.7"}).status_code for i in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    other = attempt(app, password=PASSWORD, ip="127.0.0.1", **{"X-Forwarded-For": "203.0.113.8"})
    assert other.status_code == 200


def test_refresh_is_limited_per_address(make_app):
    app = make_app(RATELIMIT_ENABLED="true", RATELIMIT_REFRESH_IP="3 per minute")
    client = app.test_client()
    statuses = [client.post("/auth/refresh").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_rate_limits_can_be_turned_off(make_app):
    app = make_app(RATELIMIT_ENABLED="false", RATELIMIT_LOGIN_USER_IP="1 per minute")
    add_user(app)
    assert {attempt(app).status_code for _ in range(4)} == {401}


def test_rate_limited_events_are_audited(server, caplog):
    caplog.set_level("INFO", logger="auth.audit")
    for _ in range(6):
        attempt(server)
    events = [r.getMessage() for r in caplog.records if r.name == "auth.audit"]
    assert any('"event": "rate_limited"' in e for e in events)
    assert sum('"event": "login_failed"' in e for e in events) == 5


def test_redis_away_falls_back_to_memory_instead_of_failing(make_app):
    app = make_app(**LIMITED, REDIS_URL="redis://127.0.0.1:1/0")
    add_user(app)
    assert attempt(app, password=PASSWORD).status_code == 200
    statuses = [attempt(app).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]


@pytest.fixture
def password_limited(make_app):
    app = make_app(RATELIMIT_ENABLED="true", RATELIMIT_PASSWORD_USER="3 per minute")
    for name in ("alice", "bob"):
        add_user(app, name)
    return app


def _wrong_change(client, **headers):
    body = {"current_password": "not the password", "new_password": "a brand new long passphrase"}
    return client.post("/auth/password", json=body, headers=headers).status_code


@pytest.mark.parametrize("trick", ["refresh", "padded-signature", "second-login"])
def test_the_password_change_limit_holds_per_user_whatever_the_token(password_limited, trick):
    client = password_limited.test_client()
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    assert [_wrong_change(client) for _ in range(3)] == [401] * 3
    headers = {}
    if trick == "refresh":
        assert client.post("/auth/refresh").status_code == 200
    elif trick == "padded-signature":
        headers = {"Authorization": f"Bearer {client.get_cookie('access_token').value}="}
    else:
        client = password_limited.test_client()
        assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    assert _wrong_change(client, **headers) == 429
    bob = password_limited.test_client()
    assert bob.post("/auth/login", json={"username": "bob", "password": PASSWORD}).status_code == 200
    assert _wrong_change(bob) == 401, "another user keeps their own allowance"

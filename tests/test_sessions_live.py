"""Sessions against real server processes: what a browser and a stolen token see."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import PASSWORD

pytestmark = pytest.mark.live
CREDENTIALS = {"username": "alice", "password": PASSWORD}


def signed_in(url: str) -> requests.Session:
    browser = requests.Session()
    reply = browser.post(url + "/auth/login", json=CREDENTIALS, timeout=10)
    assert reply.status_code == 200, reply.text
    return browser


def refresh_with(url: str, token: str) -> requests.Response:
    return requests.post(url + "/auth/refresh", headers={"Cookie": f"refresh_token={token}"}, timeout=10)


def me_with(url: str, access: str) -> int:
    return requests.get(url + "/auth/me", headers={"Authorization": f"Bearer {access}"}, timeout=10).status_code


@pytest.fixture
def server(live_server):
    env = live_server.env(REFRESH_GRACE_SECONDS="1")
    live_server.prepare(env, {"alice": PASSWORD})
    return live_server.start(env, workers=2)


def test_rotation_and_reuse_after_grace(server):
    browser = signed_in(server)
    stolen = browser.cookies["refresh_token"]
    assert browser.post(server + "/auth/refresh", timeout=10).status_code == 200
    newer_access = browser.cookies["access_token"]
    assert browser.cookies["refresh_token"] != stolen
    assert me_with(server, newer_access) == 200
    time.sleep(1.2)
    replay = refresh_with(server, stolen)
    assert replay.status_code == 401 and "already used" in replay.json()["message"]
    # The whole session ended: every worker refuses its access token within a second.
    deadline = time.monotonic() + 1.0
    while me_with(server, newer_access) != 401:
        assert time.monotonic() < deadline, "a worker still accepts the session's token a second after the reuse"
        time.sleep(0.05)
    assert browser.post(server + "/auth/refresh", timeout=10).status_code == 401


def test_concurrent_refreshes_inside_the_window_both_succeed(server):
    browser = signed_in(server)
    token = browser.cookies["refresh_token"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(lambda _: refresh_with(server, token), range(4)))
    assert [r.status_code for r in replies] == [200] * 4
    successors = {r.cookies["refresh_token"] for r in replies}
    assert len(successors) == 1, "every tab gets the same successor"
    for reply in replies:
        assert me_with(server, reply.cookies["access_token"]) == 200


def probe_with(url: str, access: str) -> int:
    """The middleware's probe with the access token alone: no refresh to fall back on, no user lookup."""
    return requests.get(
        url + "/auth/is-authenticated", headers={"Authorization": f"Bearer {access}"}, timeout=10
    ).status_code


@pytest.fixture
def two_servers(live_server) -> tuple[str, str]:
    """Two servers of one worker each over one database: one does the revoking, the other only hears of it."""
    env = live_server.env(REFRESH_GRACE_SECONDS="1")
    live_server.prepare(env, {"alice": PASSWORD})
    return live_server.start(env, workers=1), live_server.start(env, workers=1)


@pytest.mark.parametrize("ender", ["logout", "logout-all", "password", "delete-user"])
def test_copied_access_token_is_refused_after(two_servers, live_server, ender):
    revoker, other = two_servers
    browser = signed_in(revoker)
    copied = browser.cookies["access_token"]
    assert probe_with(other, copied) == 200, "the other process accepts the token before"
    if ender == "logout":
        assert browser.post(revoker + "/auth/logout", timeout=10).status_code == 200
    elif ender == "logout-all":
        assert signed_in(revoker).post(revoker + "/auth/logout-all", timeout=10).status_code == 200
    elif ender == "password":
        body = {"current_password": PASSWORD, "new_password": "another long passphrase"}
        assert signed_in(revoker).post(revoker + "/auth/password", json=body, timeout=10).status_code == 200
    else:
        from tests.servers import flask_cli

        result = flask_cli(live_server.env(REFRESH_GRACE_SECONDS="1"), "users", "delete", "alice", "--yes")
        assert result.returncode == 0, result.stderr
    started = time.time()
    while probe_with(other, copied) != 401:
        assert time.time() - started < 1.0, "the other process still accepts the token one second after " + ender
        time.sleep(0.05)


def test_silent_refresh_sets_both_cookies(live_server):
    env = live_server.env(ACCESS_TOKEN_TTL="1")
    live_server.prepare(env, {"alice": PASSWORD})
    url = live_server.start(env)
    browser = signed_in(url)
    refresh = browser.cookies["refresh_token"]
    time.sleep(1.1)
    header = f"access_token={browser.cookies['access_token']}; refresh_token={refresh}"
    probe = requests.get(url + "/auth/is-authenticated", headers={"Cookie": header}, timeout=10)
    assert probe.status_code == 200
    names = [h.split("=", 1)[0] for h in probe.raw.headers.getlist("Set-Cookie")]
    assert "access_token" in names and "refresh_token" in names


def _two_processes_agree(live_server, **extra: str) -> float:
    env = live_server.env(**extra)
    live_server.prepare(env, {"alice": PASSWORD})
    first, second = live_server.start(env), live_server.start(env)
    browser = signed_in(first)
    access = browser.cookies["access_token"]
    assert me_with(second, access) == 200
    assert browser.post(first + "/auth/logout", timeout=10).status_code == 200
    started = time.time()
    while me_with(second, access) != 401:
        assert time.time() - started < 1.0, "the other process still accepts the token after one second"
        time.sleep(0.02)
    return time.time() - started


def test_logout_on_one_process_is_refused_by_another_within_a_second(live_server):
    _two_processes_agree(live_server)


@pytest.mark.redis
def test_with_redis_the_other_process_refuses_at_once(live_server, redis_url):
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    elapsed = _two_processes_agree(live_server, REDIS_URL=redis_url, REVOCATION_POLL_SECONDS="60")
    assert elapsed < 0.5, f"with a 60 s poll only pub/sub can be this quick; took {elapsed:.2f}s"

"""Username enumeration by timing, and login floods that must not starve the probe."""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from auth.core.admission import HashGate
from auth.core.errors import Unavailable
from tests.conftest import PASSWORD, add_user

REALISTIC_ARGON2 = {"ARGON2_TIME_COST": "2", "ARGON2_MEMORY_KIB": "16384", "ARGON2_PARALLELISM": "1"}


def test_unknown_user_and_wrong_password_take_similar_time(make_app):
    app = make_app(**REALISTIC_ARGON2)
    add_user(app)
    client = app.test_client()
    timings: dict[str, list[float]] = {"alice": [], "nobody": []}
    for _ in range(15):
        for name in timings:
            started = time.perf_counter()
            assert client.post("/auth/login", json={"username": name, "password": "wrong guess"}).status_code == 401
            timings[name].append(time.perf_counter() - started)
    ratio = statistics.median(timings["nobody"]) / statistics.median(timings["alice"])
    assert 0.75 < ratio < 1.33, f"unknown/known median time ratio {ratio:.2f}"


def test_gate_refuses_at_once_beyond_its_queue():
    gate = HashGate(concurrency=1, queue=1)
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with gate.admit():
            inside.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(5)
    waiter = threading.Thread(target=lambda: gate.admit().__enter__())
    waiter.start()
    time.sleep(0.05)
    started = time.perf_counter()
    with pytest.raises(Unavailable) as refused:
        with gate.admit():
            pass
    assert time.perf_counter() - started < 0.05 and refused.value.retry_after == 1
    release.set()
    holder.join()
    waiter.join()


@pytest.mark.live
def test_login_flood_gets_quick_503s_and_the_probe_still_answers(live_server):
    env = live_server.env(HASH_CONCURRENCY="1", HASH_QUEUE="1", ARGON2_TIME_COST="3", ARGON2_MEMORY_KIB="65536")
    live_server.prepare(env, {"alice": PASSWORD})
    url = live_server.start(env, workers=1, threads=8)
    browser = requests.Session()
    assert browser.post(url + "/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200

    def guess(_: int) -> requests.Response:
        return requests.post(url + "/auth/login", json={"username": "alice", "password": "wrong"}, timeout=30)

    with ThreadPoolExecutor(max_workers=6) as pool:
        flood = [pool.submit(guess, i) for i in range(6)]
        time.sleep(0.05)
        started = time.perf_counter()
        probe = browser.get(url + "/auth/is-authenticated", timeout=10)
        probe_time = time.perf_counter() - started
        replies = [f.result() for f in flood]
    assert probe.status_code == 200
    statuses = sorted(r.status_code for r in replies)
    assert set(statuses) <= {401, 503} and 503 in statuses and 401 in statuses, statuses
    busy = next(r for r in replies if r.status_code == 503)
    assert busy.headers["Retry-After"] == "1" and busy.json()["success"] is False
    assert probe_time < 1.0, f"the probe waited {probe_time:.2f}s behind the flood"

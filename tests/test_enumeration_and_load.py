"""Username enumeration by timing, and login floods that must not starve the probe."""

from __future__ import annotations

import os
import runpy
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


GUNICORN_CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
THREADS = 6
FLOOD = 3 * THREADS  # login requests in flight at once: more than the worker has threads
# The probe under flood, in multiples of its idle latency. With the gate, the refused logins
# still share the worker's GIL with the probe: 10-30x on a busy two-core machine. Without the
# gate (or with no threads left over), the probe queues behind the hashes: 500x and more.
SLOWDOWN_LIMIT = 100


def environment_after_gunicorn_conf(metrics_dir: Path) -> dict[str, str]:
    """The environment as ``gunicorn.conf.py`` leaves it, with this process's restored afterwards.

    The file writes ``HASH_QUEUE`` and ``PROMETHEUS_MULTIPROC_DIR`` into ``os.environ``, as it
    must for the workers; left here, they would switch later tests' ``/metrics`` to the
    multiprocess collector and their logins to this queue.
    """
    saved = dict(os.environ)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    try:
        runpy.run_path(str(GUNICORN_CONF))
        return dict(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.mark.parametrize(
    ("threads", "concurrency", "queue"),
    [("8", None, "4"), ("6", "1", "3"), ("3", "2", "0")],
)
def test_gunicorn_conf_leaves_two_threads_free_of_logins(monkeypatch, tmp_path, threads, concurrency, queue):
    """HASH_QUEUE = threads - HASH_CONCURRENCY (2 by default) - 2, never below 0, as README says."""
    monkeypatch.delenv("HASH_QUEUE", raising=False)
    monkeypatch.setenv("GUNICORN_THREADS", threads)
    if concurrency is None:
        monkeypatch.delenv("HASH_CONCURRENCY", raising=False)
    else:
        monkeypatch.setenv("HASH_CONCURRENCY", concurrency)
    assert environment_after_gunicorn_conf(tmp_path)["HASH_QUEUE"] == queue


def test_gunicorn_conf_keeps_a_hash_queue_that_is_set(monkeypatch, tmp_path):
    monkeypatch.setenv("HASH_QUEUE", "7")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    assert environment_after_gunicorn_conf(tmp_path)["HASH_QUEUE"] == "7"


def probe_latency(browser: requests.Session, url: str, times: int) -> float:
    """Median seconds of ``times`` probes in a row; each must answer 200."""
    took = []
    for _ in range(times):
        started = time.perf_counter()
        reply = browser.get(url + "/auth/is-authenticated", timeout=30)
        took.append(time.perf_counter() - started)
        assert reply.status_code == 200, reply.text
    return statistics.median(took)


@pytest.mark.live
def test_login_flood_gets_quick_503s_and_the_probe_still_answers(live_server):
    """With the queue gunicorn.conf.py derives, a flood beyond the threads leaves the probe nearly as quick as idle."""
    env = live_server.env(
        GUNICORN_THREADS=str(THREADS), HASH_CONCURRENCY="1", ARGON2_TIME_COST="3", ARGON2_MEMORY_KIB="65536"
    )
    env.pop("HASH_QUEUE", None)
    live_server.prepare(env, {"alice": PASSWORD})
    url = live_server.start(env, workers=1, threads=None)
    browser = requests.Session()
    assert browser.post(url + "/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    probe_latency(browser, url, 3)  # warm: the token verified and cached, the revocations read
    idle = probe_latency(browser, url, 9)

    stop = threading.Event()
    replies: list[requests.Response] = []

    def guess() -> None:
        while not stop.is_set():
            replies.append(
                requests.post(url + "/auth/login", json={"username": "alice", "password": "wrong"}, timeout=60)
            )

    with ThreadPoolExecutor(max_workers=FLOOD) as pool:
        flooding = [pool.submit(guess) for _ in range(FLOOD)]
        time.sleep(1.0)
        try:
            busy = probe_latency(browser, url, 9)
        finally:
            stop.set()
        for future in flooding:
            future.result()
    statuses = Counter(r.status_code for r in replies)
    assert set(statuses) <= {401, 503} and statuses[503] and statuses[401], statuses
    refused = next(r for r in replies if r.status_code == 503)
    assert refused.headers["Retry-After"] == "1" and refused.json()["success"] is False
    assert busy < SLOWDOWN_LIMIT * idle, (
        f"the probe took {busy * 1000:.0f} ms under the flood against {idle * 1000:.1f} ms idle"
    )

"""The revocation view polls in the background: a check never waits on the database (issue 18).

Under a login flood a database read in the probe's own request held up every
probe of the worker; now a per-process loop (``auth.core.polling``) reads the
table and checks answer from memory. What must still hold: revocations made
elsewhere arrive by the poll, and with the table unreadable for longer than
``REVOCATION_MAX_STALE_SECONDS`` checks fail closed with 503.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy
from flask import Flask

from auth.core import polling
from auth.core.polling import PollLoop
from models import db
from tests.conftest import PASSWORD, add_user
from tests.helpers import set_cookies
from tests.servers import scratch_postgres

BOUND = 15.0
"""Seconds a condition may take on a loaded machine before the test gives up."""


def sign_in(app: Flask) -> str:
    reply = app.test_client().post("/auth/login", json={"username": "alice", "password": PASSWORD})
    assert reply.status_code == 200
    return set_cookies(reply)["access_token"]["value"]


def probe(app: Flask, token: str) -> int:
    return (
        app.test_client(use_cookies=False)
        .get("/auth/is-authenticated", headers={"Authorization": f"Bearer {token}"})
        .status_code
    )


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.02)


def probe_within_bound(app: Flask, token: str) -> int:
    """The probe's status, or a failure if it did not answer within BOUND (it waited on the read)."""
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(probe, app, token)
        try:
            return future.result(timeout=BOUND)
        except TimeoutError:
            pytest.fail("the probe waited on the revocation poll's database read")


class HeldReads:
    """Every read of the revocations table waits until released (the database not answering)."""

    def __init__(self, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
        view = app.extensions["auth"].revocations
        real = view._read
        self.entered = threading.Event()
        self.released = threading.Event()

        def held(now: float) -> None:
            self.entered.set()
            self.released.wait(60)
            real(now)

        monkeypatch.setattr(view, "_read", held)

    def release(self) -> None:
        self.released.set()


def test_a_probe_answers_from_memory_while_the_poll_read_is_held(make_app, monkeypatch):
    app = make_app(REVOCATION_POLL_SECONDS="0.1", REVOCATION_MAX_STALE_SECONDS="60")
    add_user(app)
    token = sign_in(app)
    assert probe(app, token) == 200
    reads = HeldReads(app, monkeypatch)
    try:
        wait_for(reads.entered.is_set, "the background poll starts a read")
        for _ in range(3):
            assert probe_within_bound(app, token) == 200
    finally:
        reads.release()


def test_a_revocation_made_by_another_process_arrives_by_the_background_poll(make_app):
    # Max stale is long: only the background poll, not a request's catch-up read, can bring the revocation.
    app = make_app(REVOCATION_POLL_SECONDS="0.1", REVOCATION_MAX_STALE_SECONDS="120")
    other = make_app(REVOCATION_POLL_SECONDS="0.1")  # the same database, as another process would see it
    add_user(app)
    token = sign_in(app)
    assert probe(app, token) == 200
    reply = other.test_client().post("/auth/logout-all", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200
    wait_for(lambda: probe(app, token) == 401, "the first app refuses the token revoked through the second")


def test_checks_fail_closed_once_the_poll_read_is_held_past_max_stale(make_app, monkeypatch):
    app = make_app(REVOCATION_POLL_SECONDS="0.1", REVOCATION_MAX_STALE_SECONDS="1")
    add_user(app)
    token = sign_in(app)
    assert probe(app, token) == 200
    reads = HeldReads(app, monkeypatch)
    try:
        wait_for(lambda: probe_within_bound(app, token) == 503, "checks are refused with 503")
        reply = app.test_client(use_cookies=False).get(
            "/auth/is-authenticated", headers={"Authorization": f"Bearer {token}"}
        )
        assert reply.status_code == 503 and reply.headers["Retry-After"]
    finally:
        reads.release()
    wait_for(lambda: probe(app, token) == 200, "checks answer again once the table can be read")


def test_on_postgresql_a_locked_revocations_table_holds_no_probe_and_fails_closed_after_max_stale(
    make_app, postgres_url
):
    with scratch_postgres(postgres_url) as url:
        app = make_app(DATABASE_URL=url, REVOCATION_POLL_SECONDS="0.1", REVOCATION_MAX_STALE_SECONDS="5")
        try:
            locked_table_scenario(app, url)
        finally:
            with app.app_context():
                db.engine.dispose()


def locked_table_scenario(app: Flask, url: str) -> None:
    add_user(app)
    token = sign_in(app)
    assert probe(app, token) == 200
    locker = sqlalchemy.create_engine(url)
    watcher = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with locker.connect() as lock:
            lock.execute(sqlalchemy.text("LOCK TABLE revocations IN ACCESS EXCLUSIVE MODE"))

            def poll_waits_on_the_lock() -> bool:
                with watcher.connect() as connection:
                    return bool(
                        connection.execute(
                            sqlalchemy.text(
                                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                "AND query ILIKE '%FROM revocations%'"
                            )
                        ).scalar()
                    )

            wait_for(poll_waits_on_the_lock, "the background poll waits on the locked table")
            assert probe_within_bound(app, token) == 200, "within max stale the probe answers from memory"
            wait_for(lambda: probe_within_bound(app, token) == 503, "checks are refused past max stale")
            lock.rollback()
        wait_for(lambda: probe(app, token) == 200, "checks answer again once the lock is gone")
    finally:
        locker.dispose()
        watcher.dispose()


def test_one_failing_poller_does_not_stop_the_others_and_the_loop_ends_with_its_app():
    class Broken:
        def poll(self, now: float) -> None:
            raise RuntimeError("broken view")

    class Counting:
        def __init__(self) -> None:
            self.polls = 0

        def poll(self, now: float) -> None:
            self.polls += 1

    class App:  # stands in for the Flask app, whose app_context the loop holds weakly
        def app_context(self) -> contextlib.AbstractContextManager[None]:
            return contextlib.nullcontext()

    owner, counting = App(), Counting()
    loop = PollLoop(0.05, owner.app_context)
    loop.add(Broken())
    loop.add(counting)
    before = set(threading.enumerate())
    loop.ensure_running()
    (thread,) = set(threading.enumerate()) - before
    wait_for(lambda: counting.polls >= 3, "the loop polls the working view again and again")
    del owner
    gc.collect()
    wait_for(lambda: not thread.is_alive(), "the loop ends once its app is gone")


def test_the_first_checks_of_a_process_arriving_together_start_one_loop(monkeypatch):
    real_getpid = os.getpid

    def slow_getpid() -> int:  # widen the gap between "is it running?" and starting it
        time.sleep(0.01)
        return real_getpid()

    monkeypatch.setattr(polling.os, "getpid", slow_getpid)

    class App:
        def app_context(self) -> contextlib.AbstractContextManager[None]:
            return contextlib.nullcontext()

    owner = App()
    loop = PollLoop(60, owner.app_context)
    before = set(threading.enumerate())
    barrier = threading.Barrier(8)

    def first_check() -> None:
        barrier.wait()
        loop.ensure_running()

    with ThreadPoolExecutor(8) as pool:
        for future in [pool.submit(first_check) for _ in range(8)]:
            future.result(timeout=BOUND)
    started = [t for t in set(threading.enumerate()) - before if t.name == "poll-loop"]
    assert len(started) == 1
    del owner
    gc.collect()
    loop.wake()  # let it see its app is gone
    wait_for(lambda: not started[0].is_alive(), "the loop ends once its app is gone")

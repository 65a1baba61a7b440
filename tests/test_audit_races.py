"""Two racing requests with one secret: exactly one wins, on SQLite and on PostgreSQL.

The claims: a mailed token is spent once (``auth/mail/tokens.py``), also by
the password reset; a recovery code is used once (``auth/mfa/recovery.py``);
a TOTP step is accepted once (``auth/mfa/totp.py``). Each race is made
real, not hoped for: both threads are held right before their first write
(a SQLAlchemy cursor hook with a barrier), so both have read "still unused"
before either writes. Code that checks and then writes without a
condition lets both win here every time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pyotp
import pytest
from flask import Flask
from sqlalchemy import event, select

from auth.mfa import totp as totp_codes
from auth.mfa.state import mfa_state
from models import User, db
from tests.conftest import PASSWORD
from tests.mailsink import MailSink, link_in
from tests.servers import scratch_postgres
from tests.test_mfa import enrol_totp

ADDRESS = "alice@mail.test"
RACERS = 2


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    if request.param == "sqlite":
        yield {}
        return
    with scratch_postgres(request.getfixturevalue("postgres_url")) as url:
        yield {"DATABASE_URL": url}


@pytest.fixture
def app(make_app: Callable[..., Flask], sink: MailSink, database: dict[str, str]) -> Iterator[Flask]:
    app = make_app(MAIL_URL=sink.url, ALLOW_MAGIC_LINKS="true", **database)
    created = app.test_cli_runner().invoke(
        args=["users", "create", "alice", "--password-stdin", "--email", ADDRESS], input=PASSWORD + "\n"
    )
    assert created.exit_code == 0, created.output
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # before the scratch database is dropped


WRITES = ("INSERT", "UPDATE", "DELETE")


def race(app: Flask, calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` in threads, each held before its first write until all got there.

    Everything a racer read before that (the token, the code, the step) it
    read while the secret was still unused.
    """
    barrier = threading.Barrier(len(calls), timeout=60)
    racers: set[int] = set()
    held: set[int] = set()

    def hold(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        me = threading.get_ident()
        if me in racers and me not in held and statement.lstrip().upper().startswith(WRITES):
            held.add(me)
            barrier.wait()

    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        racers.add(threading.get_ident())
        try:
            with app.app_context():
                results[index] = call()
        except BaseException as error:  # noqa: BLE001 - reported below, with the thread's result
            errors.append(error)
            barrier.abort()

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", hold)
    try:
        threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads), "a racer is stuck"
    finally:
        event.remove(engine, "before_cursor_execute", hold)
    assert not errors, errors
    assert held == racers, "not every racer reached its write: the race did not happen"
    return results


def mailed_token(app: Flask, sink: MailSink, path: str) -> str:
    assert app.test_client().post(path, json={"email": ADDRESS}).status_code == 202
    assert app.extensions["mail"].outbox.wait_idle(30), "the outbox did not finish"
    return link_in(sink.wait_for(ADDRESS)).split("?token=", 1)[1]


def test_a_magic_link_signs_in_once_when_two_requests_race(app: Flask, sink: MailSink) -> None:
    token = mailed_token(app, sink, "/auth/magic-link")
    browsers = [app.test_client() for _ in range(RACERS)]
    calls = [lambda b=b: b.post("/auth/magic-link/verify", json={"token": token}).status_code for b in browsers]
    statuses = race(app, calls)
    assert sorted(statuses) == [200, 400], statuses
    assert sorted(b.get("/auth/me").status_code for b in browsers) == [200, 401]


def test_a_reset_token_sets_one_password_when_two_requests_race(app: Flask, sink: MailSink) -> None:
    """The reset spends its token itself; ``set_password`` clearing tokens afterwards is too late."""
    token = mailed_token(app, sink, "/auth/password/forgot")
    passwords = [f"racing passphrase number {i}" for i in range(RACERS)]
    browsers = [app.test_client() for _ in range(RACERS)]
    calls = [
        lambda b=b, p=p: b.post("/auth/password/reset", json={"token": token, "new_password": p}).status_code
        for b, p in zip(browsers, passwords, strict=True)
    ]
    statuses = race(app, calls)
    assert sorted(statuses) == [200, 400], statuses
    winner = passwords[statuses.index(200)]
    for password in [*passwords, PASSWORD]:
        reply = app.test_client().post("/auth/login", json={"username": "alice", "password": password})
        assert reply.status_code == (200 if password == winner else 401), password


def enrolled(app: Flask) -> tuple[int, pyotp.TOTP, list[str]]:
    """Alice's id, her authenticator app and her recovery codes."""
    client = app.test_client()
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    totp, codes = enrol_totp(client)
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == "alice")), totp, codes


def test_a_recovery_code_is_used_once_when_two_requests_race(app: Flask) -> None:
    user_id, _, codes = enrolled(app)
    uses = [lambda: mfa_state().recovery.use(user_id, codes[0], now=time.time()) for _ in range(RACERS)]
    assert sorted(race(app, uses)) == [False, True]
    with app.app_context():
        assert mfa_state().recovery.left(user_id) == 9


def test_a_totp_code_is_accepted_once_when_two_requests_race(app: Flask) -> None:
    user_id, totp, _ = enrolled(app)
    now = time.time() + totp.interval  # the next step: the confirmation spent the current one
    code = totp.at(now)
    checks = [lambda: totp_codes.check_code(mfa_state().box, user_id, code, now=now) for _ in range(RACERS)]
    assert sorted(race(app, checks)) == [False, True]

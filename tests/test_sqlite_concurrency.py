"""SQLite holds under concurrency: several worker processes, one database file.

Client threads hammer login, refresh, the probe and logout against a
three-worker gunicorn for a bounded time. Every request must succeed (no
5xx, no "database is locked", no reset connection or timeout), every worker
must have served some (the access log names the worker's pid), and the database afterwards must match what
the clients saw exactly: one session row per successful login, none lost or
duplicated, one refresh-token row per issued token with only the last one
unrotated, and every logout recorded.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import jwt
import pytest
import requests
import sqlalchemy

from auth.core.sessions import TokenHasher
from tests.conftest import PASSWORD
from tests.servers import LiveServers

pytestmark = pytest.mark.live

WORKERS = 3
USERS = 3
THREADS_PER_USER = 2
SECONDS = 8.0
MAX_ROUNDS = 300
REFRESHES_PER_ROUND = 2


@dataclass
class Login:
    session_id: str
    refreshes: int = 0
    last_refresh_token: str = ""
    logged_out: bool = False


@dataclass
class Outcome:
    logins: list[Login] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def hammer(url: str, username: str, deadline: float, outcome: Outcome) -> None:
    """Rounds of login, refreshes, probe, logout, until the deadline or MAX_ROUNDS."""

    def call(method: str, path: str, **kwargs: object) -> requests.Response:
        reply = client.request(method, url + path, timeout=30, **kwargs)  # type: ignore[arg-type]
        outcome.statuses[reply.status_code] += 1
        if reply.status_code != 200:
            outcome.errors.append(f"{method} {path} -> {reply.status_code}: {reply.text[:200]}")
        return reply

    try:
        for _ in range(MAX_ROUNDS):
            if time.monotonic() >= deadline:
                return
            client = requests.Session()
            if call("POST", "/auth/login", json={"username": username, "password": PASSWORD}).status_code != 200:
                continue
            claims = jwt.decode(client.cookies["access_token"], options={"verify_signature": False})
            login = Login(session_id=claims["sid"], last_refresh_token=client.cookies["refresh_token"])
            outcome.logins.append(login)
            for _ in range(REFRESHES_PER_ROUND):
                if call("POST", "/auth/refresh").status_code == 200:
                    login.refreshes += 1
                    login.last_refresh_token = client.cookies["refresh_token"]
            call("GET", "/auth/is-authenticated")
            if call("POST", "/auth/logout").status_code == 200:
                login.logged_out = True
    except Exception as error:  # noqa: BLE001 - a reset connection or a timeout is a failure of the test
        outcome.errors.append(f"{username}: {error!r}")


def test_workers_share_one_sqlite_file_without_errors_or_lost_sessions(live_server: LiveServers) -> None:
    access_log = live_server.tmp / "access.log"
    env = live_server.env(GUNICORN_ACCESS_LOG=str(access_log), GUNICORN_CMD_ARGS="--access-logformat '%(p)s %(s)s'")
    users = {f"user{index}": PASSWORD for index in range(USERS)}
    live_server.prepare(env, users)
    url = live_server.start(env, workers=WORKERS, threads=4)

    outcome = Outcome()
    deadline = time.monotonic() + SECONDS
    threads = [
        threading.Thread(target=hammer, args=(url, name, deadline, outcome))
        for name in users
        for _ in range(THREADS_PER_USER)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)
    assert not any(thread.is_alive() for thread in threads)

    assert not outcome.errors, outcome.errors[:5]
    assert not [status for status in outcome.statuses if status >= 500]
    assert len(outcome.logins) >= len(threads) * 3, f"too little load to mean anything: {outcome.statuses}"
    served = Counter(line.split()[0] for line in access_log.read_text().splitlines() if line.strip())
    assert len(served) == WORKERS, f"requests served by worker (pid): {dict(served)}; one died or one sat idle"

    engine = sqlalchemy.create_engine(env["DATABASE_URL"])
    with engine.connect() as connection:
        sessions = {row.id: row for row in connection.execute(sqlalchemy.text("SELECT id, revoked_at FROM sessions"))}
        tokens = connection.execute(sqlalchemy.text("SELECT token_hash, session_id, rotated_at FROM refresh_tokens"))
        tokens_by_session: dict[str, list[sqlalchemy.Row]] = {}
        for row in tokens:
            tokens_by_session.setdefault(row.session_id, []).append(row)
        revocations = Counter(
            row.session_id for row in connection.execute(sqlalchemy.text("SELECT session_id FROM revocations"))
        )
    engine.dispose()

    hasher = TokenHasher(env["JWT_SECRET"].encode(), ())
    seen = [login.session_id for login in outcome.logins]
    assert len(set(seen)) == len(seen), "two logins were handed the same session"
    assert set(sessions) == set(seen), "session rows lost or made without a login"
    for login in outcome.logins:
        rows = tokens_by_session[login.session_id]
        assert len(rows) == 1 + login.refreshes, f"{login}: {len(rows)} refresh-token rows"
        live = [row for row in rows if row.rotated_at is None]
        assert [row.token_hash for row in live] == [hasher.current(login.last_refresh_token)]
        assert login.logged_out
        assert sessions[login.session_id].revoked_at is not None
        assert revocations[login.session_id] == 1

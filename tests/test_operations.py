"""Operations in one process: /metrics after known traffic and its token,
/readyz, and what a request sees while the database is away.

The same counters summed over several gunicorn workers: tests/test_faults.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from auth.core.settings import ConfigError
from models import db
from tests.conftest import PASSWORD, base_env
from tests.servers import flask_cli, server_env

TOKEN = "metrics-token-0123456789abcdef"


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    """Every sample of a Prometheus text page."""
    return [(s.name, s.labels, s.value) for family in text_string_to_metric_families(text) for s in family.samples]


def value(page: list, name: str, **labels: str) -> float:
    """The sum of the samples called ``name`` that carry these labels (and any others)."""
    return sum(v for n, found, v in page if n == name and all(found.get(k) == x for k, x in labels.items()))


def scrape(client) -> list:
    reply = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return samples(reply.get_data(as_text=True))


@pytest.fixture
def metered(make_app: Callable[..., Flask]) -> Flask:
    return make_app(METRICS_TOKEN=TOKEN, RATELIMIT_ENABLED="true", RATELIMIT_LOGIN_USER_IP="3 per minute")


def test_counters_follow_known_traffic(metered: Flask) -> None:
    from tests.conftest import add_user

    add_user(metered)
    c = metered.test_client()
    before = scrape(c)
    assert c.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    for _ in range(2):
        assert c.post("/auth/login", json={"username": "alice", "password": "wrong"}).status_code == 401
    assert c.post("/auth/refresh").status_code == 200
    assert c.get("/auth/is-authenticated").status_code == 200
    assert c.post("/auth/logout", headers={"Origin": "https://evil.example"}).status_code == 403
    assert c.post("/auth/logout").status_code == 200
    for _ in range(2):
        c.post("/auth/login", json={"username": "mallory", "password": "guess"})
    assert c.post("/auth/login", json={"username": "mallory", "password": "guess"}).status_code == 401
    assert c.post("/auth/login", json={"username": "mallory", "password": "guess"}).status_code == 429
    after = scrape(c)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("auth_logins_total", result="success") == 1
    assert delta("auth_logins_total", result="failure") == 5
    assert delta("auth_refreshes_total") == 1
    assert delta("auth_revocations_total", reason="logout") == 1
    assert delta("auth_csrf_refused_total", check="origin") == 1
    assert delta("auth_rate_limited_total", endpoint="auth.login") == 1
    assert delta("auth_request_duration_seconds_count", endpoint="auth.is_authenticated") == 1
    assert delta("auth_request_duration_seconds_count", endpoint="auth.login") == 7
    assert delta("auth_request_duration_seconds_count", endpoint="auth.login", status="429") == 1


def test_refresh_reuse_is_counted(metered: Flask) -> None:
    from tests.conftest import add_user

    add_user(metered)
    c = metered.test_client()
    c.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    old = c.get_cookie("refresh_token", path="/auth").value
    c.post("/auth/refresh")
    before = scrape(c)
    c.set_cookie("refresh_token", old, path="/auth")
    metered.extensions["auth"].settings.__dict__["refresh_grace_seconds"] = 0
    time.sleep(0.01)
    assert c.post("/auth/refresh").status_code == 401
    after = scrape(c)
    assert value(after, "auth_refresh_reuse_total") - value(before, "auth_refresh_reuse_total") == 1
    assert (
        value(after, "auth_revocations_total", reason="refresh_reuse_detected")
        - value(before, "auth_revocations_total", reason="refresh_reuse_detected")
        == 1
    )


def test_hash_gate_refusals_are_counted(make_app: Callable[..., Flask]) -> None:
    from auth.core.errors import Unavailable

    app = make_app(HASH_CONCURRENCY="1", HASH_QUEUE="0")
    gate = app.extensions["auth"].gate
    c = app.test_client()
    before = samples(c.get("/metrics").get_data(as_text=True))
    with gate.admit():
        with pytest.raises(Unavailable):
            with gate.admit():
                pass
    after = samples(c.get("/metrics").get_data(as_text=True))
    assert value(after, "auth_hash_gate_refused_total") - value(before, "auth_hash_gate_refused_total") == 1
    assert value(after, "auth_hash_queue_depth") == 0


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="no-header"),
        pytest.param("Bearer wrong-token-0123456789abcdef", id="wrong-token"),
        pytest.param(f"Basic {TOKEN}", id="wrong-scheme"),
        pytest.param(f"Bearer {TOKEN}x", id="token-with-a-suffix"),
    ],
)
def test_metrics_need_the_token(metered: Flask, header: str | None) -> None:
    reply = metered.test_client().get("/metrics", headers={"Authorization": header} if header else {})
    assert reply.status_code == 401
    assert reply.get_json()["success"] is False and "METRICS_TOKEN" in reply.get_json()["message"]


def test_metrics_without_a_token_are_open(app: Flask) -> None:
    reply = app.test_client().get("/metrics")
    assert reply.status_code == 200 and reply.mimetype == "text/plain"
    assert "auth_logins_total" in reply.get_data(as_text=True)


def test_a_slow_poll_raises_the_default_staleness_bound(make_app: Callable[..., Flask]) -> None:
    """REVOCATION_POLL_SECONDS may be up to 60 with Redis; the view is that stale between polls anyway."""
    app = make_app(REVOCATION_POLL_SECONDS="60", REDIS_URL="redis://127.0.0.1:1/0")
    assert app.extensions["ops"].revocation_max_stale_seconds == 120


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        pytest.param({"METRICS_TOKEN": "short"}, "METRICS_TOKEN", id="short-token"),
        pytest.param({"REVOCATION_MAX_STALE_SECONDS": "soon"}, "REVOCATION_MAX_STALE_SECONDS", id="not-a-number"),
        pytest.param({"REVOCATION_MAX_STALE_SECONDS": "0.01"}, "REVOCATION_MAX_STALE_SECONDS", id="below-the-poll"),
    ],
)
def test_bad_operations_settings_name_the_variable(make_app, overrides: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        make_app(**overrides)


# --- readiness ----------------------------------------------------------------


def test_readyz_wants_migrations_at_head(tmp_path: Path) -> None:
    """A database made by create_all has no alembic_version: reachable, but not migrated."""
    from app import create_app

    app = create_app(base_env(tmp_path))
    with app.app_context():
        db.create_all()
    reply = app.test_client().get("/readyz")
    assert reply.status_code == 503 and reply.headers["Retry-After"].isdigit()
    body = reply.get_json()
    assert body["success"] is False and any("migrations not at head" in m for m in body["missing"])

    assert (
        flask_cli(
            server_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}"), "db", "upgrade"
        ).returncode
        == 0
    )
    migrated = create_app({**base_env(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"})
    ready = migrated.test_client().get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json() == {"success": True, "database": "ok", "redis": "not configured"}


def test_readyz_an_older_revision_is_not_ready(tmp_path: Path) -> None:
    from app import create_app

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    assert flask_cli(server_env(tmp_path, DATABASE_URL=url), "db", "upgrade", "e9e3822e3fb4").returncode == 0
    reply = create_app({**base_env(tmp_path), "DATABASE_URL": url}).test_client().get("/readyz")
    assert reply.status_code == 503
    assert "e9e3822e3fb4" in reply.get_json()["message"]


def test_readyz_names_an_unreachable_redis(tmp_path: Path) -> None:
    from app import create_app
    from tests.servers import free_port

    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    assert flask_cli(server_env(tmp_path, DATABASE_URL=url), "db", "upgrade").returncode == 0
    app = create_app({**base_env(tmp_path), "DATABASE_URL": url, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    reply = app.test_client().get("/readyz")
    assert reply.status_code == 503
    assert [m.split(":")[0] for m in reply.get_json()["missing"]] == ["redis"]


# --- the database away --------------------------------------------------------


def break_database(app: Flask, tmp_path: Path) -> Path:
    """Take the SQLite file away and make the path a directory: every query now fails."""
    database = tmp_path / "auth.sqlite3"
    with app.app_context():
        db.engine.dispose()
    moved = database.rename(tmp_path / "away.sqlite3")
    database.mkdir()
    return moved


def restore_database(app: Flask, tmp_path: Path, moved: Path) -> None:
    (tmp_path / "auth.sqlite3").rmdir()
    moved.rename(tmp_path / "auth.sqlite3")
    with app.app_context():
        db.engine.dispose()


def test_database_away_is_503_with_retry_after_then_recovers(make_app, tmp_path: Path) -> None:
    from tests.conftest import add_user

    app = make_app(REVOCATION_POLL_SECONDS="0.05", REVOCATION_MAX_STALE_SECONDS="1")
    add_user(app)
    c = app.test_client()
    assert c.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    assert c.get("/auth/is-authenticated").status_code == 200  # the revocation view has read the table once
    moved = break_database(app, tmp_path)

    me = c.get("/auth/me")
    assert me.status_code == 503 and me.headers["Retry-After"].isdigit()
    assert me.get_json() == {
        "success": False,
        "message": "The database is unavailable; try again shortly.",
        "error": "database_unavailable",
    }
    assert c.get("/auth/is-authenticated").status_code == 200, "the probe should answer from memory while fresh"
    time.sleep(1.2)
    closed = c.get("/auth/is-authenticated")
    assert closed.status_code == 503, "past the stated bound the probe must fail closed"
    assert closed.headers["Retry-After"].isdigit() and closed.get_json()["success"] is False
    assert c.get("/readyz").status_code == 503
    assert c.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 503

    restore_database(app, tmp_path, moved)
    time.sleep(0.1)
    assert c.get("/auth/is-authenticated").status_code == 200
    assert c.get("/auth/me").status_code == 200

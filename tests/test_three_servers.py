"""Three API servers behind nginx (round robin) on one PostgreSQL and one Redis,
while simulated browsers keep going: a worker is killed, one server is stopped
and started again, and Redis is restarted.

What an operator is promised: no 5xx but the documented JSON 503s, no hang,
no lost session, and a session ended on one server is refused by every
server within a second (with Redis down, within the database poll and a
second). The servers are two gunicorns and one granian, so
the two supported servers also share one deployment.

Everything runs against a PostgreSQL and a Redis of this module's own
(tests/own_services.py) and an nginx started here; never the shared ones.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
import sqlalchemy
from flask_migrate import upgrade
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app import create_app
from models import db
from tests.conftest import PASSWORD, add_user, base_env
from tests.own_services import OwnPostgres, OwnRedis
from tests.servers import LiveServers, children, free_port, missing
from tests.soak import Soak

pytestmark = [pytest.mark.live, pytest.mark.postgres, pytest.mark.redis]

USERS = {f"user{n}": PASSWORD for n in range(6)}
BROWSERS = 12
KINDS = ("gunicorn", "granian", "gunicorn")
POLL = 2.0
"""The database poll, slow on purpose: with Redis up, only its push can meet the bound."""
REVOCATION_BOUND = 1.0
"""With Redis: a session ended on one server is refused by all within this many seconds."""
CHANNEL = b"flask-auth:revocations"


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        missing("nginx is not installed")
    return str(found)


def nginx_config(folder: Path, port: int, upstreams: list[int]) -> Path:
    """Round robin over the servers. A refused connection (a stopped server) or a reply cut
    before its headers (a killed worker) goes to the next server, POSTs included: sign-in,
    refresh (its grace window answers a repeated rotation) and logout are safe to repeat.
    """
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{upstream} max_fails=1 fail_timeout=2s;" for upstream in upstreams)
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""
daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {folder / "client_body"};
    proxy_temp_path {folder / "proxy"};
    fastcgi_temp_path {folder / "fastcgi"};
    uwsgi_temp_path {folder / "uwsgi"};
    scgi_temp_path {folder / "scgi"};
    upstream api {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://api;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_next_upstream error timeout non_idempotent;
            proxy_next_upstream_tries 3;
            proxy_connect_timeout 2s;
        }}
    }}
}}
"""
    )
    return conf


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    server = OwnPostgres()
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path_factory.mktemp("redis"))
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def database(own_postgres: OwnPostgres, tmp_path: Path) -> str:
    """One database for the three servers, migrated here with the users in it."""
    engine = sqlalchemy.create_engine(own_postgres.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as connection:
        connection.execute(sqlalchemy.text('CREATE DATABASE "three"'))
    engine.dispose()
    url = make_url(own_postgres.url).set(database="three").render_as_string(hide_password=False)
    app = create_app({**base_env(tmp_path), "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        for name, password in USERS.items():
            add_user(app, name, password)
        db.session.remove()
        db.engine.dispose()
    return url


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[tuple[int, list[int]]]:
    """nginx on a free port in front of three upstream ports; yields (nginx port, upstream ports)."""
    binary = nginx_binary()
    folder = tmp_path / "nginx"
    folder.mkdir()
    tmp_path.chmod(0o755)  # nginx workers may run as another user
    port, upstreams = free_port(), [free_port() for _ in KINDS]
    log = (folder / "nginx.log").open("w")
    process = subprocess.Popen(
        [binary, "-p", str(folder), "-c", str(nginx_config(folder, port, upstreams))],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield port, upstreams
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)


def sign_in(url: str, name: str) -> tuple[requests.Session, str]:
    http = requests.Session()
    reply = http.post(url + "/auth/login", json={"username": name, "password": PASSWORD}, timeout=10)
    assert reply.status_code == 200, reply.text
    return http, reply.cookies["access_token"]


def revocation_delay(front: str, servers: list[str], name: str) -> float:
    """Sign in through nginx, log out, and return how long any server still said 200.

    Each server is probed on fresh connections (so every worker answers) until it has
    refused the token eight times in a row.
    """
    http, token = sign_in(front, name)
    for server in servers:
        assert probe(server, token) == 200
    assert http.post(front + "/auth/logout", timeout=10).status_code == 200
    ended = time.monotonic()
    last_accepted = ended
    for server in servers:
        refused_in_a_row = 0
        while refused_in_a_row < 8:
            status = probe(server, token)
            assert status in (200, 401), status
            if status == 200:
                last_accepted = max(last_accepted, time.monotonic())
                refused_in_a_row = 0
            else:
                refused_in_a_row += 1
            assert time.monotonic() - ended < 15, f"{server} still accepts a session ended 15 s ago"
    return last_accepted - ended


def probe(url: str, token: str) -> int:
    return requests.get(
        url + "/auth/is-authenticated",
        headers={"Cookie": f"access_token={token}", "Connection": "close"},
        timeout=10,
    ).status_code


def subscribers(client: redis.Redis) -> int:
    return dict(client.pubsub_numsub(CHANNEL)).get(CHANNEL, 0)


def wait_for(condition: object, what: str, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():  # type: ignore[operator]
                return
        except (redis.RedisError, requests.RequestException):
            pass
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_three_servers_behind_nginx(
    live_server: LiveServers, database: str, own_redis: OwnRedis, nginx: tuple[int, list[int]]
) -> None:
    front_port, ports = nginx
    front = f"http://127.0.0.1:{front_port}"
    client = redis.Redis.from_url(own_redis.url)
    client.flushdb()
    settings = {
        "DATABASE_URL": database,
        "REDIS_URL": own_redis.url,
        "REFRESH_GRACE_SECONDS": "30",
        "REVOCATION_POLL_SECONDS": str(POLL),
        "REVOCATION_MAX_STALE_SECONDS": "10",
        "DB_POOL_SIZE": "4",
        "DB_MAX_OVERFLOW": "4",
    }

    def start(index: int) -> str:
        env = live_server.env(**settings, PROMETHEUS_MULTIPROC_DIR=str(live_server.tmp / f"metrics-{index}"))
        return live_server.start(env, workers=2, threads=4, graceful_timeout=10, server=KINDS[index], port=ports[index])

    servers = [start(index) for index in range(len(KINDS))]
    masters = list(live_server.processes)

    soak = Soak(front, USERS, BROWSERS)
    soak.start()
    delays = {"Redis up": revocation_delay(front, servers, "user0")}
    wait_for(lambda: subscribers(client) >= 2 * len(KINDS), "every worker listening on Redis")

    # 1. a worker of the first server is killed (gunicorn starts another)
    victim = children(masters[0].pid)[0]
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: victim not in children(masters[0].pid) and len(children(masters[0].pid)) == 2, "a new worker")

    # 2. the granian server is stopped (requests in flight finish) and started again on its port
    masters[1].send_signal(signal.SIGTERM)
    assert masters[1].wait(timeout=30) == 0
    time.sleep(1)  # browsers keep going through the other two servers meanwhile
    servers[1] = start(1)

    # 3. Redis restarts: revocations still spread (the database poll), then the listeners return
    own_redis.kill()
    delays["Redis down"] = revocation_delay(front, servers, "user1")
    own_redis.start()
    wait_for(lambda: subscribers(client) >= 2 * len(KINDS), "every worker listening on Redis again")
    delays["Redis back"] = revocation_delay(front, servers, "user2")

    counts = soak.finish()
    print(f"\nthree servers: {counts}; replies by status {dict(soak.tally.statuses)}; revocation delays {delays}")
    problems = soak.tally.server_errors + soak.tally.hangs + soak.tally.lost
    assert counts["5xx"] == counts["hangs"] == counts["lost sessions"] == 0, problems[:5]
    assert soak.tally.statuses[200] > 300, "too little traffic to mean anything"
    bounds = {"Redis up": REVOCATION_BOUND, "Redis down": POLL + REVOCATION_BOUND, "Redis back": REVOCATION_BOUND}
    slow = {when: delay for when, delay in delays.items() if delay >= bounds[when]}
    assert slow == {}, f"a session ended on one server was accepted elsewhere for {slow} s (bounds {bounds})"

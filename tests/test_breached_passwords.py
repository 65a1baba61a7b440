"""Breached passwords: a local stub of the Have I Been Pwned range API, a real HTTP server on 127.0.0.1.

The stub knows one breached password. Every way a new password is set
(register, change, ``flask users create`` and ``set-password``) refuses it;
only the five-character SHA-1 prefix reaches the stub; and when the stub is
down or too slow the password is accepted and the audit log says the check
was skipped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import Flask

from auth.core.breaches import TIMEOUT_SECONDS
from auth.core.settings import ConfigError, Settings
from tests.conftest import PASSWORD, base_env
from tests.servers import free_port

BREACHED = "monkey-business-2019"
SAFE = "a quiet walk by the river Tay"


def sha1(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest().upper()


class RangeStub(ThreadingHTTPServer):
    """Answers ``GET /range/<prefix>`` with padded ``SUFFIX:COUNT`` lines and logs every request."""

    daemon_threads = True
    block_on_close = False  # a slow reply the client gave up on is not waited for

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, object]] = []
        self.delay = delay

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def body_for(self, prefix: str) -> str:
        breached = sha1(BREACHED)
        lines = [f"{'0' * 35}:0", f"{'F' * 35}:3"]  # a padding line and another suffix
        if breached.startswith(prefix):
            lines.append(f"{breached[5:]}:52719")
        return "\r\n".join(lines)


class _Handler(BaseHTTPRequestHandler):
    server: RangeStub

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.requests.append(
            {"path": self.path, "body": self.rfile.read(length).decode(), "headers": dict(self.headers)}
        )
        time.sleep(self.server.delay)
        prefix = self.path.removeprefix("/range/")
        body = self.server.body_for(prefix).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            return  # the server under test stopped waiting, as it should

    def log_message(self, *args: object) -> None:
        return


def running(stub: RangeStub) -> Iterator[RangeStub]:
    thread = threading.Thread(target=stub.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        stub.shutdown()
        stub.server_close()


@pytest.fixture
def stub() -> Iterator[RangeStub]:
    yield from running(RangeStub())


@pytest.fixture
def hibp_app(make_app: Callable[..., Flask], stub: RangeStub) -> Flask:
    return make_app(HIBP_URL=stub.url, ALLOW_REGISTRATION="true")


def register(app: Flask, password: str, name: str = "bob"):
    return app.test_client().post("/auth/register", json={"username": name, "password": password})


def audit_events(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "auth.audit"]


def test_a_breached_password_is_refused_with_a_clear_400(hibp_app: Flask) -> None:
    reply = register(hibp_app, BREACHED)
    assert reply.status_code == 400
    assert reply.get_json() == {
        "success": False,
        "message": "This password has appeared in a data breach, so attackers try it; choose another.",
        "error": "bad_request",
    }


def test_a_safe_password_is_accepted(hibp_app: Flask, stub: RangeStub) -> None:
    assert register(hibp_app, SAFE).status_code == 201
    assert len(stub.requests) == 1


@pytest.mark.parametrize("password", [BREACHED, SAFE], ids=["breached", "safe"])
def test_only_the_five_character_prefix_leaves_the_server(hibp_app: Flask, stub: RangeStub, password: str) -> None:
    register(hibp_app, password)
    digest = sha1(password)
    (request,) = stub.requests
    assert request["path"] == f"/range/{digest[:5]}"
    assert request["body"] == ""
    sent = json.dumps(request)
    assert digest[5:] not in sent.upper() and password not in sent
    assert request["headers"].get("Add-Padding") == "true"


def test_changing_to_a_breached_password_is_refused(hibp_app: Flask, stub: RangeStub) -> None:
    client = hibp_app.test_client()
    assert client.post("/auth/register", json={"username": "bob", "password": SAFE}).status_code == 201
    reply = client.post("/auth/password", json={"current_password": SAFE, "new_password": BREACHED})
    assert reply.status_code == 400 and "data breach" in reply.get_json()["message"]
    assert client.post("/auth/login", json={"username": "bob", "password": SAFE}).status_code == 200


def test_the_cli_refuses_a_breached_password(hibp_app: Flask) -> None:
    runner = hibp_app.test_cli_runner()
    created = runner.invoke(args=["users", "create", "carol", "--password-stdin"], input=BREACHED + "\n")
    assert created.exit_code != 0 and "data breach" in created.output
    created = runner.invoke(args=["users", "create", "carol", "--password-stdin"], input=PASSWORD + "\n")
    assert created.exit_code == 0, created.output
    changed = runner.invoke(args=["users", "set-password", "carol", "--password-stdin"], input=BREACHED + "\n")
    assert changed.exit_code != 0 and "data breach" in changed.output


def test_service_down_fails_open_with_an_audit_line(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(HIBP_URL=f"http://127.0.0.1:{free_port()}", ALLOW_REGISTRATION="true")  # nothing listens
    with caplog.at_level(logging.INFO, logger="auth.audit"):
        assert register(app, BREACHED).status_code == 201
    (event,) = [e for e in audit_events(caplog) if e["event"] == "breach_check_unavailable"]
    assert event["reason"] in ("URLError", "ConnectionRefusedError")
    assert BREACHED not in json.dumps(event) and sha1(BREACHED)[:5] not in json.dumps(event)


def test_a_slow_service_fails_open_within_the_timeout(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    for slow in running(RangeStub(delay=TIMEOUT_SECONDS + 1)):
        app = make_app(HIBP_URL=slow.url, ALLOW_REGISTRATION="true")
        started = time.monotonic()
        with caplog.at_level(logging.INFO, logger="auth.audit"):
            assert register(app, BREACHED).status_code == 201
        assert time.monotonic() - started < TIMEOUT_SECONDS + 0.8
        assert any(e["event"] == "breach_check_unavailable" for e in audit_events(caplog))


def test_off_asks_nobody(make_app: Callable[..., Flask], stub: RangeStub) -> None:
    app = make_app(HIBP_URL="off", ALLOW_REGISTRATION="true")
    assert register(app, BREACHED).status_code == 201
    assert stub.requests == []


def test_the_default_is_the_public_service_and_a_bad_value_names_the_variable(tmp_path) -> None:
    env = {k: v for k, v in base_env(tmp_path).items() if k != "HIBP_URL"}
    assert Settings.from_env(env, str(tmp_path)).hibp_url == "https://api.pwnedpasswords.com"
    with pytest.raises(ConfigError, match="HIBP_URL"):
        Settings.from_env({**env, "HIBP_URL": "ftp://mirror.example"}, str(tmp_path))

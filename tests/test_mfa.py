"""TOTP and recovery codes: enrolment, the second step of a sign-in, and what it refuses."""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable

import pyotp
import pytest
from flask import Blueprint, Flask, jsonify
from flask.testing import FlaskClient
from sqlalchemy import event, select

from auth import login_required
from models import TotpSecret, db
from tests.conftest import PASSWORD, add_user
from tests.helpers import set_cookies


def sign_in(app: Flask, name: str = "alice") -> tuple[FlaskClient, object]:
    client = app.test_client()
    return client, client.post("/auth/login", json={"username": name, "password": PASSWORD})


def enrol_totp(client: FlaskClient) -> tuple[pyotp.TOTP, list[str]]:
    setup = client.post("/auth/mfa/totp/setup")
    assert setup.status_code == 200, setup.get_json()
    totp = pyotp.TOTP(setup.get_json()["secret"])
    confirmed = client.post("/auth/mfa/totp/confirm", json={"code": totp.now()})
    assert confirmed.status_code == 200, confirmed.get_json()
    return totp, confirmed.get_json()["recovery_codes"]


@pytest.fixture
def enrolled(app: Flask) -> tuple[pyotp.TOTP, list[str]]:
    add_user(app)
    client, reply = sign_in(app)
    assert reply.status_code == 200
    return enrol_totp(client)


def at_step(totp: pyotp.TOTP, steps: int) -> str:
    """The code ``steps`` time steps away from now."""
    return totp.at(time.time() + steps * totp.interval)


def test_setup_gives_a_secret_an_otpauth_uri_and_an_svg_qr_code(app: Flask) -> None:
    add_user(app)
    client, _ = sign_in(app)
    body = client.post("/auth/mfa/totp/setup").get_json()
    assert body["otpauth_uri"].startswith("otpauth://totp/") and f"secret={body['secret']}" in body["otpauth_uri"]
    assert body["qr_svg"].startswith("<svg") and "</svg>" in body["qr_svg"]
    assert client.get("/auth/mfa").get_json()["totp"] is False  # not active until confirmed
    assert client.post("/auth/mfa/totp/confirm", json={"code": "000000"}).status_code == 401
    assert app.test_client().post("/auth/mfa/totp/setup").status_code == 401


def test_the_secret_is_encrypted_at_rest(app: Flask, enrolled) -> None:
    totp, _ = enrolled
    with app.app_context():
        stored = db.session.scalar(select(TotpSecret.secret_enc))
    assert totp.secret not in stored and stored
    assert totp.secret.encode() not in base64.b64decode(stored), "stored encoded, not encrypted"


def test_confirmation_activates_and_yields_ten_recovery_codes(app: Flask, enrolled) -> None:
    _, codes = enrolled
    assert len(codes) == 10 and len(set(codes)) == 10
    _, reply = sign_in(app)
    body = reply.get_json()
    assert body["mfa_required"] is True and body["methods"] == ["totp", "recovery_code"]


def test_the_password_step_sets_only_the_pending_cookie(app: Flask, enrolled) -> None:
    _, reply = sign_in(app)
    cookies = set_cookies(reply)
    assert set(cookies) == {"mfa_pending"}
    pending = cookies["mfa_pending"]
    assert "httponly" in pending and pending["path"] == "/auth" and pending["max-age"] == "300"
    assert pending["samesite"].lower() == "lax"


def test_a_code_is_accepted_once(app: Flask, enrolled) -> None:
    totp, _ = enrolled
    # The confirmation spent the current step; the next step's code (clock skew) is fresh.
    code = at_step(totp, 1)
    client, _ = sign_in(app)
    done = client.post("/auth/mfa/verify", json={"method": "totp", "code": code})
    assert done.status_code == 200, done.get_json()
    assert {"access_token", "refresh_token"} <= set(set_cookies(done))
    assert set_cookies(done)["mfa_pending"]["max-age"] == "0"
    assert client.get("/auth/me").status_code == 200

    again, _ = sign_in(app)
    replay = again.post("/auth/mfa/verify", json={"method": "totp", "code": code})
    assert replay.status_code == 401
    assert "access_token" not in set_cookies(replay)


def test_one_step_of_clock_skew_is_tolerated_and_two_are_not(app: Flask, enrolled, monkeypatch) -> None:
    """Exactly the boundary, both ways: one step behind or ahead works, two do not."""
    totp, _ = enrolled
    # The server's clock three steps on: the steps behind it are not spent yet.
    now = time.time() + 3 * totp.interval
    monkeypatch.setattr("auth.mfa.views.time.time", lambda: now)  # the time module: every clock moves

    def code(steps: int) -> str:
        return totp.at(now + steps * totp.interval)

    client, _ = sign_in(app)
    for steps in (2, -2):
        assert client.post("/auth/mfa/verify", json={"method": "totp", "code": code(steps)}).status_code == 401, steps
    assert client.post("/auth/mfa/verify", json={"method": "totp", "code": code(-1)}).status_code == 200
    ahead, _ = sign_in(app)
    assert ahead.post("/auth/mfa/verify", json={"method": "totp", "code": code(1)}).status_code == 200


def test_five_wrong_codes_end_the_attempt(app: Flask, enrolled) -> None:
    totp, _ = enrolled
    client, _ = sign_in(app)
    statuses = [
        client.post("/auth/mfa/verify", json={"method": "totp", "code": "000000"}).status_code for _ in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 429]
    ended = client.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(totp, 1)})
    assert ended.status_code == 429 and "access_token" not in set_cookies(ended)
    assert 0 < int(ended.headers["Retry-After"]) <= 300
    # Signing in with the password again does not buy five more guesses.
    again, _ = sign_in(app)
    assert again.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(totp, 1)}).status_code == 429


def test_recovery_codes_are_single_use_and_a_new_set_voids_the_old(app: Flask, enrolled) -> None:
    _, codes = enrolled
    client, _ = sign_in(app)
    assert (
        client.post("/auth/mfa/verify", json={"method": "recovery_code", "code": codes[0].upper()}).status_code == 200
    )
    assert client.get("/auth/mfa").get_json()["recovery_codes_left"] == 9
    second, _ = sign_in(app)
    assert second.post("/auth/mfa/verify", json={"method": "recovery_code", "code": codes[0]}).status_code == 401
    fresh = client.post("/auth/mfa/recovery-codes").get_json()["recovery_codes"]
    third, _ = sign_in(app)
    assert third.post("/auth/mfa/verify", json={"method": "recovery_code", "code": codes[1]}).status_code == 401
    assert third.post("/auth/mfa/verify", json={"method": "recovery_code", "code": fresh[1]}).status_code == 200


def test_the_pending_cookie_is_not_a_session(app: Flask, enrolled) -> None:
    _, reply = sign_in(app)
    token = set_cookies(reply)["mfa_pending"]["value"]
    other = app.test_client()
    assert other.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    other.set_cookie("access_token", token)
    other.set_cookie("refresh_token", token, path="/auth")
    assert other.get("/auth/me").status_code == 401
    assert other.post("/auth/refresh").status_code == 401
    assert other.get("/auth/is-authenticated").status_code == 401


def test_the_pending_cookie_cannot_finish_another_attempt(app: Flask, enrolled) -> None:
    totp, codes = enrolled
    add_user(app, "bob")
    bob, _ = sign_in(app, "bob")
    bob_totp, _ = enrol_totp(bob)
    alice, alice_reply = sign_in(app)
    alice_token = set_cookies(alice_reply)["mfa_pending"]["value"]
    # Bob's browser with Alice's pending cookie and Bob's code: checked against Alice, refused.
    bob_browser = app.test_client()
    bob_browser.set_cookie("mfa_pending", alice_token, path="/auth")
    moved = bob_browser.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(bob_totp, 1)})
    assert moved.status_code == 401
    # A finished attempt's cookie is dead: presenting it again starts nothing.
    assert alice.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(totp, 1)}).status_code == 200
    bob_browser.set_cookie("mfa_pending", alice_token, path="/auth")
    reused = bob_browser.post("/auth/mfa/verify", json={"method": "recovery_code", "code": codes[0]})
    assert reused.status_code == 401 and "access_token" not in set_cookies(reused)
    assert app.test_client().post("/auth/mfa/verify", json={"method": "totp", "code": "123456"}).status_code == 401


def test_removal_needs_a_recent_sign_in_and_a_code_renews_it(app: Flask, enrolled, monkeypatch) -> None:
    totp, _ = enrolled
    client, _ = sign_in(app)
    assert client.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(totp, 1)}).status_code == 200
    later = time.time() + 301
    monkeypatch.setattr("auth.web.recent.time.time", lambda: later)  # the time module: every clock moves
    for call in (lambda: client.delete("/auth/mfa/totp"), lambda: client.post("/auth/mfa/recovery-codes")):
        refused = call()
        assert refused.status_code == 403 and refused.get_json()["error"] == "reauth_required"
    assert client.get("/auth/mfa").get_json()["totp"] is True
    assert client.post("/auth/reauthenticate", json={"method": "totp", "code": "000000"}).status_code == 401
    assert client.post("/auth/reauthenticate", json={"method": "totp", "code": totp.at(later)}).status_code == 200
    assert client.delete("/auth/mfa/totp").status_code == 200
    _, reply = sign_in(app)
    assert "mfa_required" not in reply.get_json()


def test_the_built_in_form_goes_to_the_code_step_of_the_origin_next_sits_on(app: Flask, enrolled) -> None:
    totp, _ = enrolled
    builtin = app.test_client().post("/auth/login", data={"username": "alice", "password": PASSWORD})
    assert builtin.status_code == 303 and builtin.headers["Location"] == "/auth/login?mfa=1"

    client = app.test_client()
    form = {"username": "alice", "password": PASSWORD, "next": "http://localhost:3000/dashboard?tab=1"}
    reply = client.post("/auth/login", data=form)
    assert reply.status_code == 303
    assert reply.headers["Location"] == "http://localhost:3000/login?mfa=1&next=/dashboard%3Ftab%3D1"
    assert set(set_cookies(reply)) == {"mfa_pending"}
    page = client.get("/auth/login?mfa=1&next=http://localhost:3000/dashboard")
    assert b'name="code"' in page.data and b"recovery" in page.data
    wrong = client.post("/auth/mfa/verify", data={"method": "totp", "code": "000000"})
    assert wrong.status_code == 401 and b'id="error"' in wrong.data
    done = client.post("/auth/mfa/verify", data={"method": "totp", "code": at_step(totp, 1)})
    assert done.status_code == 303 and done.headers["Location"] == "http://localhost:3000/dashboard?tab=1"
    assert "access_token" in set_cookies(done)


@pytest.fixture
def guarded_app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(MFA_REQUIRED_ROLES="admin, auditor")
    api = Blueprint("api", __name__)

    @api.get("/api/ping")
    @login_required
    def ping():
        return jsonify(success=True)

    app.register_blueprint(api)
    add_user(app, "root", roles=("admin",))
    add_user(app, "alice")
    return app


def test_required_roles_must_enrol_before_anything_else(guarded_app: Flask) -> None:
    client, reply = sign_in(guarded_app, "root")
    assert reply.status_code == 200
    for path in ("/api/ping", "/auth/sessions"):
        refused = client.get(path)
        assert refused.status_code == 403, path
        assert refused.get_json()["error"] == "mfa_enrolment_required"
        assert "enrol a second factor" in refused.get_json()["message"].lower()
    assert client.get("/auth/me").status_code == 200
    assert client.get("/auth/mfa").status_code == 200
    enrol_totp(client)
    assert client.get("/api/ping").status_code == 200
    assert client.get("/auth/sessions").status_code == 200


def mfa_queries(app: Flask, client: FlaskClient) -> list[str]:
    """The statements a guarded call sends that read second-factor tables."""
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/api/ping").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return [s for s in statements if "mfa_totp" in s or "passkeys" in s]


def test_users_without_those_roles_pay_no_query(guarded_app: Flask) -> None:
    alice, _ = sign_in(guarded_app, "alice")
    assert mfa_queries(guarded_app, alice) == []
    root, _ = sign_in(guarded_app, "root")
    enrol_totp(root)
    assert mfa_queries(guarded_app, root) != []  # the lookup the others are spared


def test_reset_mfa_removes_every_factor(app: Flask, enrolled) -> None:
    result = app.test_cli_runner().invoke(args=["users", "reset-mfa", "alice"])
    assert result.exit_code == 0, result.output
    _, reply = sign_in(app)
    assert "mfa_required" not in reply.get_json() and "access_token" in set_cookies(reply)
    assert app.test_cli_runner().invoke(args=["users", "reset-mfa", "nobody"]).exit_code != 0


def test_every_enrolment_use_failure_and_removal_is_audited(app: Flask, caplog) -> None:
    caplog.set_level(logging.INFO, logger="auth.audit")
    add_user(app)
    client, _ = sign_in(app)
    totp, _ = enrol_totp(client)
    second, _ = sign_in(app)
    second.post("/auth/mfa/verify", json={"method": "totp", "code": "000000"})
    second.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(totp, 1)})
    second.delete("/auth/mfa/totp")
    events = [json.loads(r.getMessage())["event"] for r in caplog.records if r.name == "auth.audit"]
    for name in ("totp_setup_started", "totp_enrolled", "mfa_required", "mfa_failed", "mfa_used", "totp_removed"):
        assert name in events, name
    assert "000000" not in caplog.text and totp.secret not in caplog.text


@pytest.mark.parametrize(
    "body", [{}, {"method": "totp"}, {"code": "123456"}, {"method": 1, "code": "1"}, {"method": "sms", "code": "1"}]
)
def test_bad_verify_bodies_get_a_json_4xx(app: Flask, enrolled, body: dict) -> None:
    client, _ = sign_in(app)
    reply = client.post("/auth/mfa/verify", json=body)
    assert 400 <= reply.status_code < 500 and reply.get_json()["success"] is False

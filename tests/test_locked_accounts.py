"""Locked accounts: ``flask users lock`` ends every session at once, and no way
of signing in works until ``unlock``.

The reply to a locked user's correct password is 403 "locked": it comes only
after the password was proven, so it tells nothing to someone guessing (a
wrong password still gets the same 401 as for any user).
"""

from __future__ import annotations

import json
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from auth.core.errors import AccountLocked
from auth.web.signin_flow import complete_sign_in
from models import Session, User, db
from tests.conftest import PASSWORD


def events(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "auth.audit"]


def test_lock_ends_every_session_at_once(app: Flask, make_user, runner, client: FlaskClient, login) -> None:
    make_user()
    other = app.test_client()
    assert login().status_code == 200 and login(c=other).status_code == 200
    assert client.get("/auth/me").status_code == 200

    result = runner.invoke(args=["users", "lock", "alice"])
    assert result.exit_code == 0, result.output
    assert "2 session(s) ended" in result.output

    for browser in (client, other):
        assert browser.get("/auth/me").status_code == 401, "the access token outlived the lock"
        refused = browser.post("/auth/refresh")
        assert refused.status_code == 401
        assert "access_token=;" in refused.headers.get("Set-Cookie", ""), "the dead cookies were not cleared"
    assert "locked" in runner.invoke(args=["users", "list"]).output


def test_locked_user_cannot_sign_in_and_wrong_password_looks_as_usual(make_user, runner, client, login) -> None:
    make_user()
    runner.invoke(args=["users", "lock", "alice"])
    right = login()
    assert right.status_code == 403
    assert right.get_json() == {
        "success": False,
        "message": "This account is locked; contact an administrator.",
        "error": "account_locked",
    }
    assert "access_token" not in right.headers.get("Set-Cookie", "")
    wrong, nobody = login(password="not the password"), login(name="nobody")
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.get_json() == nobody.get_json()


def test_the_sign_in_form_says_locked_too(make_user, runner, client) -> None:
    make_user()
    runner.invoke(args=["users", "lock", "alice"])
    page = client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    assert page.status_code == 403 and page.mimetype == "text/html"
    assert b"locked" in page.data


def test_unlock_lets_the_user_sign_in_again(make_user, runner, login) -> None:
    make_user()
    runner.invoke(args=["users", "lock", "alice"])
    assert runner.invoke(args=["users", "unlock", "alice"]).exit_code == 0
    assert login().status_code == 200


# The method names the ways in really pass (a name no view uses would prove nothing);
# tests/test_audit_ways_in.py walks each way in through HTTP.
SIGN_IN_METHODS = [
    "password",
    "register",
    "magic_link",
    "password_reset",
    "passkey",
    "passkey-unverified",
    "oidc:test",
    "password+totp",
]


@pytest.mark.parametrize("method", SIGN_IN_METHODS)
def test_every_sign_in_method_meets_the_lock(app: Flask, make_user, method: str) -> None:
    """complete_sign_in is where magic links, passkeys and providers end too."""
    user_id = make_user()
    with app.app_context():
        db.session.get(User, user_id).locked_at = time.time()
        db.session.commit()
    with app.test_request_context("/"):
        with pytest.raises(AccountLocked):
            complete_sign_in(db.session.get(User, user_id), method=method, payload={})
        assert db.session.query(Session).count() == 0


def test_refresh_of_a_locked_account_ends_the_session(app: Flask, make_user, client, login, caplog) -> None:
    """A lock that lands while a session still lives (written by another process) stops the rotation."""
    caplog.set_level("INFO", logger="auth.audit")
    user_id = make_user()
    login()
    with app.app_context():
        db.session.get(User, user_id).locked_at = time.time()
        db.session.commit()
    refused = client.post("/auth/refresh")
    assert refused.status_code == 401
    assert refused.get_json()["message"] == "This account is locked; contact an administrator."
    with app.app_context():
        assert all(s.revoked_at is not None for s in db.session.query(Session))
    assert "locked_refused" in [e["event"] for e in events(caplog)]


def test_lock_and_unlock_are_audited(make_user, runner, login, caplog) -> None:
    caplog.set_level("INFO", logger="auth.audit")
    user_id = make_user()
    login()
    runner.invoke(args=["users", "lock", "alice"])
    login()
    runner.invoke(args=["users", "unlock", "alice"])
    seen = [(e["event"], e["user_id"]) for e in events(caplog)]
    assert ("user_locked", str(user_id)) in seen
    assert ("locked_refused", str(user_id)) in seen
    assert ("user_unlocked", str(user_id)) in seen
    locked = next(e for e in events(caplog) if e["event"] == "user_locked")
    assert locked["sessions_ended"] == 1


def test_lock_of_unknown_user_is_a_clear_error(runner) -> None:
    result = runner.invoke(args=["users", "lock", "nobody"])
    assert result.exit_code != 0 and "No user named 'nobody'" in result.output

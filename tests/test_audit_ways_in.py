"""Every way in meets every rule: each way of signing in, crossed with each rule
that ``complete_sign_in`` applies to all of them, through HTTP.

The user ("alice") has a verified address (magic link, reset), a linked
identity at a provider, a passkey whose authenticator does not verify the
user (one factor) and an authenticator app. A way in is one entry of
``WAYS_IN``; a rule is one entry of ``RULES``. A new way in (or a new rule)
is one more entry: the product covers it.

- second factor: no session cookies, only the ``mfa_pending`` step, and that
  step finishes with the app's code. A password reset ends sessions and may
  sign in only through the same step.
- lock: no session, no second step either; also for a user with no second
  step in front of the session, and when the lock lands during the step.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pyotp
import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete
from werkzeug.test import TestResponse

from models import RecoveryCode, TotpSecret, db
from tests.conftest import PASSWORD
from tests.helpers import set_cookies
from tests.mailsink import MailSink, link_in
from tests.oidc_provider import LocalProvider
from tests.test_mfa import at_step, enrol_totp
from tests.test_oidc import local, provider_env, start
from tests.test_passkeys import enrol, login_options
from tests.webauthn_authenticator import SoftAuthenticator

ADDRESS = "alice@mail.test"
NEW_PASSWORD = "a brand new passphrase"
FRONTEND = "http://localhost:3000"
FORM = {"Origin": "http://localhost"}  # the built-in pages post from the server's own origin
SESSION_COOKIES = ("access_token", "refresh_token")


@dataclass
class World:
    app: Flask
    sink: MailSink
    authenticator: SoftAuthenticator
    totp: pyotp.TOTP
    mails: int = 0
    mailed_before: dict[str, str] = field(default_factory=dict)

    def mailed_token(self, path: str) -> str:
        """A token mailed for ``path``: one asked for earlier (before a lock landed), else a new one."""
        if path in self.mailed_before:
            return self.mailed_before.pop(path)
        assert self.app.test_client().post(path, json={"email": ADDRESS}).status_code == 202
        assert self.app.extensions["mail"].outbox.wait_idle(30), "the outbox did not finish"
        self.mails += 1
        return link_in(self.sink.wait_for(ADDRESS, self.mails)).split("?token=", 1)[1]


@pytest.fixture
def provider() -> Iterator[LocalProvider]:
    with LocalProvider().running() as running:
        yield running


@pytest.fixture
def world(make_app: Callable[..., Flask], sink: MailSink, provider: LocalProvider) -> World:
    """Alice with every way in set up, the authenticator app last (so setting up needs no code)."""
    app = make_app(MAIL_URL=sink.url, ALLOW_MAGIC_LINKS="true", **provider_env("test", provider.url))
    created = app.test_cli_runner().invoke(
        args=["users", "create", "alice", "--password-stdin", "--email", ADDRESS], input=PASSWORD + "\n"
    )
    assert created.exit_code == 0, created.output
    browser = app.test_client()
    assert browser.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    linking = browser.post("/auth/oidc/test/link", json={"next": f"{FRONTEND}/account"})
    assert linking.status_code == 200, linking.get_json()
    begin = browser.get(local(linking.get_json()["url"]))
    at_provider = requests.get(begin.location, allow_redirects=False, timeout=10)
    linked = browser.get(local(at_provider.headers["Location"]))
    assert linked.status_code == 303 and linked.location == f"{FRONTEND}/account", linked.location
    authenticator = SoftAuthenticator("localhost", FRONTEND, user_verified=False)
    enrol(browser, authenticator)
    totp, _ = enrol_totp(browser)
    return World(app, sink, authenticator, totp)


# --- the ways in: each returns the reply that ends the way, in ``browser`` -----------


def by_password(world: World, browser: FlaskClient) -> TestResponse:
    return browser.post("/auth/login", json={"username": "alice", "password": PASSWORD})


def by_password_form(world: World, browser: FlaskClient) -> TestResponse:
    return browser.post("/auth/login", data={"username": "alice", "password": PASSWORD}, headers=FORM)


def by_magic_link(world: World, browser: FlaskClient) -> TestResponse:
    return browser.post("/auth/magic-link/verify", json={"token": world.mailed_token("/auth/magic-link")})


def by_magic_link_page(world: World, browser: FlaskClient) -> TestResponse:
    token = world.mailed_token("/auth/magic-link")
    return browser.post("/auth/magic-link/verify", data={"token": token}, headers=FORM)


def by_reset(world: World, browser: FlaskClient) -> TestResponse:
    token = world.mailed_token("/auth/password/forgot")
    return browser.post("/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD})


def by_reset_page(world: World, browser: FlaskClient) -> TestResponse:
    token = world.mailed_token("/auth/password/forgot")
    return browser.post("/auth/password/reset", data={"token": token, "new_password": NEW_PASSWORD}, headers=FORM)


def by_provider(world: World, browser: FlaskClient) -> TestResponse:
    at_provider = requests.get(start(browser).location, allow_redirects=False, timeout=10)
    return browser.get(local(at_provider.headers["Location"]))


def by_passkey_without_user_verification(world: World, browser: FlaskClient) -> TestResponse:
    credential = world.authenticator.assert_(login_options(browser))
    return browser.post("/auth/passkeys/login", json={"credential": credential})


WAYS_IN: dict[str, Callable[[World, FlaskClient], TestResponse]] = {
    "password": by_password,
    "password form": by_password_form,
    "magic link": by_magic_link,
    "magic link page": by_magic_link_page,
    "password reset": by_reset,
    "password reset page": by_reset_page,
    "identity provider": by_provider,
    "passkey without user verification": by_passkey_without_user_verification,
}


# --- the rules --------------------------------------------------------------------------


MAILED_FROM = {
    by_magic_link: "/auth/magic-link",
    by_magic_link_page: "/auth/magic-link",
    by_reset: "/auth/password/forgot",
    by_reset_page: "/auth/password/forgot",
}


def no_session(reply: TestResponse, browser: FlaskClient) -> None:
    cookies = set_cookies(reply)
    for name in SESSION_COOKIES:
        assert not cookies.get(name, {}).get("value"), f"{name} was set: {reply.status_code} {reply.location}"
    assert browser.get("/auth/me").status_code == 401


def second_factor(world: World, way: Callable[[World, FlaskClient], TestResponse]) -> None:
    browser = world.app.test_client()
    reply = way(world, browser)
    no_session(reply, browser)
    pending = set_cookies(reply).get("mfa_pending", {}).get("value")
    if way in (by_reset, by_reset_page) and not pending:
        return  # a reset that does not sign in at all also keeps the rule
    assert pending, f"neither a session nor the second step: {reply.status_code} {reply.get_data(as_text=True)[:200]}"
    if reply.is_json:
        assert reply.get_json()["mfa_required"] is True and "totp" in reply.get_json()["methods"]
    else:
        assert reply.status_code == 303 and "mfa=1" in reply.location
    done = browser.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(world.totp, 1)})
    assert done.status_code == 200, done.get_json()
    assert browser.get("/auth/me").get_json()["user"]["username"] == "alice"


def lock(world: World, way: Callable[[World, FlaskClient], TestResponse]) -> None:
    if way in MAILED_FROM:  # a locked account gets no mail: the link was mailed before the lock
        world.mailed_before[MAILED_FROM[way]] = world.mailed_token(MAILED_FROM[way])
    locked = world.app.test_cli_runner().invoke(args=["users", "lock", "alice"])
    assert locked.exit_code == 0, locked.output
    browser = world.app.test_client()
    reply = way(world, browser)
    no_session(reply, browser)
    assert not set_cookies(reply).get("mfa_pending", {}).get("value"), "a locked account got a second step"
    assert reply.status_code == 303 or 400 <= reply.status_code < 500, reply.status_code
    if reply.status_code == 303:  # a browser flow: back to the sign-in page, saying why
        assert "error=account_locked" in reply.location, reply.location
    # The code a second step would take does not open a session either.
    finish = browser.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(world.totp, 1)})
    assert finish.status_code in (401, 403) and "access_token" not in set_cookies(finish)


def lock_without_a_second_factor(world: World, way: Callable[[World, FlaskClient], TestResponse]) -> None:
    """The lock where no second step stands in front of the session (the passkey is then the only factor)."""
    with world.app.app_context():
        db.session.execute(delete(TotpSecret))
        db.session.execute(delete(RecoveryCode))
        db.session.commit()
    lock(world, way)


def lock_during_the_second_step(world: World, way: Callable[[World, FlaskClient], TestResponse]) -> None:
    """A lock that lands between the first step and the code ends the sign-in."""
    browser = world.app.test_client()
    reply = way(world, browser)
    if not set_cookies(reply).get("mfa_pending", {}).get("value"):
        assert way in (by_reset, by_reset_page), "the second-factor rule says why"
        return
    assert world.app.test_cli_runner().invoke(args=["users", "lock", "alice"]).exit_code == 0
    finish = browser.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(world.totp, 1)})
    assert finish.status_code == 403, finish.get_json()
    no_session(finish, browser)


RULES: dict[str, Callable[[World, Callable[[World, FlaskClient], TestResponse]], None]] = {
    "second factor": second_factor,
    "lock": lock,
    "lock without a second factor": lock_without_a_second_factor,
    "lock during the second step": lock_during_the_second_step,
}


@pytest.mark.parametrize("way", WAYS_IN)
@pytest.mark.parametrize("rule", RULES)
def test_every_way_in_meets_every_rule(world: World, rule: str, way: str) -> None:
    RULES[rule](world, WAYS_IN[way])


def test_the_second_step_expires_on_the_server_after_five_minutes(world: World, monkeypatch) -> None:
    """The cookie's Max-Age is the browser's business; the server ends the attempt itself."""
    browser = world.app.test_client()
    assert by_password(world, browser).get_json()["mfa_required"] is True
    later = time.time() + 301
    monkeypatch.setattr("auth.mfa.views.time.time", lambda: later)  # the time module: every clock moves
    late = browser.post("/auth/mfa/verify", json={"method": "totp", "code": world.totp.at(later)})
    assert late.status_code == 401 and "access_token" not in set_cookies(late)
    assert browser.get("/auth/me").status_code == 401
    monkeypatch.undo()

    in_time = world.app.test_client()
    assert by_password(world, in_time).get_json()["mfa_required"] is True
    just_before = time.time() + 290
    monkeypatch.setattr("auth.mfa.views.time.time", lambda: just_before)
    done = in_time.post("/auth/mfa/verify", json={"method": "totp", "code": world.totp.at(just_before)})
    assert done.status_code == 200, done.get_json()

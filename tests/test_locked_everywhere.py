"""A lock by ``flask users lock NAME`` stops every way of signing in, not only the password.

Each test first shows the way works for the user, then locks them with the
real CLI command and tries again: the reply refuses, sets no session cookie,
and no live session exists for the user afterwards. (Password and refresh are
covered in test_locked_accounts.py.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from models import Session, User, db
from tests.conftest import PASSWORD, add_user
from tests.helpers import set_cookies
from tests.mailsink import MailSink
from tests.oidc_provider import LocalProvider, Person
from tests.test_mail import ADDRESS, mailed_token
from tests.test_mfa import at_step, enrol_totp
from tests.test_oidc import FRONTEND, NEXT, local, provider_env, start
from tests.webauthn_authenticator import SoftAuthenticator

LOCKED = "This account is locked; contact an administrator."
SESSION_COOKIES = {"access_token", "refresh_token"}


def lock(app: Flask, name: str) -> None:
    result = app.test_cli_runner().invoke(args=["users", "lock", name])
    assert result.exit_code == 0, result.output


def live_sessions(app: Flask, name: str) -> int:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == name))
        return db.session.query(Session).filter(Session.user_id == user.id, Session.revoked_at.is_(None)).count()


def refused_as_locked(reply) -> None:
    """403 with the locked sentence, as JSON, and no session cookie set."""
    assert reply.status_code == 403, reply.get_data(as_text=True)
    assert reply.get_json() == {"success": False, "message": LOCKED, "error": "account_locked"}
    assert not SESSION_COOKIES & set(set_cookies(reply))


def signed_in_as(client: FlaskClient) -> str | None:
    me = client.get("/auth/me")
    return me.get_json()["user"]["username"] if me.status_code == 200 else None


# --- magic link -----------------------------------------------------------------------------


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], sink: MailSink) -> Flask:
    """Magic links on, alice with an address the operator vouched for."""
    app = make_app(MAIL_URL=sink.url, ALLOW_MAGIC_LINKS="true")
    result = app.test_cli_runner().invoke(
        args=["users", "create", "alice", "--password-stdin", "--email", ADDRESS], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    return app


def test_a_magic_link_of_a_locked_user_signs_nobody_in(mail_app: Flask, sink: MailSink) -> None:
    works = mail_app.test_client()
    first = mailed_token(mail_app, sink, "/auth/magic-link")
    assert works.post("/auth/magic-link/verify", json={"token": first}).status_code == 200
    assert signed_in_as(works) == "alice"

    token = mailed_token(mail_app, sink, "/auth/magic-link", 2)  # asked before the lock, opened after it
    lock(mail_app, "alice")
    browser = mail_app.test_client()
    refused_as_locked(browser.post("/auth/magic-link/verify", json={"token": token}))
    assert signed_in_as(browser) is None
    assert signed_in_as(works) is None
    assert live_sessions(mail_app, "alice") == 0


@pytest.mark.parametrize(
    ("path", "body"),
    [("/auth/magic-link", {}), ("/auth/password/forgot", {"new_password": "a brand new passphrase"})],
    ids=["magic-link", "password-reset"],
)
def test_the_built_in_mail_pages_show_the_lock_and_sign_nobody_in(
    mail_app: Flask, sink: MailSink, path: str, body: dict[str, str]
) -> None:
    """A form post from the mailed link's page: the page again with the reason (not JSON), and no session.

    The link was asked for before the lock (a locked account is mailed none)."""
    token = mailed_token(mail_app, sink, path)
    lock(mail_app, "alice")
    target = "/auth/magic-link/verify" if path == "/auth/magic-link" else "/auth/password/reset"
    browser = mail_app.test_client()
    form = browser.post(target, data={"token": token, **body}, headers={"Origin": "http://localhost"})
    assert form.status_code == 403 and form.mimetype == "text/html"
    assert LOCKED in form.get_data(as_text=True) and "<form" not in form.get_data(as_text=True)
    assert not SESSION_COOKIES & set(set_cookies(form))
    assert signed_in_as(browser) is None
    assert live_sessions(mail_app, "alice") == 0


def test_a_password_reset_of_a_locked_user_signs_nobody_in(mail_app: Flask, sink: MailSink) -> None:
    token = mailed_token(mail_app, sink, "/auth/password/forgot")  # asked before the lock, opened after it
    lock(mail_app, "alice")
    browser = mail_app.test_client()
    refused_as_locked(browser.post("/auth/password/reset", json={"token": token, "new_password": "a new passphrase"}))
    assert signed_in_as(browser) is None
    assert live_sessions(mail_app, "alice") == 0


# --- passkey --------------------------------------------------------------------------------


def test_a_passkey_of_a_locked_user_signs_nobody_in(app: Flask) -> None:
    add_user(app)
    owner = app.test_client()
    assert owner.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    authenticator = SoftAuthenticator("localhost", FRONTEND)
    options = owner.post("/auth/passkeys/register/options").get_json()["options"]
    registered = owner.post("/auth/passkeys/register", json={"credential": authenticator.register(options)})
    assert registered.status_code == 201, registered.get_json()

    def passkey_login(browser: FlaskClient):
        options = browser.post("/auth/passkeys/login/options", json={}).get_json()["options"]
        return browser.post("/auth/passkeys/login", json={"credential": authenticator.assert_(options)})

    assert passkey_login(app.test_client()).status_code == 200  # the passkey works before the lock
    lock(app, "alice")
    browser = app.test_client()
    refused_as_locked(passkey_login(browser))
    assert signed_in_as(browser) is None
    assert live_sessions(app, "alice") == 0


# --- identity provider ----------------------------------------------------------------------


@pytest.fixture
def provider() -> Iterator[LocalProvider]:
    with LocalProvider(person=Person(sub="sub-carol", email="carol@example.com")).running() as running:
        yield running


def at_provider(client: FlaskClient) -> str:
    """Start a sign-in and let the provider sign the person in: the callback to follow."""
    reply = requests.get(start(client).location, allow_redirects=False, timeout=10)
    assert reply.status_code in (302, 303), reply.text
    return local(reply.headers["Location"])


def test_a_provider_sign_in_of_a_locked_user_goes_back_with_account_locked(
    make_app: Callable[..., Flask], provider: LocalProvider
) -> None:
    app = make_app(**provider_env("test", provider.url))
    first = app.test_client()
    signed = first.get(at_provider(first))
    assert signed.status_code == 303 and signed.location == NEXT
    assert signed_in_as(first) == "carol"

    lock(app, "carol")
    browser = app.test_client()
    reply = browser.get(at_provider(browser))
    assert reply.status_code == 303
    location = urlsplit(reply.location)
    assert location.path == "/auth/login"
    assert parse_qs(location.query) == {"error": ["account_locked"], "next": [NEXT]}
    assert not SESSION_COOKIES & set(set_cookies(reply))
    assert set_cookies(reply)["oidc_flow"]["value"] == ""  # the flow is spent either way
    assert signed_in_as(browser) is None and signed_in_as(first) is None
    assert live_sessions(app, "carol") == 0
    page = browser.get(reply.location)
    assert page.status_code == 200 and LOCKED in page.get_data(as_text=True)


# --- the second step ------------------------------------------------------------------------


@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
def test_a_lock_between_the_password_and_the_code_step_ends_the_sign_in(app: Flask, form: bool) -> None:
    add_user(app)
    owner = app.test_client()
    assert owner.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    totp, _ = enrol_totp(owner)

    browser = app.test_client()
    first = browser.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    assert first.get_json()["mfa_required"] is True and set(set_cookies(first)) == {"mfa_pending"}
    lock(app, "alice")
    code = {"method": "totp", "code": at_step(totp, 1)}
    if form:
        reply = browser.post("/auth/mfa/verify", data=code, headers={"Origin": "http://localhost"})
        assert reply.status_code == 403 and reply.mimetype == "text/html"
        assert LOCKED in reply.get_data(as_text=True)
        assert not SESSION_COOKIES & set(set_cookies(reply))
    else:
        refused_as_locked(browser.post("/auth/mfa/verify", json=code))
    assert signed_in_as(browser) is None and signed_in_as(owner) is None
    assert live_sessions(app, "alice") == 0


def test_the_code_step_works_when_nothing_is_locked(app: Flask) -> None:
    """The control for the test above: the same steps without the lock sign in."""
    add_user(app)
    owner = app.test_client()
    owner.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    totp: pyotp.TOTP = enrol_totp(owner)[0]
    browser = app.test_client()
    browser.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    done = browser.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(totp, 1)})
    assert done.status_code == 200 and SESSION_COOKIES <= set(set_cookies(done))
    assert signed_in_as(browser) == "alice"


def test_a_locked_user_with_a_second_factor_gets_no_second_step(app: Flask) -> None:
    """The password step of a locked user opens no code step: no ``mfa_pending`` cookie, no methods listed."""
    add_user(app)
    owner = app.test_client()
    owner.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    enrol_totp(owner)
    lock(app, "alice")
    reply = app.test_client().post("/auth/login", json={"username": "alice", "password": PASSWORD})
    refused_as_locked(reply)
    assert "mfa_pending" not in set_cookies(reply)

"""The built-in pages as a first-time user meets them (issue 18), through HTTP.

Each test names what a person would otherwise get stuck on: a slot that says
"not available", a link that is missing, a reload that resubmits, a code
error that does not say what to do, a console mail whose link is broken.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from auth.oidc.client import Profile
from auth.oidc.identities import username_base
from auth.web.user_agents import device_label
from models import User, db
from models.session import Session
from tests.conftest import PASSWORD, add_user
from tests.mailsink import MailSink
from tests.test_oidc import c, oidc_app, provider, sign_in  # noqa: F401 (fixtures)

SAME_ORIGIN = {"Origin": "http://localhost"}
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ADDRESS = "alice@mail.test"


def json_sign_in(app: Flask, name: str = "alice") -> FlaskClient:
    client = app.test_client()
    assert client.post("/auth/login", json={"username": name, "password": PASSWORD}).status_code == 200
    return client


def make_old(app: Flask, client: FlaskClient) -> None:
    """Move the client's sign-in out of the recent window (as if REAUTH_SECONDS passed)."""
    sessions = client.get("/auth/sessions").get_json()["sessions"]
    current = next(s["id"] for s in sessions if s["current"])
    with app.app_context():
        row = db.session.get(Session, current)
        row.authenticated_at = time.time() - 3600
        db.session.commit()


# --- the sign-in page: links, signed-in state, refilled username ------------------------


@pytest.mark.parametrize(
    ("env", "present", "absent"),
    [
        ({}, ['id="forgot-link"'], ['id="magic-link"', 'id="register-link"']),
        ({"ALLOW_REGISTRATION": "true"}, ['id="register-link"', 'href="/auth/register"'], ['id="magic-link"']),
        ({"ALLOW_MAGIC_LINKS": "true"}, ['id="magic-link"', 'href="/auth/magic-link"'], ['id="register-link"']),
        ({"ENVIRONMENT": "PROD", "COOKIE_SECURE": "true"}, [], ['id="forgot-link"', 'id="magic-link"']),
    ],
    ids=["dev-console-mail", "registration", "magic-links", "prod-without-mail"],
)
def test_the_sign_in_page_links_to_what_the_server_allows(
    make_app: Callable[..., Flask], env: dict[str, str], present: list[str], absent: list[str]
) -> None:
    page = make_app(**env).test_client().get("/auth/login").text
    for fragment in present:
        assert fragment in page
    for fragment in absent:
        assert fragment not in page


def test_a_wrong_password_keeps_the_username(app: Flask) -> None:
    add_user(app)
    page = app.test_client().post("/auth/login", data={"username": "alice", "password": "wrong"}, headers=SAME_ORIGIN)
    assert page.status_code == 401 and 'name="username" autocomplete="username" value="alice"' in page.text


def test_the_sign_in_page_says_who_is_signed_in(app: Flask) -> None:
    add_user(app)
    client = json_sign_in(app)
    page = client.get("/auth/login")
    assert 'id="signed-in"' in page.text and "<strong>alice</strong>" in page.text
    assert 'href="/auth/account"' in page.text and 'action="/auth/logout"' in page.text
    assert 'name="password"' not in page.text
    assert 'name="password"' in app.test_client().get("/auth/login").text


# --- post/redirect/get: every browser flow ends on a page -----------------------------


def test_the_root_sends_a_person_to_the_sign_in_page(client: FlaskClient) -> None:
    reply = client.get("/", headers=HTML)
    assert reply.status_code == 302 and reply.headers["Location"] == "/auth/login"


def test_me_is_json_for_clients_and_a_redirect_for_navigations(app: Flask) -> None:
    add_user(app)
    client = json_sign_in(app)
    assert client.get("/auth/me").get_json()["user"]["username"] == "alice"
    assert client.get("/auth/me", headers={"Accept": "application/json"}).status_code == 200
    assert client.get("/auth/me", headers={"Accept": "*/*"}).mimetype == "application/json"
    navigated = client.get("/auth/me", headers=HTML)
    assert navigated.status_code == 303 and navigated.headers["Location"] == "/auth/login"
    assert "Accept" in navigated.headers["Vary"] and "Accept" in client.get("/auth/me").headers["Vary"]
    assert app.test_client().get("/auth/me").status_code == 401  # JSON 401 without a session, as before


def test_a_form_sign_in_redirects_to_the_signed_in_page(app: Flask) -> None:
    add_user(app)
    client = app.test_client()
    reply = client.post("/auth/login", data={"username": "alice", "password": PASSWORD}, headers=SAME_ORIGIN)
    assert reply.status_code == 303 and reply.headers["Location"] == "/auth/login"
    assert "<strong>alice</strong>" in client.get("/auth/login").text


def test_the_registration_page_exists_only_when_registration_is_allowed(make_app: Callable[..., Flask]) -> None:
    assert make_app().test_client().get("/auth/register").status_code == 404
    app = make_app(ALLOW_REGISTRATION="true")
    client = app.test_client()
    page = client.get("/auth/register", headers=HTML)
    assert page.status_code == 200 and page.mimetype == "text/html" and 'action="/auth/register"' in page.text
    weak = client.post(
        "/auth/register", data={"username": "bob", "password": "short", "email": ""}, headers=SAME_ORIGIN
    )
    assert weak.status_code == 400 and weak.mimetype == "text/html"
    assert 'id="error"' in weak.text and 'value="bob"' in weak.text
    made = client.post(
        "/auth/register", data={"username": "bob", "password": PASSWORD, "email": ""}, headers=SAME_ORIGIN
    )
    assert made.status_code == 303 and made.headers["Location"] == "/auth/login", made.text
    assert client.get("/auth/me").get_json()["user"]["username"] == "bob"
    # JSON clients keep their 201 JSON reply.
    created = app.test_client().post("/auth/register", json={"username": "carol", "password": PASSWORD})
    assert created.status_code == 201 and created.get_json()["success"] is True


def test_the_code_step_redirects_after_success(app: Flask) -> None:
    add_user(app)
    setup = json_sign_in(app)
    totp = pyotp.TOTP(setup.post("/auth/mfa/totp/setup").get_json()["secret"])
    assert setup.post("/auth/mfa/totp/confirm", json={"code": totp.now()}).status_code == 200
    browser = app.test_client()
    step = browser.post("/auth/login", data={"username": "alice", "password": PASSWORD}, headers=SAME_ORIGIN)
    assert step.status_code == 303 and step.headers["Location"] == "/auth/login?mfa=1"
    done = browser.post(
        "/auth/mfa/verify", data={"method": "totp", "code": totp.at(time.time() + 30)}, headers=SAME_ORIGIN
    )
    assert done.status_code == 303 and done.headers["Location"] == "/auth/login"
    assert browser.get("/auth/me").status_code == 200


# --- the code step's messages ------------------------------------------------------------


def _enrolled(app: Flask) -> tuple[pyotp.TOTP, list[str]]:
    add_user(app)
    client = json_sign_in(app)
    totp = pyotp.TOTP(client.post("/auth/mfa/totp/setup").get_json()["secret"])
    codes = client.post("/auth/mfa/totp/confirm", json={"code": totp.now()}).get_json()["recovery_codes"]
    return totp, codes


def _code_step(app: Flask) -> FlaskClient:
    browser = app.test_client()
    assert (
        browser.post("/auth/login", data={"username": "alice", "password": PASSWORD}, headers=SAME_ORIGIN).status_code
        == 303
    )
    return browser


def _error_of(page: str) -> str:
    found = re.search(r'id="error">([^<]*)<', page)
    assert found, page
    return found.group(1)


def test_wrong_reused_and_spent_codes_say_different_things(app: Flask) -> None:
    totp, recovery = _enrolled(app)
    browser = _code_step(app)
    window = {totp.at(time.time() + offset) for offset in (-60, -30, 0, 30, 60)}
    wrong = next(f"{n:06d}" for n in range(1000) if f"{n:06d}" not in window)
    said_wrong = _error_of(browser.post("/auth/mfa/verify", data={"method": "totp", "code": wrong}).text)
    # The confirmation spent the current step's code: sending it again is a replay.
    said_reused = _error_of(browser.post("/auth/mfa/verify", data={"method": "totp", "code": totp.now()}).text)
    assert "not right" in said_wrong and "already used" in said_reused
    assert browser.post("/auth/mfa/verify", data={"method": "recovery_code", "code": recovery[0]}).status_code == 303
    again = _code_step(app)
    spent = again.post("/auth/mfa/verify", data={"method": "recovery_code", "code": recovery[0]})
    unknown = again.post("/auth/mfa/verify", data={"method": "recovery_code", "code": "aaaaa-bbbbb"})
    assert "already used" in _error_of(spent.text) and "not right" in _error_of(unknown.text)
    # A recovery-code error shows above the recovery field, not above the authenticator code.
    assert spent.text.index('id="error"') > spent.text.index('id="mfa-form"')
    wrong_totp = again.post("/auth/mfa/verify", data={"method": "totp", "code": wrong})
    assert wrong_totp.text.index('id="error"') < wrong_totp.text.index('id="mfa-form"')
    # JSON clients get the same sentences in their 401.
    json_reply = _code_step(app).post("/auth/mfa/verify", json={"method": "totp", "code": totp.now()})
    assert json_reply.status_code == 401 and "already used" in json_reply.get_json()["message"]


# --- the account page's slots --------------------------------------------------------------


def test_the_qr_code_is_inline_svg_and_the_csp_allows_no_images(app: Flask) -> None:
    add_user(app)
    client = json_sign_in(app)
    page = client.get("/auth/account")
    csp = page.headers["Content-Security-Policy"]
    assert "img-src" not in csp and "default-src 'none'" in csp
    assert "data:image" not in page.text and "DOMParser" in page.text and 'name="totp-code"' in page.text
    svg = client.post("/auth/mfa/totp/setup").get_json()["qr_svg"]
    assert svg.startswith("<svg") and "<script" not in svg and "style=" not in svg  # inlinable under the CSP


def test_the_email_slot_shows_and_changes_the_address(make_app: Callable[..., Flask], sink: MailSink) -> None:
    app = make_app(MAIL_URL=sink.url)
    add_user(app)
    client = json_sign_in(app)
    page = client.get("/auth/account").text
    assert "Not available on this server" not in page.split('data-slot="email"')[1].split("</section>")[0]
    assert 'id="email-form"' in page and 'action="/auth/email"' in page
    changed = client.post("/auth/email", data={"email": ADDRESS}, headers=SAME_ORIGIN)
    assert changed.status_code == 303 and changed.headers["Location"] == "/auth/account?notice=email-sent#email-heading"
    assert sink.wait_for(ADDRESS)["Subject"]
    page = client.get("/auth/account?notice=email-sent").text
    assert ADDRESS in page and "not confirmed yet" in page and 'id="email-resend-form"' in page
    assert "A confirmation link is on its way" in page
    make_old(app, client)
    stale = client.post("/auth/email", data={"email": "other@mail.test"}, headers=SAME_ORIGIN)
    assert stale.status_code == 303 and "error=reauth-needed" in stale.headers["Location"]
    assert 'id="reauth-form"' in client.get("/auth/account").text
    confirmed = client.post("/auth/account/reauthenticate", data={"password": PASSWORD}, headers=SAME_ORIGIN)
    assert confirmed.headers["Location"] == "/auth/account?notice=reauthenticated"
    assert 'id="reauth-form"' not in client.get("/auth/account").text
    # JSON clients of POST /auth/email keep their 202.
    assert client.post("/auth/email", json={"email": "third@mail.test"}).status_code == 202


def test_the_email_slot_is_empty_without_mail(make_app: Callable[..., Flask]) -> None:
    app = make_app(ENVIRONMENT="PROD", COOKIE_SECURE="true")
    add_user(app)
    client = app.test_client()
    https = "https://localhost"
    signed = client.post("/auth/login", json={"username": "alice", "password": PASSWORD}, base_url=https)
    assert signed.status_code == 200
    page = client.get("/auth/account", base_url=https).text
    assert 'id="username"' in page
    assert 'id="email-form"' not in page


def test_the_providers_slot_links_and_unlinks(oidc_app: Flask, c: FlaskClient) -> None:  # noqa: F811
    add_user(oidc_app)
    assert c.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    page = c.get("/auth/account").text
    assert 'id="no-identities"' in page and 'action="/auth/oidc/test/link"' in page
    start = c.post("/auth/oidc/test/link", data={"next": "/auth/account?notice=identity-linked"}, headers=SAME_ORIGIN)
    assert start.status_code == 303 and urlsplit(start.headers["Location"]).path == "/auth/oidc/test/start"
    with oidc_app.app_context():
        from auth.oidc.identities import _add_identity

        _add_identity(db.session.get(User, 1), "test", Profile.of("s-1", "alice@idp.test", True, "Alice"))
    page = c.get("/auth/account").text
    identity_id = re.search(r'action="/auth/identities/(\d+)/unlink"', page)
    assert identity_id and "<details" in page and 'class="danger"' in page
    removed = c.post(f"/auth/identities/{identity_id.group(1)}/unlink", headers=SAME_ORIGIN)
    assert removed.status_code == 303 and "notice=identity-unlinked" in removed.headers["Location"]
    assert c.get("/auth/identities").get_json()["identities"] == []


def test_a_provider_only_user_sets_a_password_after_a_recent_sign_in(oidc_app: Flask, c: FlaskClient) -> None:  # noqa: F811
    assert sign_in(c, next_url=None).status_code == 303
    page = c.get("/auth/account").text
    assert "Set a password" in page and 'name="current_password"' not in page
    form = {"new_password": "a brand new passphrase", "new_password_repeat": "a brand new passphrase"}
    make_old(oidc_app, c)
    assert 'name="new_password"' not in c.get("/auth/account").text
    stale = c.post("/auth/account/password", data=form, headers=SAME_ORIGIN)
    assert stale.status_code == 303 and "error=reauth-needed" in stale.headers["Location"]
    with oidc_app.app_context():
        assert not db.session.scalars(db.select(User)).one().has_password
    # Unlinking the only way in is refused on the page too.
    identity = c.get("/auth/identities").get_json()["identities"][0]["id"]
    last = c.post(f"/auth/identities/{identity}/unlink", headers=SAME_ORIGIN)
    assert "error=last-way-in" in last.headers["Location"]
    fresh = c.application.test_client()
    assert sign_in(fresh, next_url=None).status_code == 303
    done = fresh.post("/auth/account/password", data=form, headers=SAME_ORIGIN)
    assert done.status_code == 303 and done.headers["Location"] == "/auth/account?notice=password-set"
    name = fresh.get("/auth/me").get_json()["user"]["username"]
    signed = oidc_app.test_client().post("/auth/login", json={"username": name, "password": form["new_password"]})
    assert signed.status_code == 200


# --- provider usernames ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (Profile.of("1", "ann@x.test", True, "Ann Lee", "annie"), "annie"),
        (Profile.of("1", "ann@x.test", True, "Ann Lee"), "ann"),
        (Profile.of("1", None, False, "Ann Lee"), "Ann-Lee"),
        (Profile.of("alice", "alice", False, None), "alice"),  # a test provider's typed subject
        (Profile.of("109876543210", None, False, None), "mock"),  # an opaque id is not a name
        (Profile.of("1", "a@x.test", True, None), "a-mock"),
        (Profile.of("1", None, False, "  <b>evil</b> name!! ", None), "b-evil-b-name"),
    ],
    ids=["preferred-username", "email-local-part", "name", "readable-subject", "opaque-subject", "short", "sanitised"],
)
def test_a_provider_user_is_named_after_the_person(profile: Profile, expected: str) -> None:
    assert username_base(profile, "mock") == expected


def test_a_taken_provider_username_is_made_unique(oidc_app: Flask, c: FlaskClient) -> None:  # noqa: F811
    add_user(oidc_app, "person")
    assert sign_in(c, next_url=None).status_code == 303
    name = c.get("/auth/me").get_json()["user"]["username"]
    assert re.fullmatch(r"person-[0-9a-f]{4}", name), name


# --- console mail, session labels ---------------------------------------------------------------


def test_console_mail_prints_the_decoded_link(
    make_app: Callable[..., Flask], capfd: pytest.CaptureFixture[str]
) -> None:
    app = make_app(MAIL_URL="console:")
    result = app.test_cli_runner().invoke(
        args=["users", "create", "alice", "--password-stdin", "--email", ADDRESS], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert app.test_client().post("/auth/password/forgot", json={"email": ADDRESS}).status_code == 202
    assert app.extensions["mail"].outbox.wait_idle(30)
    printed = capfd.readouterr().out
    link = re.search(r"http://localhost/auth/password/reset\?token=[\w-]+", printed)
    assert link and "=3D" not in printed and "=\n" not in printed, printed
    assert "Subject: Reset your password" in printed and "<html" not in printed


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Linux"),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Chrome on Linux",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15",
            "Safari on macOS",
        ),
        ("curl/8.5.0", "curl"),
        ("", "an unknown device"),
        (None, "an unknown device"),
    ],
)
def test_user_agents_read_as_devices(agent: str | None, label: str) -> None:
    assert device_label(agent) == label


def test_the_session_list_shows_device_labels(app: Flask) -> None:
    add_user(app)
    client = app.test_client()
    agent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    client.post("/auth/login", json={"username": "alice", "password": PASSWORD}, headers={"User-Agent": agent})
    page = client.get("/auth/account").text
    assert ">Firefox on Linux</span>" in page and f'title="{agent}"' in page


@pytest.mark.parametrize(
    ("path", "page"), [("/auth/password/forgot", "/auth/password/forgot"), ("/auth/magic-link", "/auth/magic-link")]
)
def test_the_mail_request_forms_answer_alike_for_unknown_addresses(
    make_app: Callable[..., Flask], sink: MailSink, path: str, page: str
) -> None:
    app = make_app(MAIL_URL=sink.url, ALLOW_MAGIC_LINKS="true")
    result = app.test_cli_runner().invoke(
        args=["users", "create", "alice", "--password-stdin", "--email", ADDRESS], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    form = app.test_client().get(page)
    assert form.status_code == 200 and f'action="{path}"' in form.text and 'name="email"' in form.text
    replies = [app.test_client().post(path, data={"email": a}, headers=SAME_ORIGIN) for a in (ADDRESS, "x@nobody.test")]
    assert [r.status_code for r in replies] == [303, 303]
    assert replies[0].headers["Location"] == replies[1].headers["Location"] == f"{page}?sent=1"
    shown = app.test_client().get(f"{page}?sent=1").text
    assert 'id="sent"' in shown and "If that address belongs to a verified account" in shown
    assert app.extensions["mail"].outbox.wait_idle(30)
    assert len(sink.to(ADDRESS)) == 1 and sink.to("x@nobody.test") == []  # only the real one got mail
    bad = app.test_client().post(path, data={"email": "not an address"}, headers=SAME_ORIGIN)
    assert bad.status_code == 400 and bad.mimetype == "text/html" and 'id="error"' in bad.text
    # The sign-in page's link to ask again, from a dead link's page.
    dead = app.test_client().get("/auth/password/reset?token=no-such-token").text
    assert 'id="ask-again" href="/auth/password/forgot"' in dead


def test_me_says_whether_the_user_has_a_password(app, make_user) -> None:
    """A frontend offers "set a password" (not "change") to a user without one: /auth/me tells it."""
    make_user("alice")
    client = app.test_client()
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    assert client.get("/auth/me").get_json()["user"]["has_password"] is True
    with app.app_context():
        db.session.execute(update(User).values(password_hash=""))
        db.session.commit()
    assert client.get("/auth/me").get_json()["user"]["has_password"] is False

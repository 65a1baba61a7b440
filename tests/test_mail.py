"""Email flows against a real SMTP server in the test process (aiosmtpd).

Each mail arrives with the right link; tokens are refused when reused,
expired, superseded or after a password change; "forgot" answers alike for
known and unknown addresses; a dead mail server gives 202 and an audit line.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from auth.core.settings import ConfigError
from models import MailToken, User, db
from tests.conftest import PASSWORD, add_user
from tests.mailsink import MailSink, html_of, link_in, text_of
from tests.servers import free_port

ADDRESS = "Alice.Example@Mail.Test"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], sink: MailSink) -> Flask:
    """Mail through the sink, magic links on, alice with a verified address (the operator's word)."""
    app = make_app(MAIL_URL=sink.url, ALLOW_MAGIC_LINKS="true", ALLOW_REGISTRATION="true")
    result = app.test_cli_runner().invoke(
        args=["users", "create", "alice", "--password-stdin", "--email", ADDRESS], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    return app


def settle(app: Flask, timeout: float = 30) -> None:
    assert app.extensions["mail"].outbox.wait_idle(timeout), "the outbox did not finish"


def token_of(link: str) -> str:
    return link.split("?token=", 1)[1]


def ask(app: Flask, path: str, address: str = ADDRESS, client: FlaskClient | None = None):
    reply = (client or app.test_client()).post(path, json={"email": address})
    settle(app)
    return reply


def mailed_token(app: Flask, sink: MailSink, path: str, count: int = 1, address: str = ADDRESS) -> str:
    assert ask(app, path, address).status_code == 202
    return token_of(link_in(sink.wait_for(address.lower(), count)))


def events(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "auth.audit"]


def signed_in(app: Flask, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    assert client.post("/auth/login", json={"username": "alice", "password": password}).status_code == 200
    return client


# --- password reset ------------------------------------------------------------------------


def test_reset_mail_carries_a_link_to_the_reset_page_in_both_bodies(mail_app: Flask, sink: MailSink) -> None:
    reply = ask(mail_app, "/auth/password/forgot", "ALICE.example@mail.test")
    assert reply.status_code == 202
    mail = sink.wait_for(ADDRESS.lower())
    assert mail["Subject"] == "Reset your password"
    assert mail["To"] == ADDRESS
    assert mail["From"] == "no-reply@localhost"
    link = link_in(mail)
    assert link.startswith("http://localhost/auth/password/reset?token=")
    assert "alice" in text_of(mail) and "alice" in html_of(mail)
    with mail_app.app_context():
        stored = db.session.scalars(db.select(MailToken)).all()
    assert [row.token_hash for row in stored] != [token_of(link)], "the token itself must not be stored"
    assert len(stored) == 1 and len(stored[0].token_hash) == 64


def test_reset_sets_the_password_ends_every_session_and_signs_in(mail_app: Flask, sink: MailSink) -> None:
    other_browser = signed_in(mail_app)
    token = mailed_token(mail_app, sink, "/auth/password/forgot")
    browser = mail_app.test_client()
    reply = browser.post("/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD})
    assert reply.status_code == 200, reply.get_json()
    assert browser.get("/auth/me").get_json()["user"]["username"] == "alice"
    assert other_browser.get("/auth/me").status_code == 401
    assert other_browser.post("/auth/refresh").status_code == 401
    fresh = mail_app.test_client()
    assert fresh.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 401
    assert fresh.post("/auth/login", json={"username": "alice", "password": NEW_PASSWORD}).status_code == 200


def test_a_reset_token_works_once(mail_app: Flask, sink: MailSink) -> None:
    token = mailed_token(mail_app, sink, "/auth/password/forgot")
    client = mail_app.test_client()
    assert client.post("/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}).status_code == 200
    again = client.post("/auth/password/reset", json={"token": token, "new_password": "yet another passphrase"})
    assert again.status_code == 400
    assert again.get_json()["error"] == "invalid_token"
    assert signed_in(mail_app, NEW_PASSWORD)


def test_a_weak_password_keeps_the_token(mail_app: Flask, sink: MailSink) -> None:
    token = mailed_token(mail_app, sink, "/auth/password/forgot")
    client = mail_app.test_client()
    weak = client.post("/auth/password/reset", json={"token": token, "new_password": "short"})
    assert weak.status_code == 400 and "at least 8" in weak.get_json()["message"]
    assert client.post("/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}).status_code == 200


def test_an_expired_token_is_refused(mail_app: Flask, sink: MailSink, monkeypatch) -> None:
    token = mailed_token(mail_app, sink, "/auth/password/forgot")
    later = time.time() + 1800 + 1
    monkeypatch.setattr("auth.mail.views.time.time", lambda: later)
    reply = mail_app.test_client().post("/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD})
    assert reply.status_code == 400 and reply.get_json()["error"] == "invalid_token"
    assert signed_in(mail_app)
    # Every invalid link says "invalid, already used or expired"; what refused this one was the
    # clock: the same token, back in its lifetime, still works.
    monkeypatch.undo()
    again = mail_app.test_client().post("/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD})
    assert again.status_code == 200, again.get_json()


def test_a_token_lives_just_under_its_ttl(mail_app: Flask, sink: MailSink, monkeypatch) -> None:
    token = mailed_token(mail_app, sink, "/auth/password/forgot")
    later = time.time() + 1800 - 5
    monkeypatch.setattr("auth.mail.views.time.time", lambda: later)
    reply = mail_app.test_client().post("/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD})
    assert reply.status_code == 200


def test_a_newer_token_supersedes_the_older(mail_app: Flask, sink: MailSink) -> None:
    first = mailed_token(mail_app, sink, "/auth/password/forgot", 1)
    second = mailed_token(mail_app, sink, "/auth/password/forgot", 2)
    client = mail_app.test_client()
    assert client.post("/auth/password/reset", json={"token": first, "new_password": NEW_PASSWORD}).status_code == 400
    assert client.post("/auth/password/reset", json={"token": second, "new_password": NEW_PASSWORD}).status_code == 200


def test_a_password_change_kills_every_mailed_token(mail_app: Flask, sink: MailSink) -> None:
    reset = mailed_token(mail_app, sink, "/auth/password/forgot", 1)
    magic = mailed_token(mail_app, sink, "/auth/magic-link", 2)
    client = signed_in(mail_app)
    changed = client.post("/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200
    other = mail_app.test_client()
    assert other.post("/auth/password/reset", json={"token": reset, "new_password": "x" * 20}).status_code == 400
    assert other.post("/auth/magic-link/verify", json={"token": magic}).status_code == 400


def test_the_cli_password_change_kills_mailed_tokens_too(mail_app: Flask, sink: MailSink) -> None:
    token = mailed_token(mail_app, sink, "/auth/password/forgot")
    result = mail_app.test_cli_runner().invoke(
        args=["users", "set-password", "alice", "--password-stdin"], input=NEW_PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    reply = mail_app.test_client().post("/auth/password/reset", json={"token": token, "new_password": "x" * 20})
    assert reply.status_code == 400


def test_a_token_of_one_kind_does_not_work_for_another(mail_app: Flask, sink: MailSink) -> None:
    token = mailed_token(mail_app, sink, "/auth/password/forgot")
    client = mail_app.test_client()
    assert client.post("/auth/magic-link/verify", json={"token": token}).status_code == 400
    assert client.post("/auth/email/verify", json={"token": token}).status_code == 400
    assert client.post("/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}).status_code == 200


# --- no enumeration ------------------------------------------------------------------------


def test_forgot_answers_alike_for_known_and_unknown_addresses(mail_app: Flask, sink: MailSink) -> None:
    client = mail_app.test_client()
    known = client.post("/auth/password/forgot", json={"email": ADDRESS})
    unknown = client.post("/auth/password/forgot", json={"email": "nobody@mail.test"})
    settle(mail_app)
    assert known.status_code == unknown.status_code == 202
    assert known.get_data() == unknown.get_data()
    assert sorted(known.headers.keys()) == sorted(unknown.headers.keys())
    assert len(sink.to(ADDRESS)) == 1 and sink.to("nobody@mail.test") == []


def test_forgot_takes_about_the_same_time_for_known_and_unknown(mail_app: Flask, sink: MailSink) -> None:
    """The reply's time does not depend on whether the address exists.

    Each try starts with the outbox idle: here the SMTP server runs in the test
    process and competes with the request thread for the interpreter while it
    receives the previous mail, which a mail server on another host does not.
    """
    client = mail_app.test_client()
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    for attempt in range(30):
        for label, address in (("known", ADDRESS), ("unknown", f"nobody{attempt}@mail.test")):
            settle(mail_app)
            started = time.perf_counter()
            assert client.post("/auth/password/forgot", json={"email": address}).status_code == 202
            timings[label].append(time.perf_counter() - started)
    settle(mail_app)
    ratio = statistics.median(timings["known"]) / statistics.median(timings["unknown"])
    assert 0.5 <= ratio <= 2, f"known/unknown median time ratio {ratio:.2f}"
    assert len(sink.to(ADDRESS)) == 30


def test_an_unverified_address_gets_no_reset_mail(mail_app: Flask, sink: MailSink) -> None:
    reply = mail_app.test_client().post(
        "/auth/register", json={"username": "mallory", "password": "a squatter passphrase", "email": "victim@mail.test"}
    )
    assert reply.status_code == 201
    settle(mail_app)
    sink.wait_for("victim@mail.test")  # the verification mail
    assert ask(mail_app, "/auth/password/forgot", "victim@mail.test").status_code == 202
    assert ask(mail_app, "/auth/magic-link", "victim@mail.test").status_code == 202
    assert len(sink.to("victim@mail.test")) == 1, "an unverified address must not receive reset or sign-in links"


# --- delivery failures ---------------------------------------------------------------------


def test_a_dead_mail_server_gives_202_and_an_audit_line(make_app, caplog) -> None:
    caplog.set_level("INFO", logger="auth.audit")
    app = make_app(MAIL_URL=f"smtp://mailer:s3cret-pass@127.0.0.1:{free_port()}?timeout=2")
    add_user(app)
    with app.app_context():
        user = db.session.get(User, 1)
        user.email_key, user.email_verified_at = ADDRESS.casefold(), time.time()  # only verified addresses count
        db.session.commit()
    reply = ask(app, "/auth/password/forgot")
    assert reply.status_code == 202
    failed = [e for e in events(caplog) if e["event"] == "mail_failed"]
    assert failed and failed[0]["job"] == "reset_password"
    assert failed[0]["reason"] == "ConnectionRefusedError"
    assert "s3cret-pass" not in caplog.text


def test_starttls_required_refuses_a_server_without_it(make_app, sink: MailSink, caplog) -> None:
    caplog.set_level("INFO", logger="auth.audit")
    app = make_app(MAIL_URL=f"{sink.url}?starttls=required")
    add_user(app)
    with app.app_context():
        user = db.session.get(User, 1)
        user.email_key, user.email_verified_at = ADDRESS.casefold(), time.time()  # only verified addresses count
        db.session.commit()
    assert ask(app, "/auth/password/forgot").status_code == 202
    assert [e["reason"] for e in events(caplog) if e["event"] == "mail_failed"] == ["StartTLSUnavailable"]
    assert sink.received == []


def test_no_token_reaches_the_logs(mail_app: Flask, sink: MailSink, caplog) -> None:
    caplog.set_level("DEBUG")
    token = mailed_token(mail_app, sink, "/auth/password/forgot")
    mail_app.test_client().post("/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD})
    assert token not in caplog.text
    assert NEW_PASSWORD not in caplog.text
    assert "password_reset" in caplog.text


# --- email verification and change ---------------------------------------------------------


def test_registration_with_an_email_mails_a_verification_link(mail_app: Flask, sink: MailSink) -> None:
    client = mail_app.test_client()
    reply = client.post(
        "/auth/register", json={"username": "bob", "password": "some long passphrase", "email": "Bob@Mail.Test"}
    )
    assert reply.status_code == 201
    settle(mail_app)
    assert client.get("/auth/me").get_json()["user"]["email_verified"] is False
    link = link_in(sink.wait_for("bob@mail.test"))
    assert link.startswith("http://localhost/auth/email/verify?token=")
    verified = mail_app.test_client().post("/auth/email/verify", json={"token": token_of(link)})
    assert verified.status_code == 200
    me = client.get("/auth/me").get_json()["user"]
    assert me.pop("has_password") is True  # only /auth/me says it
    assert verified.get_json()["user"] == me
    assert client.get("/auth/me").get_json()["user"]["email_verified"] is True
    assert mail_app.test_client().post("/auth/email/verify", json={"token": token_of(link)}).status_code == 400


def test_changing_the_email_needs_a_recent_sign_in(mail_app: Flask, monkeypatch) -> None:
    client = signed_in(mail_app)
    later = time.time() + 301
    monkeypatch.setattr("auth.web.recent.time.time", lambda: later)
    reply = client.post("/auth/email", json={"email": "new@mail.test"})
    assert reply.status_code == 403 and reply.get_json()["error"] == "reauth_required"
    assert mail_app.test_client().post("/auth/email", json={"email": "new@mail.test"}).status_code == 401


def test_a_new_address_counts_only_once_verified_and_the_old_one_is_told(mail_app: Flask, sink: MailSink) -> None:
    client = signed_in(mail_app)
    assert client.post("/auth/email", json={"email": "New@Mail.Test"}).status_code == 202
    settle(mail_app)
    notice = sink.wait_for(ADDRESS.lower())
    assert notice["Subject"] == "Your account's email address is changing"
    assert "New@Mail.Test" in text_of(notice)
    link = link_in(sink.wait_for("new@mail.test"))
    me = client.get("/auth/me").get_json()["user"]
    assert me["email"] == ADDRESS and me["email_verified"] is True
    assert ask(mail_app, "/auth/password/forgot", "new@mail.test").status_code == 202
    assert len(sink.to("new@mail.test")) == 1, "the pending address must not receive a reset link"

    assert mail_app.test_client().post("/auth/email/verify", json={"token": token_of(link)}).status_code == 200
    assert client.get("/auth/me").get_json()["user"]["email"] == "New@Mail.Test"
    assert ask(mail_app, "/auth/password/forgot", "new@mail.test").status_code == 202
    assert sink.wait_for("new@mail.test", 2)["Subject"] == "Reset your password"
    assert ask(mail_app, "/auth/password/forgot", ADDRESS).status_code == 202
    assert len(sink.to(ADDRESS)) == 1, "the old address no longer receives reset links"


def test_an_address_verified_by_another_account_is_not_mailed(mail_app: Flask, sink: MailSink) -> None:
    add_user(mail_app, "bob", "some long passphrase")
    client = mail_app.test_client()
    client.post("/auth/login", json={"username": "bob", "password": "some long passphrase"})
    reply = client.post("/auth/email", json={"email": ADDRESS.upper()})
    settle(mail_app)
    assert reply.status_code == 202
    assert sink.to(ADDRESS) == []


# --- magic links ---------------------------------------------------------------------------


def test_a_magic_link_signs_in_once(mail_app: Flask, sink: MailSink) -> None:
    token = mailed_token(mail_app, sink, "/auth/magic-link")
    browser = mail_app.test_client()
    page = browser.get(f"/auth/magic-link?token={token}")
    assert page.status_code == 200 and page.headers.getlist("Set-Cookie") == []
    assert browser.get("/auth/me").status_code == 401, "opening the link must not sign in (mail scanners)"
    reply = browser.post("/auth/magic-link/verify", json={"token": token})
    assert reply.status_code == 200
    assert browser.get("/auth/me").get_json()["user"]["username"] == "alice"
    assert mail_app.test_client().post("/auth/magic-link/verify", json={"token": token}).status_code == 400


def test_magic_links_are_off_unless_allowed(make_app, sink: MailSink) -> None:
    app = make_app(MAIL_URL=sink.url)
    client = app.test_client()
    for reply in (
        client.post("/auth/magic-link", json={"email": ADDRESS}),
        client.post("/auth/magic-link/verify", json={"token": "x"}),
        client.get("/auth/magic-link?token=x"),
    ):
        assert reply.status_code == 404
        assert "ALLOW_MAGIC_LINKS" in reply.get_json()["message"]


# --- the built-in pages --------------------------------------------------------------------


def test_the_reset_page_form_sets_the_password_and_signs_in(mail_app: Flask, sink: MailSink) -> None:
    token = mailed_token(mail_app, sink, "/auth/password/forgot")
    browser = mail_app.test_client()
    page = browser.get(f"/auth/password/reset?token={token}")
    assert page.status_code == 200 and b'name="new_password"' in page.data and token.encode() in page.data
    done = browser.post(
        "/auth/password/reset",
        data={"token": token, "new_password": NEW_PASSWORD},
        headers={"Origin": "http://localhost"},
    )
    assert done.status_code == 303 and done.headers["Location"] == "/auth/login"
    assert b'id="signed-in"' in browser.get("/auth/login").data
    assert browser.get("/auth/me").status_code == 200
    fresh = mail_app.test_client()
    assert fresh.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 401
    assert fresh.post("/auth/login", json={"username": "alice", "password": NEW_PASSWORD}).status_code == 200


def test_a_used_link_shows_a_clear_page(mail_app: Flask, sink: MailSink) -> None:
    token = mailed_token(mail_app, sink, "/auth/magic-link")
    assert mail_app.test_client().post("/auth/magic-link/verify", json={"token": token}).status_code == 200
    page = mail_app.test_client().get(f"/auth/magic-link?token={token}")
    assert page.status_code == 200 and b"already used or expired" in page.data and b"<form" not in page.data
    posted = mail_app.test_client().post(
        "/auth/magic-link/verify", data={"token": token}, headers={"Origin": "http://localhost"}
    )
    assert posted.status_code == 400 and posted.mimetype == "text/html"
    assert b"already used or expired" in posted.data


@pytest.mark.parametrize("path", ["/auth/email/verify", "/auth/password/reset", "/auth/magic-link"])
@pytest.mark.parametrize("query", ["", "?token=", "?token=%00%ff", "?token=" + "a" * 5000, "?token=no-such-token"])
def test_pages_never_fail_on_odd_tokens(mail_app: Flask, path: str, query: str) -> None:
    page = mail_app.test_client().get(path + query)
    assert page.status_code == 200 and page.mimetype == "text/html"
    if path == "/auth/magic-link" and not query:
        # No token at all: the page that asks for a sign-in link (its form posts no token).
        assert b'id="mail-request-form"' in page.data and b'name="token"' not in page.data
    else:
        assert b"<form" not in page.data


# --- configuration -------------------------------------------------------------------------


def test_prod_without_mail_url_answers_404_saying_why(make_app) -> None:
    app = make_app(ENVIRONMENT="PROD", COOKIE_SECURE="true")
    client = app.test_client()
    for reply in (
        client.post("/auth/password/forgot", json={"email": ADDRESS}),
        client.post("/auth/email/verify", json={"token": "x"}),
        client.get("/auth/password/reset?token=x"),
    ):
        assert reply.status_code == 404
        assert "MAIL_URL" in reply.get_json()["message"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAIL_URL", "http://mail.test"),
        ("MAIL_URL", "smtp://mail.test:99999"),
        ("MAIL_URL", "smtp://mail.test?starttls=maybe"),
        ("MAIL_URL", "smtps://mail.test?starttls=required"),
        ("MAIL_URL", "smtp://mail.test?timeout=0"),
        ("MAIL_URL", "smtp://mail.test?tls=yes"),
        ("MAIL_FROM", "not an address"),
        ("EMAIL_LINK_URL", "ftp://app.test"),
        ("EMAIL_LINK_URL", "https://app.test/?x=1"),
        ("EMAIL_TOKEN_TTL", "soon"),
        ("EMAIL_TOKEN_TTL", "5"),
        ("ALLOW_MAGIC_LINKS", "perhaps"),
        ("RATELIMIT_MAIL_IP", "lots"),
    ],
)
def test_bad_mail_settings_stop_the_server_naming_the_variable(make_app, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        make_app(**{name: value})


def test_a_mail_url_password_never_appears_in_a_config_error(make_app) -> None:
    with pytest.raises(ConfigError) as error:
        make_app(MAIL_URL="smtp://user:hunter2-secret@mail.test:bad")
    assert "hunter2-secret" not in str(error.value)


def test_links_open_the_frontend_when_email_link_url_is_set(make_app, sink: MailSink) -> None:
    app = make_app(MAIL_URL=sink.url, EMAIL_LINK_URL="http://localhost:3000/", MAIL_FROM="auth@mail.test")
    add_user(app)
    with app.app_context():
        user = db.session.get(User, 1)
        user.email_key, user.email_verified_at = ADDRESS.casefold(), time.time()  # only verified addresses count
        db.session.commit()
    assert ask(app, "/auth/password/forgot").status_code == 202
    mail = sink.wait_for(ADDRESS.lower())
    assert link_in(mail).startswith("http://localhost:3000/reset-password?token=")
    assert mail["From"] == "auth@mail.test"


# --- rate limits ---------------------------------------------------------------------------


def test_forgot_is_limited_per_address_and_per_ip(make_app, sink: MailSink) -> None:
    app = make_app(
        MAIL_URL=sink.url,
        RATELIMIT_ENABLED="true",
        RATELIMIT_MAIL_ADDRESS="2 per hour",
        RATELIMIT_MAIL_IP="4 per hour",
    )
    client = app.test_client()
    forgot = lambda address, ip="10.0.0.1": client.post(  # noqa: E731
        "/auth/password/forgot", json={"email": address}, environ_base={"REMOTE_ADDR": ip}
    )
    assert forgot("x@mail.test").status_code == 202
    assert forgot("X@MAIL.TEST", "10.0.0.2").status_code == 202
    limited = forgot("x@mail.test", "10.0.0.3")
    assert limited.status_code == 429 and limited.headers.get("Retry-After")
    assert forgot("y@mail.test").status_code == 202
    assert forgot("z@mail.test").status_code == 202
    assert forgot("v@mail.test").status_code == 202
    assert forgot("w@mail.test").status_code == 429, "the fifth request from one IP"
    assert forgot("w@mail.test", "10.0.0.9").status_code == 202
    settle(app)


# --- operators -----------------------------------------------------------------------------


def test_operator_created_addresses_count_as_verified(mail_app: Flask) -> None:
    me = signed_in(mail_app).get("/auth/me").get_json()["user"]
    assert me["email"] == ADDRESS and me["email_verified"] is True
    taken = mail_app.test_cli_runner().invoke(
        args=["users", "create", "bob", "--password-stdin", "--email", ADDRESS.lower()], input="some long passphrase\n"
    )
    assert taken.exit_code != 0 and "another account" in taken.output
    bad = mail_app.test_cli_runner().invoke(
        args=["users", "create", "carol", "--password-stdin", "--email", "carol"], input="some long passphrase\n"
    )
    assert bad.exit_code != 0 and "@" in bad.output


def test_flask_mail_test_sends_through_mail_url(mail_app: Flask, sink: MailSink) -> None:
    result = mail_app.test_cli_runner().invoke(args=["mail", "test", "ops@mail.test"])
    assert result.exit_code == 0, result.output
    assert sink.wait_for("ops@mail.test")["Subject"] == "Test mail from flask-auth"


def test_flask_mail_test_says_why_it_failed(make_app) -> None:
    app = make_app(MAIL_URL=f"smtp://ops:pw-secret@127.0.0.1:{free_port()}?timeout=2")
    result = app.test_cli_runner().invoke(args=["mail", "test", "ops@mail.test"])
    assert result.exit_code != 0
    assert "ConnectionRefusedError" in result.output and "pw-secret" not in result.output


def test_built_in_forms_work_in_double_submit_mode_with_auth_cookies(make_app, sink: MailSink) -> None:
    """A signed-in browser's form post from the built-in page carries cookies but cannot echo the header."""
    app = make_app(MAIL_URL=sink.url, ALLOW_MAGIC_LINKS="true", CSRF_MODE="double-submit")
    add_user(app)
    with app.app_context():
        user = db.session.get(User, 1)
        user.email_key, user.email_verified_at = ADDRESS.casefold(), time.time()  # only verified addresses count
        db.session.commit()
    browser = signed_in(app)
    token = mailed_token(app, sink, "/auth/magic-link")
    reply = browser.post("/auth/magic-link/verify", data={"token": token}, headers={"Origin": "http://localhost"})
    assert reply.status_code == 303 and b'id="signed-in"' in browser.get(reply.headers["Location"]).data
    foreign = browser.post("/auth/magic-link/verify", data={"token": "x"}, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403

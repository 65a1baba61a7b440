"""The seven security defects of the outside review (issue 18), each driven over HTTP.

1. an unverified provider address claims nothing (no pre-hijack, no oracle);
2. changing or confirming an address ends the mailed tokens;
3. ``MFA_REQUIRED_ROLES`` holds on the built-in account page too;
4. at most five codes are checked per second-factor attempt, concurrently too;
5. a reset of a locked account changes nothing, and a locked account gets no mail;
6. passkey login options answer alike for every username and are rate limited;
7. a user's consecutive second-factor failures are capped (NIST SP 800-63B: 100), reauthentication included.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pyotp
import pytest
import requests
import sqlalchemy
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from auth.core.settings import ConfigError
from models import MfaAttempt, User, db
from tests.conftest import PASSWORD, add_user
from tests.helpers import set_cookies
from tests.mailsink import MailSink, link_in
from tests.oidc_provider import LocalProvider, Person
from tests.servers import LiveServers, flask_cli, scratch_postgres, server_env
from tests.test_mail import ADDRESS, NEW_PASSWORD, mailed_token, settle, token_of
from tests.test_mfa import at_step, enrol_totp
from tests.test_oidc import provider_env, sign_in, signed_in_as
from tests.test_passkeys import enrol, login_options
from tests.webauthn_authenticator import SoftAuthenticator

VICTIM = "victim@mail.test"


def password_client(app: Flask, name: str = "alice", password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    reply = client.post("/auth/login", json={"username": name, "password": password})
    assert reply.status_code == 200, reply.get_json()
    return client


def can_log_in(app: Flask, password: str, name: str = "alice") -> bool:
    reply = app.test_client().post("/auth/login", json={"username": name, "password": password})
    return reply.status_code == 200


def cli(app: Flask, *args: str) -> None:
    """Run ``flask ARGS`` as an operator would (a password prompt gets PASSWORD)."""
    result = app.test_cli_runner().invoke(args=list(args), input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output


# --- 1. an unverified provider address claims nothing ----------------------------------------


@pytest.fixture
def provider() -> Iterator[LocalProvider]:
    with LocalProvider().running() as running:
        yield running


@pytest.fixture
def oidc_mail_app(make_app: Callable[..., Flask], provider: LocalProvider, sink: MailSink) -> Flask:
    """A provider, mail through the sink, magic links on, linking by verified email on."""
    return make_app(
        **provider_env("test", provider.url),
        MAIL_URL=sink.url,
        ALLOW_MAGIC_LINKS="true",
        OIDC_LINK_VERIFIED_EMAIL="true",
    )


def test_an_unverified_provider_address_does_not_block_or_capture_its_owner(
    oidc_mail_app: Flask, provider: LocalProvider, sink: MailSink
) -> None:
    # The attacker signs in first with a provider account claiming the victim's address, unverified.
    provider.person = Person(sub="attacker", email=VICTIM, email_verified=False)
    attacker = oidc_mail_app.test_client()
    assert sign_in(attacker).status_code == 303
    assert signed_in_as(attacker) is not None
    assert attacker.get("/auth/me").get_json()["user"]["email_verified"] is False

    # Mail asked for that address reaches no account: the attacker's claims nothing.
    for path in ("/auth/password/forgot", "/auth/magic-link"):
        assert oidc_mail_app.test_client().post(path, json={"email": VICTIM}).status_code == 202
    settle(oidc_mail_app)
    assert sink.to(VICTIM) == [], "a reset or magic link for an unverified provider address was mailed"

    # The real owner adds the address and verifies it.
    add_user(oidc_mail_app, "owner")
    owner = password_client(oidc_mail_app, "owner")
    assert owner.post("/auth/email", json={"email": VICTIM}).status_code == 202
    settle(oidc_mail_app)
    link = link_in(sink.wait_for(VICTIM))
    verified = oidc_mail_app.test_client().post("/auth/email/verify", json={"token": token_of(link)})
    assert verified.status_code == 200, verified.get_json()
    assert owner.get("/auth/me").get_json()["user"]["email_verified"] is True

    # From now on the address's mail is the owner's.
    token = mailed_token(oidc_mail_app, sink, "/auth/magic-link", count=2, address=VICTIM)
    browser = oidc_mail_app.test_client()
    assert browser.post("/auth/magic-link/verify", json={"token": token}).status_code == 200
    assert signed_in_as(browser) == "owner"


def test_an_unverified_provider_address_tells_nothing_about_existing_accounts(
    oidc_mail_app: Flask, provider: LocalProvider
) -> None:
    """A stranger with an unverified address learns nothing: no ``email_in_use``, and no link either."""
    cli(oidc_mail_app, "users", "create", "alice", "--password-stdin", "--email", ADDRESS)
    provider.person = Person(sub="stranger", email=ADDRESS.lower(), email_verified=False)
    stranger = oidc_mail_app.test_client()
    reply = sign_in(stranger)
    assert reply.status_code == 303 and "error=" not in reply.location, reply.location
    assert signed_in_as(stranger) not in (None, "alice")
    assert stranger.get("/auth/me").get_json()["user"]["email_verified"] is False


def test_a_provider_verified_address_still_links_to_its_verified_owner(
    oidc_mail_app: Flask, provider: LocalProvider
) -> None:
    cli(oidc_mail_app, "users", "create", "alice", "--password-stdin", "--email", ADDRESS)
    provider.person = Person(sub="alice-at-provider", email=ADDRESS.lower(), email_verified=True)
    c = oidc_mail_app.test_client()
    assert sign_in(c).status_code == 303
    assert signed_in_as(c) == "alice"


def test_an_address_someone_registered_unverified_is_never_linked(
    oidc_mail_app: Flask, provider: LocalProvider, sink: MailSink
) -> None:
    """Linking by email matches verified addresses only: a squatter's pending address links nobody."""
    add_user(oidc_mail_app, "squatter")
    squatter = password_client(oidc_mail_app, "squatter")
    assert squatter.post("/auth/email", json={"email": VICTIM}).status_code == 202  # never confirmed
    provider.person = Person(sub="owner-at-provider", email=VICTIM, email_verified=True)
    c = oidc_mail_app.test_client()
    assert sign_in(c).status_code == 303
    assert signed_in_as(c) not in (None, "squatter")


def test_adding_a_taken_address_answers_like_a_free_one(oidc_mail_app: Flask, sink: MailSink) -> None:
    """POST /auth/email is no oracle: the same 202 and body; only the free address is mailed."""
    cli(oidc_mail_app, "users", "create", "alice", "--password-stdin", "--email", ADDRESS)
    add_user(oidc_mail_app, "bob", "some long passphrase")
    bob = password_client(oidc_mail_app, "bob", "some long passphrase")
    taken = bob.post("/auth/email", json={"email": ADDRESS.upper()})
    free = bob.post("/auth/email", json={"email": "free@mail.test"})
    settle(oidc_mail_app)
    assert (taken.status_code, taken.get_json()) == (free.status_code, free.get_json())
    assert sink.wait_for("free@mail.test")
    assert sink.to(ADDRESS) == []


def test_an_address_stored_as_claimed_but_never_verified_claims_nothing(oidc_mail_app: Flask, sink: MailSink) -> None:
    """A row as the old provider sign-in wrote it (``email_key`` without ``email_verified_at``),
    before the migration clears it: still no mailed link."""
    add_user(oidc_mail_app, "squatter")
    with oidc_mail_app.app_context():
        db.session.execute(update(User).values(email=VICTIM, email_key=VICTIM, email_verified_at=None))
        db.session.commit()
    assert oidc_mail_app.test_client().post("/auth/password/forgot", json={"email": VICTIM}).status_code == 202
    settle(oidc_mail_app)
    assert sink.to(VICTIM) == []


# --- 2. changing or confirming an address ends the mailed tokens ------------------------------


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], sink: MailSink) -> Flask:
    app = make_app(MAIL_URL=sink.url, ALLOW_MAGIC_LINKS="true")
    cli(app, "users", "create", "alice", "--password-stdin", "--email", ADDRESS)
    return app


def test_a_reset_mailed_to_the_old_address_dies_when_the_address_changes(mail_app: Flask, sink: MailSink) -> None:
    token = mailed_token(mail_app, sink, "/auth/password/forgot")  # to the old address
    alice = password_client(mail_app)
    assert alice.post("/auth/email", json={"email": "new@mail.test"}).status_code == 202
    settle(mail_app)
    link = link_in(sink.wait_for("new@mail.test"))
    assert mail_app.test_client().post("/auth/email/verify", json={"token": token_of(link)}).status_code == 200

    reply = mail_app.test_client().post("/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD})
    assert reply.status_code == 400, reply.get_json()
    assert reply.get_json()["error"] == "invalid_token"
    assert can_log_in(mail_app, PASSWORD) and not can_log_in(mail_app, NEW_PASSWORD)


def test_a_reset_mailed_while_a_change_is_pending_dies_when_the_new_address_is_confirmed(
    mail_app: Flask, sink: MailSink
) -> None:
    alice = password_client(mail_app)
    assert alice.post("/auth/email", json={"email": "new@mail.test"}).status_code == 202
    settle(mail_app)
    link = link_in(sink.wait_for("new@mail.test"))
    token = mailed_token(mail_app, sink, "/auth/password/forgot", count=2)  # the old address still counts
    assert mail_app.test_client().post("/auth/email/verify", json={"token": token_of(link)}).status_code == 200
    reply = mail_app.test_client().post("/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD})
    assert reply.status_code == 400 and reply.get_json()["error"] == "invalid_token"
    assert can_log_in(mail_app, PASSWORD)


def test_asking_for_a_new_address_ends_the_outstanding_mailed_tokens(mail_app: Flask, sink: MailSink) -> None:
    reset = mailed_token(mail_app, sink, "/auth/password/forgot")
    magic = mailed_token(mail_app, sink, "/auth/magic-link", count=2)
    alice = password_client(mail_app)
    assert alice.post("/auth/email", json={"email": "new@mail.test"}).status_code == 202
    settle(mail_app)
    c = mail_app.test_client()
    assert c.post("/auth/password/reset", json={"token": reset, "new_password": NEW_PASSWORD}).status_code == 400
    assert c.post("/auth/magic-link/verify", json={"token": magic}).status_code == 400
    assert signed_in_as(c) is None


# --- 3. MFA_REQUIRED_ROLES on the built-in account page ---------------------------------------


def test_the_account_page_refuses_a_password_change_to_a_user_who_must_enrol(make_app: Callable[..., Flask]) -> None:
    app = make_app(MFA_REQUIRED_ROLES="admin")
    add_user(app, "root", roles=("admin",))
    root = password_client(app, "root")
    assert root.post(
        "/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    ).status_code == (403)
    reply = root.post(
        "/auth/account/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_repeat": NEW_PASSWORD},
    )
    assert reply.status_code == 303 and "error=mfa_enrolment_required" in reply.location, reply.location
    assert can_log_in(app, PASSWORD, "root") and not can_log_in(app, NEW_PASSWORD, "root")
    assert root.get(reply.location).status_code == 200  # the page itself stays open, to enrol there

    enrol_totp(root)
    done = root.post(
        "/auth/account/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_repeat": NEW_PASSWORD},
    )
    assert done.status_code == 303 and "notice=password-changed" in done.location


def test_a_user_who_must_enrol_may_still_sign_out_everywhere_from_the_page(make_app: Callable[..., Flask]) -> None:
    app = make_app(MFA_REQUIRED_ROLES="admin")
    add_user(app, "root", roles=("admin",))
    root = password_client(app, "root")
    reply = root.post("/auth/account/logout-all", data={})
    assert reply.status_code == 303 and reply.location.startswith("/auth/login")


# --- 4. at most five codes per attempt, concurrently --------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "sqlite":
        yield ""
        return
    with scratch_postgres(request.getfixturevalue("postgres_url")) as url:
        yield url


def race(app: Flask, bodies: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> tuple[list[int], list[str]]:
    """Send ``bodies`` at once on one ``mfa_pending`` attempt; every request reads the attempt
    before any goes on (a barrier makes that certain). Returns the statuses and the codes checked."""
    import auth.mfa.attempts as attempts
    import auth.mfa.views as views

    pending = set_cookies(app.test_client().post("/auth/login", json={"username": "alice", "password": PASSWORD}))
    cookie = pending["mfa_pending"]["value"]
    arrived = threading.Barrier(len(bodies), timeout=30)
    real_find, real_check = attempts.find, views.check_code
    checked: list[str] = []
    statuses: list[int] = []

    def find_together(*args, **kwargs):
        found = real_find(*args, **kwargs)
        arrived.wait()
        return found

    def counting_check(method, user, code):
        checked.append(code)
        return real_check(method, user, code)

    monkeypatch.setattr(attempts, "find", find_together)
    monkeypatch.setattr(views, "check_code", counting_check)

    def send(body: dict[str, str]) -> None:
        client = app.test_client()
        client.set_cookie("mfa_pending", cookie, path="/auth")
        statuses.append(client.post("/auth/mfa/verify", json=body).status_code)

    threads = [threading.Thread(target=send, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.undo()
    assert len(statuses) == len(bodies), statuses
    return statuses, checked


@pytest.fixture
def db_app(make_app: Callable[..., Flask], database_url: str) -> Iterator[Flask]:
    """alice with an authenticator app, on SQLite or a fresh PostgreSQL database."""
    app = make_app(**({"DATABASE_URL": database_url} if database_url else {}))
    with app.app_context():
        db.drop_all()
        db.create_all()
    add_user(app)
    app.config["recovery_codes"] = enrol_totp(password_client(app))[1]
    yield app
    with app.app_context():
        db.engine.dispose()


WRONG = {"method": "totp", "code": "000000"}


def test_twelve_concurrent_wrong_codes_get_at_most_five_checked(db_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    statuses, checked = race(db_app, [WRONG] * 12, monkeypatch)
    assert set(statuses) <= {401, 429}, statuses
    assert len(checked) <= 5, f"{len(checked)} codes were checked for one attempt"
    assert len(checked) == 5 and statuses.count(429) >= 8, (checked, statuses)


def test_a_right_code_racing_wrong_ones_signs_in_at_most_once_and_never_fails(
    db_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    right = {"method": "recovery_code", "code": db_app.config["recovery_codes"][0]}
    statuses, checked = race(db_app, [right] + [WRONG] * 11, monkeypatch)
    assert set(statuses) <= {200, 401, 429}, statuses
    assert statuses.count(200) <= 1 and len(checked) <= 5, (statuses, checked)


# --- 5. a locked account: no reset, no mail ----------------------------------------------------


def test_a_reset_of_a_locked_account_changes_nothing(mail_app: Flask, sink: MailSink) -> None:
    other = password_client(mail_app)
    token = mailed_token(mail_app, sink, "/auth/password/forgot")
    cli(mail_app, "users", "lock", "alice")
    reply = mail_app.test_client().post("/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD})
    assert reply.status_code == 403, reply.get_json()
    cli(mail_app, "users", "unlock", "alice")
    assert not can_log_in(mail_app, NEW_PASSWORD), "the locked account's password was changed"
    assert can_log_in(mail_app, PASSWORD)
    assert other.get("/auth/me").status_code == 401  # (the lock itself ended it)


@pytest.mark.parametrize("path", ["/auth/password/forgot", "/auth/magic-link"])
def test_a_locked_account_gets_no_mailed_link(mail_app: Flask, sink: MailSink, path: str) -> None:
    cli(mail_app, "users", "lock", "alice")
    assert mail_app.test_client().post(path, json={"email": ADDRESS}).status_code == 202
    settle(mail_app)
    assert sink.to(ADDRESS) == []


# --- 6. passkey login options ----------------------------------------------------------------------


def test_login_options_answer_alike_for_every_username(app: Flask) -> None:
    add_user(app)
    add_user(app, "bob")
    enrol(password_client(app), SoftAuthenticator("localhost", "http://localhost:3000"))
    shapes = {}
    for name in ("alice", "bob", "nobody-here"):
        options = login_options(app.test_client(), username=name)
        shapes[name] = {key: value for key, value in options.items() if key != "challenge"}
    assert shapes["alice"] == shapes["bob"] == shapes["nobody-here"], shapes


def test_login_options_are_rate_limited_per_address(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATELIMIT_ENABLED="true", RATELIMIT_PASSKEY_OPTIONS_IP="3 per minute")
    client = app.test_client()
    statuses = [client.post("/auth/passkeys/login/options", json={}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = app.test_client().post("/auth/passkeys/login/options", json={}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 200


# --- 7. a cap on a user's consecutive second-factor failures -------------------------------------


def five_wrong_codes(app: Flask) -> list[int]:
    client = app.test_client()
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).get_json()["mfa_required"]
    statuses = [
        client.post("/auth/mfa/verify", json={"method": "totp", "code": "000000"}).status_code for _ in range(5)
    ]
    with app.app_context():  # five minutes pass: the attempt's budget would renew
        db.session.execute(update(MfaAttempt).values(created_at=MfaAttempt.created_at - 301))
        db.session.commit()
    return statuses


def test_a_hundred_consecutive_failures_stop_the_second_step_until_an_operator_unlocks(app: Flask) -> None:
    add_user(app)
    totp, _ = enrol_totp(password_client(app))
    for _ in range(20):
        assert five_wrong_codes(app) == [401, 401, 401, 401, 429]
    client = app.test_client()
    client.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    capped = client.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(totp, 1)})
    assert capped.status_code == 423, capped.get_json()
    assert capped.get_json()["error"] == "mfa_failures_capped"
    assert "access_token" not in set_cookies(capped)

    cli(app, "users", "unlock", "alice")
    client.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    done = client.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(totp, 1)})
    assert done.status_code == 200, done.get_json()


def test_a_right_code_starts_the_count_again(app: Flask) -> None:
    add_user(app)
    totp, codes = enrol_totp(password_client(app))
    for _ in range(19):
        five_wrong_codes(app)
    client = app.test_client()
    client.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    assert client.post("/auth/mfa/verify", json={"method": "recovery_code", "code": codes[0]}).status_code == 200
    for _ in range(19):
        assert five_wrong_codes(app) == [401, 401, 401, 401, 429]
    client.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    assert client.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(totp, 1)}).status_code == 200


def test_reauthentication_codes_count_toward_the_same_cap(app: Flask) -> None:
    add_user(app)
    signed_in = password_client(app)
    totp, _ = enrol_totp(signed_in)
    wrong = {"method": "totp", "code": "000000"}
    assert [signed_in.post("/auth/reauthenticate", json=wrong).status_code for _ in range(100)] == [401] * 100
    capped = signed_in.post("/auth/reauthenticate", json={"method": "totp", "code": at_step(totp, 1)})
    assert capped.status_code == 423 and capped.get_json()["error"] == "mfa_failures_capped"
    client = app.test_client()
    client.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    assert client.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(totp, 1)}).status_code == 423


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MFA_FAILURE_CAP", "101"),
        ("MFA_FAILURE_CAP", "4"),
        ("MFA_FAILURE_CAP", "many"),
        ("RATELIMIT_PASSKEY_OPTIONS_IP", "lots"),
    ],
)
def test_bad_new_settings_stop_the_server_naming_the_variable(
    make_app: Callable[..., Flask], name: str, value: str
) -> None:
    with pytest.raises(ConfigError, match=name):
        make_app(**{name: value})


@pytest.mark.live
@pytest.mark.postgres
def test_concurrent_wrong_codes_against_a_real_server_get_at_most_five_checked(
    live_server: LiveServers, postgres_url: str
) -> None:
    """No instrumentation: twelve requests at once to gunicorn (two workers, threads) on PostgreSQL;
    the server's own audit lines say how many codes it found wrong."""
    with scratch_postgres(postgres_url) as database:
        env = live_server.env(DATABASE_URL=database)
        live_server.prepare(env, {"alice": PASSWORD})
        url = live_server.start(env, workers=2, threads=8)
        first = requests.post(url + "/auth/login", json={"username": "alice", "password": PASSWORD}, timeout=30)
        cookies = {"access_token": first.cookies["access_token"]}
        secret = requests.post(url + "/auth/mfa/totp/setup", cookies=cookies, timeout=30).json()["secret"]
        code = pyotp.TOTP(secret).now()
        assert requests.post(url + "/auth/mfa/totp/confirm", json={"code": code}, cookies=cookies, timeout=30).ok
        pending = requests.post(url + "/auth/login", json={"username": "alice", "password": PASSWORD}, timeout=30)
        attempt = {"mfa_pending": pending.cookies["mfa_pending"]}

        together = threading.Barrier(12, timeout=30)
        statuses: list[int] = []

        def guess() -> None:
            together.wait()
            body = {"method": "totp", "code": "000000"}
            statuses.append(requests.post(url + "/auth/mfa/verify", json=body, cookies=attempt, timeout=60).status_code)

        threads = [threading.Thread(target=guess) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        live_server.stop_all()  # every audit line is written out
        assert sorted(set(statuses)) in ([401, 429], [429]) and len(statuses) == 12, statuses
        wrong = sum(log.read_text().count('"event": "mfa_failed"') for log in live_server.logs)
        assert 1 <= wrong <= 5, f"the server checked {wrong} wrong codes for one attempt"


def test_the_migration_clears_claims_of_never_verified_addresses(tmp_path: Path) -> None:
    """Rows written by the old provider sign-in (``email_key`` without ``email_verified_at``) lose the claim."""
    url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    env = server_env(tmp_path, DATABASE_URL=url)
    assert flask_cli(env, "db", "upgrade", "140000000001").returncode == 0
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        for user_id, key, verified in ((1, "squatted@mail.test", None), (2, "owned@mail.test", 1.0)):
            connection.execute(
                sqlalchemy.text(
                    "INSERT INTO users (id, username, username_key, password_hash, roles, created_at, "
                    "email, email_key, email_verified_at) VALUES (:id, :name, :name, '', '[]', 0, :key, :key, :at)"
                ),
                {"id": user_id, "name": f"user{user_id}", "key": key, "at": verified},
            )
    result = flask_cli(env, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    with engine.begin() as connection:
        rows = connection.execute(sqlalchemy.text("SELECT id, email, email_key, mfa_failures FROM users ORDER BY id"))
        assert [tuple(row) for row in rows] == [
            (1, "squatted@mail.test", None, 0),
            (2, "owned@mail.test", "owned@mail.test", 0),
        ]
    engine.dispose()

"""Passkeys against a software authenticator: registration, sign-in without a password, and every refusal."""

from __future__ import annotations

import time

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, add_user
from tests.helpers import set_cookies
from tests.webauthn_authenticator import SoftAuthenticator, b64url

FRONTEND = "http://localhost:3000"


@pytest.fixture
def signed_in(app: Flask) -> FlaskClient:
    add_user(app)
    client = app.test_client()
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    return client


def enrol(client: FlaskClient, authenticator: SoftAuthenticator, name: str = "Laptop") -> dict:
    options = client.post("/auth/passkeys/register/options").get_json()["options"]
    reply = client.post("/auth/passkeys/register", json={"credential": authenticator.register(options), "name": name})
    assert reply.status_code == 201, reply.get_json()
    return reply.get_json()["passkey"]


def login_options(client: FlaskClient, **body: str) -> dict:
    reply = client.post("/auth/passkeys/login/options", json=body)
    assert reply.status_code == 200
    return reply.get_json()["options"]


def test_registration_options_ask_for_a_discoverable_credential_without_attestation(signed_in: FlaskClient) -> None:
    options = signed_in.post("/auth/passkeys/register/options").get_json()["options"]
    assert options["rp"]["id"] == "localhost"
    assert options["attestation"] == "none"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"


def test_a_passkey_signs_in_without_a_password_and_counts_as_both_factors(app: Flask, signed_in: FlaskClient) -> None:
    authenticator = SoftAuthenticator("localhost", FRONTEND)
    passkey = enrol(signed_in, authenticator)
    assert [p["name"] for p in signed_in.get("/auth/passkeys").get_json()["passkeys"]] == ["Laptop"]

    browser = app.test_client()
    options = login_options(browser)  # no username: discoverable
    assert "allowCredentials" not in options or not options["allowCredentials"]
    reply = browser.post("/auth/passkeys/login", json={"credential": authenticator.assert_(options)})
    assert reply.status_code == 200, reply.get_json()
    assert "mfa_required" not in reply.get_json()
    assert {"access_token", "refresh_token"} <= set(set_cookies(reply))
    assert browser.get("/auth/me").get_json()["user"]["username"] == "alice"

    # A username changes nothing: no credential is listed (that would tell who has passkeys).
    assert login_options(app.test_client(), username="alice").get("allowCredentials") in (None, [])
    assert b64url(authenticator.credential_id) not in str(login_options(app.test_client(), username="alice"))
    assert passkey["name"] == "Laptop"


def _refused(app: Flask, credential: dict) -> None:
    reply = app.test_client().post("/auth/passkeys/login", json={"credential": credential})
    assert reply.status_code == 401, reply.get_json()
    assert reply.get_json()["success"] is False
    assert "access_token" not in set_cookies(reply)


def test_a_bad_signature_is_refused(app: Flask, signed_in: FlaskClient) -> None:
    authenticator = SoftAuthenticator("localhost", FRONTEND)
    enrol(signed_in, authenticator)
    _refused(app, authenticator.assert_(login_options(app.test_client()), bad_signature=True))


def test_a_wrong_origin_is_refused(app: Flask, signed_in: FlaskClient) -> None:
    authenticator = SoftAuthenticator("localhost", FRONTEND)
    enrol(signed_in, authenticator)
    _refused(app, authenticator.assert_(login_options(app.test_client()), origin="https://evil.example"))


def test_a_wrong_rp_id_is_refused(app: Flask, signed_in: FlaskClient) -> None:
    authenticator = SoftAuthenticator("localhost", FRONTEND)
    enrol(signed_in, authenticator)
    _refused(app, authenticator.assert_(login_options(app.test_client()), rp_id="evil.example"))


def test_a_replayed_challenge_is_refused(app: Flask, signed_in: FlaskClient) -> None:
    authenticator = SoftAuthenticator("localhost", FRONTEND)
    enrol(signed_in, authenticator)
    options = login_options(app.test_client())
    first = app.test_client().post("/auth/passkeys/login", json={"credential": authenticator.assert_(options)})
    assert first.status_code == 200
    # The same challenge answered again, even with a fresh valid signature and a higher count.
    _refused(app, authenticator.assert_(options))


def test_a_sign_count_that_goes_back_is_refused(app: Flask, signed_in: FlaskClient) -> None:
    authenticator = SoftAuthenticator("localhost", FRONTEND)
    enrol(signed_in, authenticator)
    authenticator.sign_count = 10
    ok = app.test_client().post(
        "/auth/passkeys/login", json={"credential": authenticator.assert_(login_options(app.test_client()))}
    )
    assert ok.status_code == 200
    authenticator.sign_count = 5  # a clone still counting from an older state
    _refused(app, authenticator.assert_(login_options(app.test_client())))


def test_unknown_credentials_and_stale_challenges_are_refused(app: Flask, signed_in: FlaskClient, monkeypatch) -> None:
    known = SoftAuthenticator("localhost", FRONTEND)
    enrol(signed_in, known)
    _refused(app, SoftAuthenticator("localhost", FRONTEND).assert_(login_options(app.test_client())))
    options = login_options(app.test_client())
    later = time.time() + 301
    monkeypatch.setattr("auth.mfa.passkey_views.time.time", lambda: later)
    _refused(app, known.assert_(options))


def test_registration_is_refused_for_a_wrong_origin_or_a_foreign_challenge(app: Flask, signed_in: FlaskClient) -> None:
    options = signed_in.post("/auth/passkeys/register/options").get_json()["options"]
    wrong = SoftAuthenticator("localhost", "https://evil.example").register(options)
    assert signed_in.post("/auth/passkeys/register", json={"credential": wrong}).status_code == 400
    # A sign-in challenge cannot register a key.
    sign_in_options = login_options(app.test_client())
    foreign = SoftAuthenticator("localhost", FRONTEND).register({**options, "challenge": sign_in_options["challenge"]})
    assert signed_in.post("/auth/passkeys/register", json={"credential": foreign}).status_code == 400
    assert signed_in.get("/auth/passkeys").get_json()["passkeys"] == []


def test_removal_needs_a_recent_sign_in(app: Flask, signed_in: FlaskClient, monkeypatch) -> None:
    passkey = enrol(signed_in, SoftAuthenticator("localhost", FRONTEND))
    later = time.time() + 301
    monkeypatch.setattr("auth.web.recent.time.time", lambda: later)
    refused = signed_in.delete(f"/auth/passkeys/{passkey['id']}")
    assert refused.status_code == 403 and refused.get_json()["error"] == "reauth_required"
    assert len(signed_in.get("/auth/passkeys").get_json()["passkeys"]) == 1
    monkeypatch.setattr("auth.web.views.time.time", lambda: later)
    assert signed_in.post("/auth/reauthenticate", json={"password": PASSWORD}).status_code == 200
    assert signed_in.delete(f"/auth/passkeys/{passkey['id']}").status_code == 200
    assert signed_in.delete(f"/auth/passkeys/{passkey['id']}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [{}, {"credential": "x"}, {"credential": {"id": "x"}}, {"credential": {"response": {}}}, {"credential": []}],
)
def test_malformed_credentials_get_a_json_4xx(app: Flask, signed_in: FlaskClient, body: dict) -> None:
    for client, path in ((app.test_client(), "/auth/passkeys/login"), (signed_in, "/auth/passkeys/register")):
        reply = client.post(path, json=body)
        assert 400 <= reply.status_code < 500, (path, body)
        assert reply.get_json()["success"] is False


def test_a_passkey_without_user_verification_is_one_factor(app: Flask, signed_in: FlaskClient) -> None:
    authenticator = SoftAuthenticator("localhost", FRONTEND, user_verified=False)
    enrol(signed_in, authenticator)
    # The passkey is the only factor: it signs in alone.
    alone = app.test_client().post(
        "/auth/passkeys/login", json={"credential": authenticator.assert_(login_options(app.test_client()))}
    )
    assert alone.status_code == 200 and "mfa_required" not in alone.get_json()
    # With an authenticator app too, the app's code is asked for.
    secret = signed_in.post("/auth/mfa/totp/setup").get_json()["secret"]
    assert signed_in.post("/auth/mfa/totp/confirm", json={"code": pyotp.TOTP(secret).now()}).status_code == 200
    browser = app.test_client()
    step = browser.post("/auth/passkeys/login", json={"credential": authenticator.assert_(login_options(browser))})
    assert step.get_json()["mfa_required"] is True and step.get_json()["methods"] == ["totp", "recovery_code"]
    assert set(set_cookies(step)) == {"mfa_pending"}


def test_a_password_alone_does_not_sign_in_a_user_with_a_passkey(app: Flask, signed_in: FlaskClient) -> None:
    enrol(signed_in, SoftAuthenticator("localhost", FRONTEND))
    reply = app.test_client().post("/auth/login", json={"username": "alice", "password": PASSWORD})
    assert reply.get_json()["mfa_required"] is True and reply.get_json()["methods"] == ["passkey"]
    assert set(set_cookies(reply)) == {"mfa_pending"}

"""The built-in pages of the second-factor capability, and their replies against the OpenAPI document."""

from __future__ import annotations

import re
import time

import pyotp
from flask import Flask, render_template

from auth.web.headers import allow_page_script
from tests.conftest import PASSWORD, add_user
from tests.test_openapi import check_reply
from tests.webauthn_authenticator import SoftAuthenticator


def test_the_sign_in_page_links_to_the_passkey_page_and_stays_script_free(client) -> None:
    page = client.get("/auth/login")
    assert b'href="/auth/passkeys/login"' in page.data
    assert "script-src" not in page.headers["Content-Security-Policy"]


def test_the_passkey_page_runs_only_its_own_nonced_script(client) -> None:
    page = client.get("/auth/passkeys/login?next=https://evil.example/")
    csp = page.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src 'nonce-([^']+)'", csp)
    assert nonce and f'<script nonce="{nonce.group(1)}">'.encode() in page.data
    assert "connect-src 'self'" in csp and "unsafe-inline" not in csp
    assert b"evil.example" not in page.data  # next is kept only on an allowed origin


def test_the_account_page_shows_the_second_factor_section_with_its_nonced_script(app: Flask) -> None:
    add_user(app)
    client = app.test_client()
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    page = client.get("/auth/account")
    assert page.status_code == 200
    assert 'id="second-factors-heading">Second factors</h2>' in page.text
    assert '<div id="mfa-account">' in page.text and 'id="totp-setup"' in page.text
    csp = page.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src 'nonce-([^']+)'", csp)
    assert nonce, csp
    scripts = re.findall(r"<script[^>]*>", page.text)
    assert scripts == [f'<script nonce="{nonce.group(1)}">'] * 3  # this section's, the organisations' and the API keys'

    assert "connect-src 'self'" in csp and "unsafe-inline" not in csp
    # Only the account page opted in: the password sign-in page still runs no script.
    login = client.get("/auth/login")
    assert "script-src" not in login.headers["Content-Security-Policy"] and "<script" not in login.text


def test_the_account_partial_renders(app: Flask) -> None:
    with app.test_request_context("/"):
        html = render_template("mfa/account.html", nonce=allow_page_script())
    assert 'id="totp-setup"' in html and "/auth/passkeys/register/options" in html


def test_second_factor_replies_match_the_document(app: Flask) -> None:
    api = app
    add_user(api)
    client = api.test_client()
    check_reply(client.post("/auth/login", json={"username": "alice", "password": PASSWORD}), "/auth/login", "post")
    check_reply(client.get("/auth/mfa"), "/auth/mfa", "get")
    setup = client.post("/auth/mfa/totp/setup")
    check_reply(setup, "/auth/mfa/totp/setup", "post")
    totp = pyotp.TOTP(setup.get_json()["secret"])
    check_reply(client.post("/auth/mfa/totp/confirm", json={"code": "000000"}), "/auth/mfa/totp/confirm", "post")
    check_reply(client.post("/auth/mfa/totp/confirm", json={"code": totp.now()}), "/auth/mfa/totp/confirm", "post")
    check_reply(client.post("/auth/mfa/recovery-codes"), "/auth/mfa/recovery-codes", "post")

    options = client.post("/auth/passkeys/register/options")
    check_reply(options, "/auth/passkeys/register/options", "post")
    authenticator = SoftAuthenticator("localhost", "http://localhost:3000")
    credential = authenticator.register(options.get_json()["options"])
    added = client.post("/auth/passkeys/register", json={"credential": credential, "name": "Key"})
    check_reply(added, "/auth/passkeys/register", "post")
    check_reply(client.get("/auth/passkeys"), "/auth/passkeys", "get")

    second = api.test_client()
    pending = second.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    check_reply(pending, "/auth/login", "post")
    check_reply(second.post("/auth/mfa/verify", json={"method": "totp", "code": "1"}), "/auth/mfa/verify", "post")
    done = second.post("/auth/mfa/verify", json={"method": "totp", "code": totp.at(time.time() + 30)})
    assert done.status_code == 200
    check_reply(done, "/auth/mfa/verify", "post")
    login_options = api.test_client().post("/auth/passkeys/login/options", json={})
    check_reply(login_options, "/auth/passkeys/login/options", "post")
    signed = api.test_client().post(
        "/auth/passkeys/login", json={"credential": authenticator.assert_(login_options.get_json()["options"])}
    )
    assert signed.status_code == 200
    check_reply(signed, "/auth/passkeys/login", "post")
    removed = client.delete(f"/auth/passkeys/{added.get_json()['passkey']['id']}")
    check_reply(removed, "/auth/passkeys/{passkey_id}", "delete")
    check_reply(client.delete("/auth/mfa/totp"), "/auth/mfa/totp", "delete")
    check_reply(client.delete("/auth/mfa/totp"), "/auth/mfa/totp", "delete")

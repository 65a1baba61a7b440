"""The built-in account page: sessions, sign out everywhere, password change, slots, CSRF."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from auth.web.account_page import fill_account_slot
from tests.conftest import PASSWORD, add_user

NEW_PASSWORD = "a much longer new passphrase 42"


def signed_in(app: Flask, name: str = "alice", password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    reply = client.post("/auth/login", json={"username": name, "password": password})
    assert reply.status_code == 200, reply.json
    return client


def session_ids(page: str) -> list[str]:
    return re.findall(r'data-session-id="([^"]+)"', page)


def current_session(client: FlaskClient) -> str:
    return next(s["id"] for s in client.get("/auth/sessions").json["sessions"] if s["current"])


@pytest.fixture
def alice(app: Flask) -> Flask:
    add_user(app)
    return app


def test_without_a_session_the_page_sends_to_the_sign_in_form_coming_back_here(client):
    reply = client.get("/auth/account")
    assert reply.status_code == 303
    assert reply.headers["Location"] == "/auth/login?next=/auth/account"
    form = client.get(reply.headers["Location"])
    assert '<form method="post" action="/auth/login">' in form.text
    assert 'name="next" value="/auth/account"' in form.text


def test_the_page_shows_the_profile_and_live_sessions_under_a_strict_csp(alice):
    laptop, phone = signed_in(alice), signed_in(alice)
    reply = laptop.get("/auth/account")
    assert reply.status_code == 200
    assert '<dd id="username">alice</dd>' in reply.text
    assert sorted(session_ids(reply.text)) == sorted([current_session(laptop), current_session(phone)])
    assert reply.text.count("(this device)") == 1
    csp = reply.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    # The only scripts are the second-factor section's (tests/test_mfa_pages.py), the API keys' and the organisations'.
    assert reply.text.count("<script") == 3
    assert all(name in reply.text for name in ("mfa-account", "api-keys-account", "orgs-account"))


def test_without_a_scripted_slot_the_page_runs_no_script(alice, tmp_path):
    (tmp_path / "slot").mkdir()
    (tmp_path / "slot" / "plain.html").write_text('<p id="plain-factors">none</p>')
    alice.jinja_loader.searchpath.append(str(tmp_path / "slot"))  # type: ignore[union-attr]
    fill_account_slot(alice, "second-factors", "plain.html")  # replaces the scripted sections
    fill_account_slot(alice, "api-keys", "plain.html")
    fill_account_slot(alice, "organisations", "plain.html")
    reply = signed_in(alice).get("/auth/account")
    assert '<p id="plain-factors">none</p>' in reply.text
    assert "script-src" not in reply.headers["Content-Security-Policy"] and "<script" not in reply.text


def test_every_field_has_a_label_and_errors_are_announced(alice):
    client = signed_in(alice)
    page = client.get("/auth/account?error=mismatch").text
    for field in re.findall(r'<input id="([^"]+)"', page):
        assert f'<label for="{field}">' in page, field
    assert '<p class="error" role="alert" id="error">The new passwords do not match.</p>' in page
    assert 'role="status"' in client.get("/auth/account?notice=session-ended").text


def test_unknown_codes_are_not_echoed(alice):
    page = signed_in(alice).get("/auth/account?error=<b>phish</b>&notice=call%20us").text
    assert "phish" not in page and "call us" not in page and 'role="alert" id="error"' not in page


def test_signing_out_another_session_refuses_its_token(alice):
    laptop, phone = signed_in(alice), signed_in(alice)
    reply = laptop.post(f"/auth/account/sessions/{current_session(phone)}/end", data={})
    assert reply.status_code == 303 and reply.headers["Location"] == "/auth/account?notice=session-ended"
    assert phone.get("/auth/me").status_code == 401
    assert laptop.get("/auth/me").status_code == 200


def test_signing_out_this_session_goes_to_the_sign_in_page_with_cookies_expired(alice):
    client = signed_in(alice)
    reply = client.post(f"/auth/account/sessions/{current_session(client)}/end", data={})
    assert reply.status_code == 303 and reply.headers["Location"].startswith("/auth/login")
    assert any(c.startswith("access_token=;") for c in reply.headers.getlist("Set-Cookie"))
    assert client.get("/auth/me").status_code == 401


def test_another_users_session_cannot_be_ended(alice):
    add_user(alice, "bob")
    bob = signed_in(alice, "bob")
    mallory = signed_in(alice)
    reply = mallory.post(f"/auth/account/sessions/{current_session(bob)}/end", data={})
    assert reply.headers["Location"] == "/auth/account?error=no-such-session"
    assert bob.get("/auth/me").status_code == 200


def test_sign_out_everywhere_ends_every_session(alice):
    laptop, phone = signed_in(alice), signed_in(alice)
    reply = laptop.post("/auth/account/logout-all", data={})
    assert reply.status_code == 303 and reply.headers["Location"].startswith("/auth/login")
    assert laptop.get("/auth/me").status_code == 401 and phone.get("/auth/me").status_code == 401


def change(client: FlaskClient, current: str, new: str, repeat: str | None = None):
    return client.post(
        "/auth/account/password",
        data={"current_password": current, "new_password": new, "new_password_repeat": repeat or new},
    )


@pytest.mark.parametrize(
    ("current", "new", "repeat", "code"),
    [
        ("wrong password", NEW_PASSWORD, None, "wrong-password"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "mismatch"),
        (PASSWORD, "short", None, "weak-password"),
    ],
    ids=["wrong-current", "repeat-differs", "weak-new"],
)
def test_a_refused_password_change_changes_nothing(alice, current, new, repeat, code):
    laptop, phone = signed_in(alice), signed_in(alice)
    reply = change(laptop, current, new, repeat)
    assert reply.headers["Location"] == f"/auth/account?error={code}"
    assert phone.get("/auth/me").status_code == 200
    assert alice.test_client().post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200


def test_a_password_change_keeps_this_session_and_ends_the_others(alice):
    laptop, phone = signed_in(alice), signed_in(alice)
    reply = change(laptop, PASSWORD, NEW_PASSWORD)
    assert reply.headers["Location"] == "/auth/account?notice=password-changed"
    assert laptop.get("/auth/me").status_code == 200 and phone.get("/auth/me").status_code == 401
    signed_in(alice, password=NEW_PASSWORD)


def test_wrong_current_passwords_are_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED="true", RATELIMIT_PASSWORD_USER="3 per minute")
    add_user(app)
    client = signed_in(app)
    statuses = [change(client, f"guess {n}", NEW_PASSWORD).status_code for n in range(4)]
    assert statuses == [303, 303, 303, 429]


def test_a_stale_access_token_is_refreshed_by_the_page(alice):
    client = signed_in(alice)
    client.delete_cookie("access_token")
    reply = client.get("/auth/account")
    assert '<dd id="username">alice</dd>' in reply.text
    assert any(c.startswith("access_token=ey") for c in reply.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"json": {"current_password": PASSWORD}}, 415),
        ({"data": {"current_password": PASSWORD}}, 400),
    ],
    ids=["json-body", "missing-fields"],
)
def test_malformed_form_posts_get_json_errors(alice, kwargs, status):
    reply = signed_in(alice).post("/auth/account/password", **kwargs)
    assert reply.status_code == status and reply.json["success"] is False and reply.json["message"]


def test_form_actions_need_a_session(client):
    reply = client.post("/auth/account/logout-all", data={})
    assert reply.status_code == 401 and reply.json["success"] is False


def test_a_form_post_from_another_site_is_refused(alice):
    client = signed_in(alice)
    reply = client.post("/auth/account/logout-all", data={}, headers={"Origin": "https://evil.example"})
    assert reply.status_code == 403
    assert client.get("/auth/me").status_code == 200


def test_double_submit_mode_puts_the_token_in_the_forms(make_app):
    app = make_app(CSRF_MODE="double-submit")
    add_user(app)
    client = signed_in(app)
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/auth/account").text)
    assert token is not None
    assert client.post("/auth/account/logout-all", data={}).status_code == 403
    assert client.post("/auth/account/logout-all", data={"csrf_token": "0" * 64}).status_code == 403
    assert client.post("/auth/account/logout-all", data={"csrf_token": token.group(1)}).status_code == 303


def test_capabilities_fill_their_slots(alice, tmp_path):
    (tmp_path / "slot").mkdir()
    (tmp_path / "slot" / "email_slot.html").write_text('<p id="email-slot">{{ user.username }}@example.test</p>')
    alice.jinja_loader.searchpath.append(str(tmp_path / "slot"))  # type: ignore[union-attr]
    fill_account_slot(alice, "email", "email_slot.html")
    page = signed_in(alice).get("/auth/account").text
    assert '<p id="email-slot">alice@example.test</p>' in page
    assert page.count("Not available on this server.") == 1  # providers; second factors are filled
    with pytest.raises(ValueError, match="unknown account page slot"):
        fill_account_slot(alice, "shoe-size", "x.html")

"""The built-in admin pages: who sees them, each action as a form, confirmations,
recent sign-in, CSRF, no script, and impersonation from a page."""

from __future__ import annotations

import re

from flask import Flask

from models import User, db
from tests.admin_helpers import admin_client, make_sign_in_old, signed_in
from tests.conftest import add_user

FORM = "application/x-www-form-urlencoded"


def test_search_page_lists_and_links_users(app: Flask) -> None:
    uid = add_user(app, "bob")
    _, admin = admin_client(app)
    page = admin.get("/auth/admin?q=bo")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert f'href="/auth/admin/pages/users/{uid}"' in page.text
    assert "<script" not in page.text
    assert "script-src" not in page.headers["Content-Security-Policy"]


def test_pages_send_strangers_to_sign_in_and_refuse_non_admins(app: Flask) -> None:
    add_user(app, "eve")
    reply = app.test_client().get("/auth/admin")
    assert reply.status_code == 303 and reply.headers["Location"].startswith("/auth/login?next=")
    refused = signed_in(app, "eve").get("/auth/admin")
    assert refused.status_code == 403 and refused.json["error"] == "admin_required"


def test_user_page_shows_each_action(app: Flask) -> None:
    uid = add_user(app, "bob")
    _, admin = admin_client(app)
    page = admin.get(f"/auth/admin/pages/users/{uid}").text
    for action in ("roles", "email", "password-reset", "lock", "sessions", "impersonate", "reset-mfa", "delete"):
        assert f'action="/auth/admin/pages/users/{uid}/{action}"' in page, action
    assert page.count('name="confirm"') >= 5


def test_lock_needs_its_confirmation_then_locks(app: Flask) -> None:
    uid = add_user(app, "bob")
    bob = signed_in(app, "bob")
    _, admin = admin_client(app)
    url = f"/auth/admin/pages/users/{uid}/lock"
    unconfirmed = admin.post(url, data={"reason": "spam"}, content_type=FORM)
    assert unconfirmed.status_code == 303 and "error=confirm" in unconfirmed.headers["Location"]
    assert bob.get("/auth/me").status_code == 200
    done = admin.post(url, data={"reason": "spam", "confirm": "yes"}, content_type=FORM)
    assert done.status_code == 303 and "notice=locked" in done.headers["Location"]
    assert bob.get("/auth/me").status_code == 401
    page = admin.get(done.headers["Location"]).text
    assert "The user is locked" in page and "locked: spam" in page
    assert (
        admin.post(f"/auth/admin/pages/users/{uid}/unlock", content_type=FORM)
        .headers["Location"]
        .endswith("notice=unlocked")
    )


def test_roles_form_and_delete(app: Flask) -> None:
    uid = add_user(app, "bob")
    _, admin = admin_client(app)
    admin.post(f"/auth/admin/pages/users/{uid}/roles", data={"roles": "editor, viewer"}, content_type=FORM)
    with app.app_context():
        assert db.session.get(User, uid).roles == ["editor", "viewer"]
    reply = admin.post(f"/auth/admin/pages/users/{uid}/delete", data={"confirm": "yes"}, content_type=FORM)
    assert reply.status_code == 303 and reply.headers["Location"] == "/auth/admin?notice=deleted"
    with app.app_context():
        assert db.session.get(User, uid) is None


def test_actions_need_a_recent_sign_in(app: Flask) -> None:
    uid = add_user(app, "bob")
    admin_id, admin = admin_client(app)
    make_sign_in_old(app, admin_id)
    reply = admin.post(f"/auth/admin/pages/users/{uid}/lock", data={"confirm": "yes"}, content_type=FORM)
    assert "error=reauth" in reply.headers["Location"]
    with app.app_context():
        assert not db.session.get(User, uid).is_locked


def test_a_cross_site_form_post_is_refused(app: Flask) -> None:
    uid = add_user(app, "bob")
    _, admin = admin_client(app)
    reply = admin.post(
        f"/auth/admin/pages/users/{uid}/lock",
        data={"confirm": "yes"},
        content_type=FORM,
        headers={"Origin": "https://evil.example"},
    )
    assert reply.status_code == 403
    with app.app_context():
        assert not db.session.get(User, uid).is_locked


def test_json_to_a_form_action_is_415(app: Flask) -> None:
    uid = add_user(app, "bob")
    _, admin = admin_client(app)
    assert admin.post(f"/auth/admin/pages/users/{uid}/lock", json={"confirm": "yes"}).status_code == 415


def test_impersonating_from_the_page_lands_on_the_account_page_with_a_banner(app: Flask) -> None:
    uid = add_user(app, "bob")
    _, admin = admin_client(app)
    reply = admin.post(f"/auth/admin/pages/users/{uid}/impersonate", data={"confirm": "yes"}, content_type=FORM)
    assert reply.status_code == 303 and reply.headers["Location"] == "/auth/account"
    page = admin.get("/auth/account").text
    assert re.search(r'id="impersonation-banner"[^<]*You \(root\) are signed in as this user', page)
    assert 'id="username">bob<' in page
    assert admin.get("/auth/admin").json["error"] == "impersonation_forbidden"


def test_impersonating_an_admin_from_the_page_says_why(app: Flask) -> None:
    other = add_user(app, "chief", roles=("admin",))
    _, admin = admin_client(app)
    reply = admin.post(f"/auth/admin/pages/users/{other}/impersonate", data={"confirm": "yes"}, content_type=FORM)
    assert "error=admin-target" in reply.headers["Location"]
    assert "Administrators cannot be impersonated" in admin.get(reply.headers["Location"]).text


def test_audit_page_lists_events(app: Flask) -> None:
    uid = add_user(app, "bob")
    signed_in(app, "bob")
    _, admin = admin_client(app)
    page = admin.get(f"/auth/admin/pages/audit?user={uid}").text
    assert 'data-event="login"' in page and 'data-event="user_created"' in page
    assert 'data-event="user_created"' not in admin.get("/auth/admin/pages/audit?event=login").text


def test_the_front_page_lists_the_apps_that_sign_in_through_this_server(app: Flask) -> None:
    _, admin = admin_client(app)
    assert "Apps that sign in through this server" in admin.get("/auth/admin").text
    made = app.test_cli_runner().invoke(args=["clients", "create", "Grafana", "--redirect-uri", "https://g.test/cb"])
    assert made.exit_code == 0, made.output
    page = admin.get("/auth/admin").text
    row = re.search(r"<tr><td>Grafana</td><td>([^<]+)</td><td>https://g.test/cb</td><td>no</td></tr>", page)
    assert row is not None, page
    assert row.group(1) in made.output  # the client id the operator was given
    assert "secret" not in page.lower()

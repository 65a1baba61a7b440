"""Audit events as database rows: written in the change's transaction, listed by the
admin API with filters and cursors, written by the CLI too, pruned by age; and the
user search's prefix, filters and keyset pages."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlalchemy import select

from auth.core.audit import audit
from models import AuditEvent, Identity, User, db
from tests.admin_helpers import admin_client, give_totp, signed_in
from tests.conftest import PASSWORD, add_user


def names(app: Flask, **where: object) -> list[str]:
    with app.app_context():
        statement = select(AuditEvent.event).order_by(AuditEvent.id)
        for column, value in where.items():
            statement = statement.where(getattr(AuditEvent, column) == value)
        return list(db.session.scalars(statement))


def test_a_row_commits_with_its_change_and_rolls_back_with_it(app: Flask) -> None:
    uid = add_user(app, "bob")
    with app.app_context():
        user = db.session.get(User, uid)
        user.roles = ["changed"]
        audit("roles_changed", user_id=uid)
        db.session.rollback()  # the change failed: its event goes with it
    assert "roles_changed" not in names(app)
    with app.app_context():
        db.session.get(User, uid).roles = ["changed"]
        audit("roles_changed", user_id=uid)
        db.session.commit()
    assert "roles_changed" in names(app)


def test_an_abandoned_change_is_not_committed_by_its_event(app: Flask) -> None:
    """At the end of the app context only events alone are committed, never a change left pending."""
    uid = add_user(app, "bob")
    with app.app_context():
        db.session.get(User, uid).roles = ["never"]
        db.session.flush()
        audit("roles_changed", user_id=uid)
    with app.app_context():
        assert db.session.get(User, uid).roles == []
    assert "roles_changed" not in names(app)


def test_events_without_a_change_are_stored(app: Flask, client) -> None:
    uid = add_user(app, "bob")
    assert client.post("/auth/login", json={"username": "bob", "password": "wrong"}).status_code == 401
    assert client.post("/auth/login", json={"username": "nobody", "password": "wrong"}).status_code == 401
    assert names(app, user_id=uid) == ["user_created", "login_failed"]
    with app.app_context():
        unknown = db.session.scalars(select(AuditEvent).where(AuditEvent.user_id.is_(None))).one()
        assert unknown.details["known_user"] is False
        assert unknown.ip == "127.0.0.1" and unknown.details["path"] == "/auth/login"


def test_the_cli_writes_the_same_events(app: Flask) -> None:
    uid = add_user(app, "bob")
    runner = app.test_cli_runner()
    for args in (["users", "lock", "bob"], ["users", "unlock", "bob"], ["users", "set-roles", "bob", "--role", "x"]):
        assert runner.invoke(args=args).exit_code == 0
    set_password = ["users", "set-password", "bob", "--password-stdin"]
    assert runner.invoke(args=set_password, input=PASSWORD + "\n").exit_code == 0
    assert runner.invoke(args=["users", "delete", "bob", "--yes"]).exit_code == 0
    assert names(app, user_id=uid) == [
        "user_created",
        "user_locked",
        "user_unlocked",
        "roles_changed",
        "password_set",
        "user_deleted",
    ]


def test_audit_prune_removes_only_rows_past_the_retention(make_app) -> None:
    app = make_app(AUDIT_RETENTION_DAYS="30")
    with app.app_context():
        now = time.time()
        for age_days in (31, 40, 29, 1):
            db.session.add(AuditEvent(created_at=now - age_days * 86400, event=f"age{age_days}", details={}))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "prune"])
    assert result.exit_code == 0 and "Pruned 2 audit event(s)" in result.output
    assert sorted(n for n in names(app) if n.startswith("age")) == ["age1", "age29"]


def test_the_audit_list_filters_and_pages_by_cursor(app: Flask) -> None:
    uid = add_user(app, "bob")
    for _ in range(4):
        signed_in(app, "bob")
    _, admin = admin_client(app)
    everything = admin.get(f"/auth/admin/audit?user={uid}").json["items"]
    assert [e["event"] for e in everything] == ["login"] * 4 + ["user_created"]
    seen, cursor = [], ""
    while True:
        page = admin.get(f"/auth/admin/audit?user={uid}&limit=2&cursor={cursor}").json
        assert len(page["items"]) <= 2
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everything
    logins = admin.get("/auth/admin/audit?event=login").json["items"]
    assert len(logins) == 5 and {e["event"] for e in logins} == {"login"}
    middle = everything[2]["time"]
    newer = admin.get(f"/auth/admin/audit?user={uid}&since={middle}").json["items"]
    older = admin.get(f"/auth/admin/audit?user={uid}&until={middle}").json["items"]
    assert len(newer) + len(older) == len(everything)
    assert all(e["time"] >= middle for e in newer) and all(e["time"] < middle for e in older)
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 60))
    assert admin.get(f"/auth/admin/audit?since={iso}").json["items"] == []


@pytest.fixture
def population(app: Flask) -> dict[str, int]:
    ids = {name: add_user(app, name) for name in ("anna", "Anton", "antje", "bert", "ännchen", "andreas", "zoe")}
    with app.app_context():
        db.session.get(User, ids["Anton"]).roles = ["editor"]
        db.session.get(User, ids["antje"]).locked_at = time.time()
        db.session.get(User, ids["bert"]).email = "Bert@Example.com"
        db.session.get(User, ids["bert"]).email_key = "bert@example.com"
        db.session.add(Identity(provider="github", subject="1", user_id=ids["andreas"]))
        db.session.commit()
    give_totp(app, ids["anna"])
    return ids


def usernames(reply) -> list[str]:
    assert reply.status_code == 200, reply.json
    return [u["username"] for u in reply.json["items"]]


def test_search_by_prefix_case_folded_in_key_order(app: Flask, population: dict[str, int]) -> None:
    _, admin = admin_client(app)
    assert usernames(admin.get("/auth/admin/users?q=AN")) == ["andreas", "anna", "antje", "Anton"]
    assert usernames(admin.get("/auth/admin/users?q=änn")) == ["ännchen"]
    assert usernames(admin.get("/auth/admin/users?q=bert@EX")) == ["bert"]
    assert usernames(admin.get("/auth/admin/users?q=%25")) == []  # no wildcard
    assert len(usernames(admin.get("/auth/admin/users"))) == 8


def test_search_filters(app: Flask, population: dict[str, int]) -> None:
    _, admin = admin_client(app)
    assert usernames(admin.get("/auth/admin/users?role=editor")) == ["Anton"]
    assert usernames(admin.get("/auth/admin/users?role=edit")) == []
    assert usernames(admin.get("/auth/admin/users?q=an&locked=true")) == ["antje"]
    assert "antje" not in usernames(admin.get("/auth/admin/users?locked=false"))
    assert usernames(admin.get("/auth/admin/users?mfa=true")) == ["anna"]
    assert "anna" not in usernames(admin.get("/auth/admin/users?mfa=false"))
    assert usernames(admin.get("/auth/admin/users?provider=github")) == ["andreas"]


def test_search_pages_by_cursor_without_gaps_or_repeats(app: Flask, population: dict[str, int]) -> None:
    _, admin = admin_client(app)
    everyone = usernames(admin.get("/auth/admin/users"))
    seen, cursor = [], ""
    while True:
        reply = admin.get(f"/auth/admin/users?limit=3&cursor={cursor}")
        seen += usernames(reply)
        cursor = reply.json["next_cursor"]
        if cursor is None:
            break
    assert seen == everyone


def test_a_filtered_page_looks_at_a_bounded_window(
    app: Flask, population: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a filter, a page scans at most WINDOW keys: it may come back short, or empty,
    with a cursor, and walking the cursors still finds every match exactly once."""
    from auth.admin import listing

    monkeypatch.setattr(listing, "WINDOW", 2)
    _, admin = admin_client(app)
    first = admin.get("/auth/admin/users?role=editor&limit=10").json
    assert first["items"] == [] and first["next_cursor"] is not None  # andreas, anna: no editor
    found, cursor, pages = [], "", 0
    while cursor is not None:
        reply = admin.get(f"/auth/admin/users?role=editor&limit=10&cursor={cursor}")
        found += usernames(reply)
        cursor = reply.json["next_cursor"]
        pages += 1
    assert found == ["Anton"] and pages >= 4

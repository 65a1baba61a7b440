"""The admin API's real replies match its OpenAPI fragment (auth/admin/openapi.json)."""

from __future__ import annotations

from flask import Flask

from tests.admin_helpers import admin_client, signed_in
from tests.conftest import add_user
from tests.test_openapi import check_reply


def test_admin_replies_match_the_document(app: Flask) -> None:
    uid = add_user(app, "bob")
    signed_in(app, "bob")
    add_user(app, "eve", roles=("editor",))
    _, admin = admin_client(app)
    users = "/auth/admin/users"
    one = "/auth/admin/users/{user_id}"
    calls = [
        (admin.get(users + "?q=b&limit=1"), users, "GET"),
        (admin.get(users + "?limit=0"), users, "GET"),
        (signed_in(app, "eve").get(users), users, "GET"),
        (app.test_client().get(users), users, "GET"),
        (admin.post(users, json={"username": "new", "roles": ["x"]}), users, "POST"),
        (admin.post(users, json={"username": "new"}), users, "POST"),
        (admin.get(f"/auth/admin/users/{uid}"), one, "GET"),
        (admin.get("/auth/admin/users/0"), one, "GET"),
        (admin.patch(f"/auth/admin/users/{uid}", json={"roles": ["r"]}), one, "PATCH"),
        (admin.post(f"/auth/admin/users/{uid}/lock", json={"reason": "x"}), "/auth/admin/users/{user_id}/lock", "POST"),
        (admin.post(f"/auth/admin/users/{uid}/unlock"), "/auth/admin/users/{user_id}/unlock", "POST"),
        (admin.post(f"/auth/admin/users/{uid}/password-reset"), "/auth/admin/users/{user_id}/password-reset", "POST"),
        (admin.patch(f"/auth/admin/users/{uid}", json={"email": "bob@example.com"}), one, "PATCH"),
        (admin.post(f"/auth/admin/users/{uid}/reset-mfa"), "/auth/admin/users/{user_id}/reset-mfa", "POST"),
        (
            admin.post(f"/auth/admin/users/{uid}/password-reset"),
            "/auth/admin/users/{user_id}/password-reset",
            "POST",
        ),
        (
            admin.post(f"/auth/admin/users/{uid}/sessions/revoke"),
            "/auth/admin/users/{user_id}/sessions/revoke",
            "POST",
        ),
        (admin.delete("/auth/admin/sessions/none"), "/auth/admin/sessions/{session_id}", "DELETE"),
        (admin.get("/auth/admin/audit?event=login&limit=2"), "/auth/admin/audit", "GET"),
        (admin.get("/auth/admin"), "/auth/admin", "GET"),
        (admin.get("/auth/admin/pages/audit"), "/auth/admin/pages/audit", "GET"),
        (admin.get(f"/auth/admin/pages/users/{uid}"), "/auth/admin/pages/users/{user_id}", "GET"),
        (app.test_client().get("/auth/admin"), "/auth/admin", "GET"),
        (admin.post(f"/auth/admin/users/{uid}/impersonate"), "/auth/admin/users/{user_id}/impersonate", "POST"),
        (admin.get("/auth/me"), "/auth/me", "GET"),
        (admin.post("/auth/impersonation/stop"), "/auth/impersonation/stop", "POST"),
        (admin.post("/auth/impersonation/stop"), "/auth/impersonation/stop", "POST"),
        (admin.delete(f"/auth/admin/users/{uid}"), one, "DELETE"),
    ]
    statuses = set()
    for reply, path, method in calls:
        check_reply(reply, path, method)
        statuses.add(reply.status_code)
    assert {200, 201, 202, 303, 400, 401, 403, 404, 409} <= statuses

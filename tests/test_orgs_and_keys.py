"""Where organisations meet API keys and the admin console: a key acts for an organisation only
while its user administers it, and stops when the membership ends; admins see memberships.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from auth.orgs import memberships_of
from tests.test_orgs import add, guard_routes, join, make_org, signed_in, user_id


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(ADMIN_REQUIRE_MFA="false")
    guard_routes(app)
    add(app, "alice", "alice@example.com")
    add(app, "bob", "bob@example.com")
    add(app, "root", roles=("admin",))
    return app


def new_key(client, **body: object):
    return client.post("/auth/api-keys", json={"name": "ci", "scopes": ["read"], **body})


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_only_an_organisation_admin_makes_a_key_for_it(app: Flask) -> None:
    alice = signed_in(app, "alice")
    make_org(alice)
    bob = join(app, "bob", "member", inviter=alice)
    assert new_key(bob, org="acme").get_json()["error"] == "org_admin_required"
    assert new_key(bob, org="nowhere").get_json()["error"] == "org_admin_required"  # unknown alike
    made = new_key(alice, org="acme")
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["api_key"]["org"] == str(make_org_id(app))


def make_org_id(app: Flask) -> int:
    with app.app_context():
        return int(memberships_of(user_id(app, "alice"))[0]["id"])


def test_removing_the_membership_stops_the_organisations_keys_not_the_others(app: Flask) -> None:
    alice = signed_in(app, "alice")
    make_org(alice)
    bob = join(app, "bob", "admin", inviter=alice)
    org_key = new_key(bob, org="acme").get_json()["key"]
    own_key = new_key(bob).get_json()["key"]
    assert app.test_client().get("/auth/me", headers=bearer(org_key)).status_code == 200
    removed = alice.delete(f"/auth/orgs/acme/members/{user_id(app, 'bob')}")
    assert removed.status_code == 200, removed.get_json()
    assert app.test_client().get("/auth/me", headers=bearer(org_key)).status_code == 401
    assert app.test_client().get("/auth/me", headers=bearer(own_key)).status_code == 200
    listed = {k["org"] for k in bob.get("/auth/api-keys").get_json()["api_keys"]}
    assert listed == {None}, "the organisation's key is revoked, the user's own is not"


def test_the_admin_console_shows_a_users_memberships(app: Flask) -> None:
    alice = signed_in(app, "alice")
    make_org(alice)
    detail = signed_in(app, "root").get(f"/auth/admin/users/{user_id(app, 'alice')}")
    assert detail.status_code == 200, detail.get_json()
    assert [(m["slug"], m["role"]) for m in detail.get_json()["user"]["memberships"]] == [("acme", "owner")]

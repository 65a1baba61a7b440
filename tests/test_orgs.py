"""Organisations through HTTP: creating, the owner who always remains, invitations, the active
organisation in the token, and the membership view refusing a stale ``org`` claim at once.

Multi-process refusal (another worker within a second) is in tests/test_orgs_live.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import jwt
import pytest
from flask import Flask, jsonify
from flask.testing import FlaskClient

from auth.orgs import memberships_of
from auth.web.guard import current_principal, login_required
from models import Invitation, User, db
from tests.conftest import PASSWORD, SECRET
from tests.mailsink import MailSink, link_in

BOB = "bob@example.com"


def add(app: Flask, name: str, email: str | None = None, roles: tuple[str, ...] = ()) -> int:
    """A user; ``email`` is verified (the operator's word, as ``flask users create --email``)."""
    args = ["users", "create", name, "--password-stdin"] + (["--email", email] if email else [])
    for role in roles:
        args += ["--role", role]
    result = app.test_cli_runner().invoke(args=args, input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    return int(result.output.split("(id ")[1].split(")")[0])


def guard_routes(app: Flask) -> None:
    """Views of an API guarded by organisation role."""

    @app.get("/t/org")
    @login_required(org_role="member")
    def org_page():
        org = current_principal().org
        return jsonify(slug=org.slug, role=org.role, id=org.id)

    @app.get("/t/admin")
    @login_required(org_role="admin")
    def org_admin():
        return jsonify(ok=True)

    @app.get("/t/billing")
    @login_required(org_role="billing")
    def org_billing():
        return jsonify(ok=True)


@pytest.fixture
def orgs_app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(ORG_ROLES="billing")
    guard_routes(app)
    add(app, "alice", "alice@example.com")
    add(app, "bob", BOB)
    add(app, "carol", "carol@example.com")
    return app


def signed_in(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    reply = client.post("/auth/login", json={"username": name, "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    return client


def token_claims(client: FlaskClient) -> dict:
    cookie = client.get_cookie("access_token")
    assert cookie is not None
    return jwt.decode(cookie.value, options={"verify_signature": False})


def make_org(client: FlaskClient, slug: str = "acme", name: str = "Acme") -> dict:
    reply = client.post("/auth/orgs", json={"slug": slug, "name": name})
    assert reply.status_code == 201, reply.text
    return reply.get_json()["org"]


def invite_link(client: FlaskClient, email: str = BOB, role: str = "member", slug: str = "acme") -> str:
    reply = client.post(f"/auth/orgs/{slug}/invitations", json={"email": email, "role": role, "send": False})
    assert reply.status_code == 201, reply.text
    return reply.get_json()["url"]


def token_of(url: str) -> str:
    return url.split("?token=", 1)[1]


def join(app: Flask, name: str, role: str = "member", inviter: FlaskClient | None = None) -> FlaskClient:
    """``name`` (whose verified address is ``name@example.com``) joins acme with ``role``; signed in."""
    inviter = inviter or signed_in(app, "alice")
    url = invite_link(inviter, f"{name}@example.com", role)
    client = signed_in(app, name)
    reply = client.post("/auth/invitations/accept", json={"token": token_of(url)})
    assert reply.status_code == 200, reply.text
    return client


def switch(client: FlaskClient, slug: str | None) -> None:
    reply = client.post("/auth/orgs/active", json={"org": slug})
    assert reply.status_code == 200, reply.text


def user_id(app: Flask, name: str) -> int:
    with app.app_context():
        return db.session.query(User.id).filter_by(username=name).scalar()


# --- creating --------------------------------------------------------------------------------


def test_the_creator_is_owner_and_a_slug_is_taken_once(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    org = make_org(alice)
    assert org["slug"] == "acme" and org["role"] == "owner"
    taken = signed_in(orgs_app, "bob").post("/auth/orgs", json={"slug": "acme", "name": "Other"})
    assert taken.status_code == 409 and taken.get_json()["error"] == "slug_taken"
    listed = alice.get("/auth/orgs").get_json()
    assert [(o["slug"], o["role"]) for o in listed["orgs"]] == [("acme", "owner")] and listed["active"] is None


@pytest.mark.parametrize("slug", ["Acme", "-acme", "acme-", "a b", "", "a" * 65, 7, "active"])
def test_bad_slugs_are_refused(orgs_app: Flask, slug: object) -> None:
    reply = signed_in(orgs_app, "alice").post("/auth/orgs", json={"slug": slug, "name": "Acme"})
    assert reply.status_code == 400 and reply.get_json()["success"] is False


def test_orgs_per_user_caps_creation(make_app: Callable[..., Flask]) -> None:
    app = make_app(ORGS_PER_USER="2")
    add(app, "alice")
    alice = signed_in(app, "alice")
    make_org(alice, "one")
    make_org(alice, "two")
    assert alice.post("/auth/orgs", json={"slug": "three", "name": "Three"}).status_code == 403


def test_org_create_roles_limit_who_creates(make_app: Callable[..., Flask]) -> None:
    app = make_app(ORG_CREATE_ROLES="staff")
    add(app, "alice", roles=("staff",))
    add(app, "bob")
    make_org(signed_in(app, "alice"))
    assert signed_in(app, "bob").post("/auth/orgs", json={"slug": "b", "name": "B"}).status_code == 403


def test_non_members_see_nothing(orgs_app: Flask) -> None:
    make_org(signed_in(orgs_app, "alice"))
    carol = signed_in(orgs_app, "carol")
    for reply in (
        carol.get("/auth/orgs/acme"),
        carol.get("/auth/orgs/acme/members"),
        carol.post("/auth/orgs/active", json={"org": "acme"}),
        carol.post("/auth/orgs/acme/invitations", json={"email": "x@example.com", "send": False}),
    ):
        assert reply.status_code == 404 and reply.get_json()["error"] == "no_such_org", reply.text


# --- the owner who remains -----------------------------------------------------------------------


def test_the_last_owner_cannot_leave_be_removed_or_be_demoted(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    make_org(alice)
    bob = join(orgs_app, "bob", "admin", alice)
    alice_id = user_id(orgs_app, "alice")
    for reply in (
        alice.post("/auth/orgs/acme/leave"),
        alice.delete(f"/auth/orgs/acme/members/{alice_id}"),
        alice.patch(f"/auth/orgs/acme/members/{alice_id}", json={"role": "admin"}),
    ):
        assert reply.status_code == 409 and reply.get_json()["error"] == "last_owner", reply.text
    # An admin cannot act on an owner at all.
    assert bob.patch(f"/auth/orgs/acme/members/{alice_id}", json={"role": "member"}).status_code == 403
    assert bob.delete(f"/auth/orgs/acme/members/{alice_id}").status_code == 403
    # With a second owner, the first may step down.
    bob_id = user_id(orgs_app, "bob")
    assert alice.patch(f"/auth/orgs/acme/members/{bob_id}", json={"role": "owner"}).status_code == 200
    assert alice.patch(f"/auth/orgs/acme/members/{alice_id}", json={"role": "member"}).status_code == 200
    assert bob.delete(f"/auth/orgs/acme/members/{bob_id}").status_code == 409


def test_members_cannot_manage_and_admins_cannot_grant_above_themselves(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    make_org(alice)
    bob = join(orgs_app, "bob", "admin", alice)
    carol = join(orgs_app, "carol", "member", alice)
    carol_id = user_id(orgs_app, "carol")
    assert carol.post("/auth/orgs/acme/invitations", json={"email": "x@example.com", "send": False}).status_code == 403
    assert carol.patch("/auth/orgs/acme", json={"name": "Mine"}).status_code == 403
    assert bob.delete("/auth/orgs/acme").status_code == 403
    assert bob.patch(f"/auth/orgs/acme/members/{carol_id}", json={"role": "owner"}).status_code == 403
    assert bob.patch(f"/auth/orgs/acme/members/{carol_id}", json={"role": "nope"}).status_code == 400
    assert bob.patch(f"/auth/orgs/acme/members/{carol_id}", json={"role": "billing"}).status_code == 200
    roles = {m["username"]: m["role"] for m in carol.get("/auth/orgs/acme/members").get_json()["members"]}
    assert roles == {"alice": "owner", "bob": "admin", "carol": "billing"}


# --- invitations -------------------------------------------------------------------------------


def test_an_invitation_is_accepted_once(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    make_org(alice)
    token = token_of(invite_link(alice))
    bob = signed_in(orgs_app, "bob")
    first = bob.post("/auth/invitations/accept", json={"token": token})
    assert first.status_code == 200 and first.get_json()["org"]["role"] == "member"
    again = bob.post("/auth/invitations/accept", json={"token": token})
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_token"
    assert alice.get("/auth/orgs/acme/invitations").get_json()["invitations"] == []


def test_an_expired_invitation_is_refused(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    make_org(alice)
    token = token_of(invite_link(alice))
    with orgs_app.app_context():
        db.session.query(Invitation).update({"expires_at": time.time() - 1})
        db.session.commit()
    reply = signed_in(orgs_app, "bob").post("/auth/invitations/accept", json={"token": token})
    assert reply.status_code == 400 and reply.get_json()["error"] == "invalid_token"


def test_an_invitation_lives_org_invite_ttl(make_app: Callable[..., Flask]) -> None:
    app = make_app(ORG_INVITE_TTL="3600")
    add(app, "alice")
    alice = signed_in(app, "alice")
    make_org(alice)
    before = time.time()
    invite_link(alice)
    expires = alice.get("/auth/orgs/acme/invitations").get_json()["invitations"][0]["expires_at"]
    assert before + 3600 <= expires <= time.time() + 3600


def test_another_account_cannot_take_an_invitation(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    make_org(alice)
    token = token_of(invite_link(alice))
    reply = signed_in(orgs_app, "carol").post("/auth/invitations/accept", json={"token": token})
    assert reply.status_code == 403 and reply.get_json()["error"] == "wrong_address"
    # It is still there for bob.
    assert signed_in(orgs_app, "bob").post("/auth/invitations/accept", json={"token": token}).status_code == 200


def test_an_unverified_address_cannot_take_an_invitation(orgs_app: Flask) -> None:
    add(orgs_app, "dave")
    with orgs_app.app_context():
        dave = db.session.query(User).filter_by(username="dave").one()
        dave.email = "dave@example.com"  # typed, never verified
        db.session.commit()
    alice = signed_in(orgs_app, "alice")
    make_org(alice)
    token = token_of(invite_link(alice, "dave@example.com"))
    reply = signed_in(orgs_app, "dave").post("/auth/invitations/accept", json={"token": token})
    assert reply.status_code == 403 and reply.get_json()["error"] == "wrong_address"
    assert signed_in(orgs_app, "dave").get("/auth/orgs").get_json()["orgs"] == []


def test_a_revoked_invitation_is_refused(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    make_org(alice)
    token = token_of(invite_link(alice))
    invitation = alice.get("/auth/orgs/acme/invitations").get_json()["invitations"][0]
    assert invitation["email"] == BOB
    assert alice.delete(f"/auth/orgs/acme/invitations/{invitation['id']}").status_code == 200
    assert signed_in(orgs_app, "bob").post("/auth/invitations/accept", json={"token": token}).status_code == 400


def test_accepting_needs_a_signed_in_user(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    make_org(alice)
    token = token_of(invite_link(alice))
    assert orgs_app.test_client().post("/auth/invitations/accept", json={"token": token}).status_code == 401


def test_a_mailed_invitation_carries_a_working_link(make_app: Callable[..., Flask], sink: MailSink) -> None:
    app = make_app(MAIL_URL=sink.url)
    add(app, "alice")
    add(app, "bob", BOB)
    alice = signed_in(app, "alice")
    make_org(alice)
    reply = alice.post("/auth/orgs/acme/invitations", json={"email": BOB, "role": "admin"})
    assert reply.status_code == 201 and "url" not in reply.get_json()
    assert app.extensions["mail"].outbox.wait_idle(30)
    link = link_in(sink.wait_for(BOB))
    assert "/auth/invitations/accept?token=" in link
    page = signed_in(app, "bob").get(link.split("localhost", 1)[-1])
    assert page.status_code == 200 and 'id="accept-form"' in page.text and "Acme" in page.text
    bob = signed_in(app, "bob")
    joined = bob.post("/auth/invitations/accept", data={"token": token_of(link)})
    assert joined.status_code == 303 and "notice=joined" in joined.headers["Location"]
    assert [o["role"] for o in bob.get("/auth/orgs").get_json()["orgs"]] == ["admin"]


def test_the_invitation_page_sends_a_signed_out_visitor_to_sign_in_and_back(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    make_org(alice)
    token = token_of(invite_link(alice))
    page = orgs_app.test_client().get(f"/auth/invitations/accept?token={token}")
    assert page.status_code == 200 and 'id="signin-link"' in page.text
    assert "/auth/login?next=%2Fauth%2Finvitations%2Faccept%3Ftoken%3D" in page.text
    wrong = signed_in(orgs_app, "carol").get(f"/auth/invitations/accept?token={token}")
    assert 'id="wrong-address"' in wrong.text and 'id="accept-form"' not in wrong.text
    gone = orgs_app.test_client().get("/auth/invitations/accept?token=nope")
    assert gone.status_code == 200 and "invalid" in gone.text


# --- the active organisation in the token ------------------------------------------------------


def test_the_active_org_is_in_the_token_and_survives_refresh(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    org = make_org(alice)
    assert "org" not in token_claims(alice) and alice.get("/t/org").status_code == 403
    reply = alice.post("/auth/orgs/active", json={"org": "acme"})
    assert reply.status_code == 200 and reply.get_json()["org"]["slug"] == "acme"
    assert token_claims(alice)["org"] == {"id": org["id"], "slug": "acme", "role": "owner"}
    assert alice.get("/t/org").get_json() == {"slug": "acme", "role": "owner", "id": org["id"]}
    assert alice.post("/auth/refresh").status_code == 200
    assert token_claims(alice)["org"]["slug"] == "acme"
    assert alice.get("/auth/orgs").get_json()["active"] == "acme"
    switch(alice, None)
    assert "org" not in token_claims(alice) and alice.get("/t/org").status_code == 403


def test_org_role_orders_built_in_roles_and_matches_custom_ones_by_name(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    make_org(alice)
    switch(alice, "acme")
    bob = join(orgs_app, "bob", "member", alice)
    switch(bob, "acme")
    carol = join(orgs_app, "carol", "billing", alice)
    switch(carol, "acme")
    assert [alice.get(p).status_code for p in ("/t/org", "/t/admin", "/t/billing")] == [200, 200, 403]
    assert [bob.get(p).status_code for p in ("/t/org", "/t/admin", "/t/billing")] == [200, 403, 403]
    assert [carol.get(p).status_code for p in ("/t/admin", "/t/billing")] == [403, 200]
    assert bob.get("/t/admin").get_json()["error"] == "org_role_required"


def test_a_removed_member_is_refused_at_the_next_request(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    make_org(alice)
    bob = join(orgs_app, "bob", "member", alice)
    switch(bob, "acme")
    assert bob.get("/t/org").status_code == 200
    assert alice.delete(f"/auth/orgs/acme/members/{user_id(orgs_app, 'bob')}").status_code == 200
    refused = bob.get("/t/org")
    assert refused.status_code == 401 and refused.get_json()["error"] == "org_membership_changed"
    assert bob.get("/auth/is-authenticated").status_code == 200  # refreshed: the session lives on
    assert "org" not in token_claims(bob) and bob.get("/t/org").status_code == 403


def test_a_demoted_member_is_refused_then_refreshes_into_the_new_role(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    make_org(alice)
    bob = join(orgs_app, "bob", "admin", alice)
    switch(bob, "acme")
    assert bob.get("/t/admin").status_code == 200
    assert (
        alice.patch(f"/auth/orgs/acme/members/{user_id(orgs_app, 'bob')}", json={"role": "member"}).status_code == 200
    )
    assert bob.get("/t/admin").status_code == 401
    assert bob.post("/auth/refresh").status_code == 200
    assert token_claims(bob)["org"]["role"] == "member"
    assert bob.get("/t/org").status_code == 200 and bob.get("/t/admin").status_code == 403


def test_deleting_an_org_refuses_every_members_org_token(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    make_org(alice)
    bob = join(orgs_app, "bob", "member", alice)
    switch(bob, "acme")
    assert bob.get("/t/org").status_code == 200
    assert alice.delete("/auth/orgs/acme").status_code == 200
    assert bob.get("/t/org").status_code == 401
    assert memberships_of_user(orgs_app, "bob") == []


def test_a_forged_org_claim_is_refused_by_signature(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    org = make_org(alice)
    carol = signed_in(orgs_app, "carol")
    claims = token_claims(carol)
    claims["org"] = {"id": org["id"], "slug": "acme", "role": "owner"}
    forged = jwt.encode(claims, "not-the-server-secret-0123456789abcdef", algorithm="HS256")
    reply = carol.get("/t/org", headers={"Authorization": f"Bearer {forged}"})
    assert reply.status_code == 401
    # The genuine key would be needed; with it the claim is well-formed (and the rest of this file covers staleness).
    genuine = jwt.encode(claims, SECRET, algorithm="HS256")
    assert carol.get("/t/org", headers={"Authorization": f"Bearer {genuine}"}).status_code == 200


@pytest.mark.parametrize("org", ["acme", {"id": 1, "slug": "acme", "role": "owner"}, {"slug": "acme", "role": "owner"}])
def test_a_malformed_org_claim_is_refused(orgs_app: Flask, org: object) -> None:
    carol = signed_in(orgs_app, "carol")
    claims = {**token_claims(carol), "org": org}
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    assert carol.get("/t/org", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def memberships_of_user(app: Flask, name: str) -> list[dict]:
    with app.app_context():
        return memberships_of(user_id(app, name))


def test_memberships_of_lists_a_users_organisations(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    make_org(alice, "acme", "Acme")
    make_org(alice, "beta", "Beta")
    join(orgs_app, "bob", "admin", alice)
    assert [(m["slug"], m["role"]) for m in memberships_of_user(orgs_app, "alice")] == [
        ("acme", "owner"),
        ("beta", "owner"),
    ]
    assert [(m["slug"], m["name"], m["role"]) for m in memberships_of_user(orgs_app, "bob")] == [
        ("acme", "Acme", "admin")
    ]


def test_every_change_is_audited(orgs_app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="auth.audit")
    alice = signed_in(orgs_app, "alice")
    make_org(alice)
    bob = join(orgs_app, "bob", "member", alice)
    switch(bob, "acme")
    bob_id = user_id(orgs_app, "bob")
    alice.patch(f"/auth/orgs/acme/members/{bob_id}", json={"role": "admin"})
    alice.patch("/auth/orgs/acme", json={"name": "Acme Inc"})
    url = invite_link(alice, "carol@example.com")
    invitation = alice.get("/auth/orgs/acme/invitations").get_json()["invitations"][0]
    alice.delete(f"/auth/orgs/acme/invitations/{invitation['id']}")
    signed_in(orgs_app, "carol").post("/auth/invitations/accept", json={"token": token_of(url)})
    alice.delete(f"/auth/orgs/acme/members/{bob_id}")
    alice.delete("/auth/orgs/acme")
    seen = [json.loads(r.getMessage())["event"] for r in caplog.records if r.name == "auth.audit"]
    for event in (
        "org_created",
        "org_invitation_created",
        "org_invitation_accepted",
        "org_switched",
        "org_role_changed",
        "org_renamed",
        "org_invitation_revoked",
        "org_member_removed",
        "org_deleted",
    ):
        assert event in seen, event


def test_the_invitation_pages_form_comes_back_with_the_reason(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    make_org(alice)
    token = token_of(invite_link(alice))
    carol = signed_in(orgs_app, "carol")
    reply = carol.post("/auth/invitations/accept", data={"token": token})
    assert reply.status_code == 303 and reply.headers["Location"].endswith("&error=wrong_address")
    page = carol.get(reply.headers["Location"])
    assert "This invitation is for another email address." in page.text
    assert carol.get("/auth/orgs").get_json()["orgs"] == []


def test_invitations_are_rate_limited_per_organisation(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATELIMIT_ENABLED="true")
    add(app, "alice")
    add(app, "carol")
    alice = signed_in(app, "alice")
    make_org(alice, "acme")
    make_org(alice, "beta")
    carol = signed_in(app, "carol")
    outsider = {"email": "x@example.com", "send": False}
    for _ in range(3):  # an outsider's refused attempts spend nothing
        assert carol.post("/auth/orgs/acme/invitations", json=outsider).status_code == 404
    for n in range(50):
        reply = alice.post("/auth/orgs/acme/invitations", json={"email": f"p{n}@example.com", "send": False})
        assert reply.status_code == 201, (n, reply.text)
    over = alice.post("/auth/orgs/acme/invitations", json={"email": "p50@example.com", "send": False})
    assert over.status_code == 429 and over.get_json()["success"] is False
    assert alice.post("/auth/orgs/beta/invitations", json={"email": "q@example.com", "send": False}).status_code == 201


@pytest.mark.parametrize("name", ["", "   ", "a" * 129, "nul\x00name", "\ud800", None])
def test_bad_names_are_refused(orgs_app: Flask, name: object) -> None:
    reply = signed_in(orgs_app, "alice").post("/auth/orgs", json={"slug": "acme", "name": name})
    assert reply.status_code == 400 and reply.get_json()["success"] is False


def test_the_switch_route_advertises_its_own_methods_only(orgs_app: Flask) -> None:
    allow = orgs_app.test_client().options("/auth/orgs/active").headers["Allow"]
    assert set(allow.replace(" ", "").split(",")) == {"POST", "OPTIONS"}


def test_odd_member_ids_and_bodies_are_refused_not_crashed(orgs_app: Flask) -> None:
    alice = signed_in(orgs_app, "alice")
    make_org(alice)
    for user_id in ("99999999999999999999", "\uff12", "-1"):
        assert alice.delete(f"/auth/orgs/acme/members/{user_id}").status_code == 404
    assert alice.post("/auth/orgs/active", json={}).status_code == 400
    assert alice.post("/auth/orgs/active", json={"org": 7}).status_code == 400
    assert alice.post("/auth/orgs/active", data="x", content_type="text/plain").status_code == 415

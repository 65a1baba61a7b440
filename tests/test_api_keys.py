"""API keys from the outside: created once, accepted by guarded views, refused after
revoke, expiry, a changed character (before any query), for account management and
beyond their scopes; the secret never shows again (replies, logs, audit).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Blueprint, Flask, jsonify
from flask.testing import FlaskClient
from sqlalchemy import event, select

from auth import current_principal, login_required
from auth.apikeys.keyformat import LENGTH, checksum, digest, new_key, well_formed
from auth.apikeys.orgs import set_org_resolver
from auth.mfa.passkeys import ID_LENGTH
from models import ApiKey, AuditEvent, db
from tests.conftest import PASSWORD, add_user

KEY = re.compile(r"^fak_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$")


def scoped_app(make_app: Callable[..., Flask], **overrides: str) -> Flask:
    """An app with three guarded views of an API: plain, needing ``read``, needing ``write``."""
    app = make_app(**overrides)
    api = Blueprint("api", __name__)

    def who() -> dict[str, object]:
        p = current_principal()
        return {"user_id": p.user_id, "via": p.via, "scopes": None if p.scopes is None else list(p.scopes)}

    @api.get("/api/plain")
    @login_required
    def plain():
        return jsonify(success=True, **who())

    @api.get("/api/read")
    @login_required(scopes=["read"])
    def read():
        return jsonify(success=True, **who())

    @api.post("/api/write")
    @login_required(scopes=["write"])
    def write():
        return jsonify(success=True, **who())

    app.register_blueprint(api)
    return app


@pytest.fixture
def api_app(make_app: Callable[..., Flask]) -> Flask:
    app = scoped_app(make_app)
    add_user(app, "alice")
    return app


def signed_in(app: Flask, name: str = "alice") -> FlaskClient:
    client = app.test_client()
    assert client.post("/auth/login", json={"username": name, "password": PASSWORD}).status_code == 200
    return client


def create(client: FlaskClient, **body: object) -> dict[str, object]:
    reply = client.post("/auth/api-keys", json={"name": "ci", "scopes": ["read"], **body})
    assert reply.status_code == 201, reply.json
    return reply.json


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@contextmanager
def counting_sql(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs meanwhile."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


# --- the format -----------------------------------------------------------------------------


def test_a_new_key_is_fak_256_random_bits_in_base62_and_a_crc32():
    key = new_key()
    assert KEY.match(key) and len(key) == LENGTH and well_formed(key)
    body, check = key.rsplit("_", 1)
    assert check == checksum(body)
    assert 62 ** len(body.removeprefix("fak_")) >= 2**256
    assert len({new_key() for _ in range(50)}) == 50


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda k: k[:10] + ("A" if k[10] != "A" else "B") + k[11:], id="one random character"),
        pytest.param(lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"), id="one checksum character"),
        pytest.param(lambda k: k[:-1], id="one character short"),
        pytest.param(lambda k: k + "A", id="one character long"),
        pytest.param(lambda k: k[:20] + "!" + k[21:], id="outside base62"),
        pytest.param(lambda k: "fbk_" + k[4:], id="another prefix"),
    ],
)
def test_an_altered_key_fails_the_checksum(change):
    key = new_key()
    assert not well_formed(change(key))


# --- creating and listing -------------------------------------------------------------------


def test_create_shows_the_key_once_and_lists_it_without_the_secret(api_app):
    client = signed_in(api_app)
    created = create(client, name="deploy bot", scopes=["write", "read"], expires_in=3600)
    key = created["key"]
    assert KEY.match(key)
    listed = client.get("/auth/api-keys").json["api_keys"]
    assert listed == [created["api_key"]]
    entry = listed[0]
    assert entry["name"] == "deploy bot" and entry["scopes"] == ["read", "write"] and entry["org"] is None
    assert entry["prefix"] == key[:12] and entry["last_used_at"] is None and entry["expires_at"] is not None
    assert key not in json.dumps(listed)
    with api_app.app_context():
        stored = db.session.query(ApiKey).one()
        assert stored.digest == digest(key) and key not in json.dumps([stored.digest, stored.prefix, stored.name])


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"scopes": ["read"]}, id="no name"),
        pytest.param({"name": "", "scopes": ["read"]}, id="empty name"),
        pytest.param({"name": "x"}, id="no scopes"),
        pytest.param({"name": "x", "scopes": "read"}, id="scopes not a list"),
        pytest.param({"name": "x", "scopes": ["has space"]}, id="scope with a space"),
        pytest.param({"name": "x", "scopes": ["r"], "expires_in": 0}, id="expires_in zero"),
        pytest.param({"name": "x", "scopes": ["r"], "expires_in": "60"}, id="expires_in a string"),
        pytest.param({"name": "x", "scopes": ["r"], "expires_in": True}, id="expires_in a boolean"),
        pytest.param({"name": "x", "scopes": ["r"], "org": 5}, id="org not a string"),
    ],
)
def test_bad_requests_are_400_json(api_app, body):
    reply = signed_in(api_app).post("/auth/api-keys", json=body)
    assert reply.status_code == 400 and reply.json["success"] is False and reply.json["message"]


def test_creating_a_key_needs_a_recent_sign_in(api_app, monkeypatch):
    client = signed_in(api_app)
    later = time.time() + 301  # past REAUTH_SECONDS (300), inside ACCESS_TOKEN_TTL (900)
    monkeypatch.setattr(time, "time", lambda: later)
    reply = client.post("/auth/api-keys", json={"name": "x", "scopes": []})
    assert reply.status_code == 403 and reply.json["error"] == "reauth_required"


def test_api_keys_per_user_caps_live_keys(make_app):
    app = scoped_app(make_app, API_KEYS_PER_USER="2")
    add_user(app, "alice")
    client = signed_in(app)
    first = create(client)
    create(client)
    reply = client.post("/auth/api-keys", json={"name": "third", "scopes": []})
    assert reply.status_code == 409 and reply.json["error"] == "api_key_limit"
    assert client.delete(f"/auth/api-keys/{first['api_key']['id']}").status_code == 200
    create(client)  # a revoked key frees its place


def test_org_is_checked_and_kept_through_the_hook(api_app):
    set_org_resolver(api_app, lambda user_id, slug: "org-7" if slug == "acme" else None)
    client = signed_in(api_app)
    assert create(client, org="acme")["api_key"]["org"] == "org-7"
    reply = client.post("/auth/api-keys", json={"name": "x", "scopes": [], "org": "other"})
    assert reply.status_code == 403 and reply.json["error"] == "org_admin_required"


# --- using a key ----------------------------------------------------------------------------


def test_a_key_works_on_a_guarded_view_and_says_it_is_a_key(api_app):
    key = create(signed_in(api_app), scopes=["read"])["key"]
    reply = api_app.test_client().get("/api/plain", headers=bearer(key))
    assert reply.status_code == 200
    assert reply.json == {"success": True, "user_id": "1", "via": "api_key", "scopes": ["read"]}
    me = api_app.test_client().get("/auth/me", headers=bearer(key))
    assert me.status_code == 200 and me.json["user"]["username"] == "alice"
    assert api_app.test_client().get("/auth/is-authenticated", headers=bearer(key)).status_code == 200


def test_a_session_has_every_scope(api_app):
    client = signed_in(api_app)
    assert client.get("/api/plain").json["via"] == "session" and client.get("/api/plain").json["scopes"] is None
    assert client.post("/api/write").status_code == 200


def test_a_key_is_refused_beyond_its_scopes(api_app):
    key = create(signed_in(api_app), scopes=["read"])["key"]
    client = api_app.test_client()
    assert client.get("/api/read", headers=bearer(key)).status_code == 200
    reply = client.post("/api/write", headers=bearer(key))
    assert reply.status_code == 403 and reply.json["error"] == "insufficient_scope"
    assert reply.json["success"] is False and "write" in reply.json["message"]


def test_a_revoked_key_is_refused(api_app):
    owner = signed_in(api_app)
    created = create(owner)
    client = api_app.test_client()
    assert client.get("/api/plain", headers=bearer(created["key"])).status_code == 200  # now cached
    assert owner.delete(f"/auth/api-keys/{created['api_key']['id']}").json == {
        "success": True,
        "message": "API key revoked",
    }
    reply = client.get("/api/plain", headers=bearer(created["key"]))
    assert reply.status_code == 401 and reply.json["success"] is False
    assert owner.get("/auth/api-keys").json["api_keys"] == []
    assert owner.delete(f"/auth/api-keys/{created['api_key']['id']}").status_code == 404


@pytest.mark.parametrize("key_id", ["0", "99", "99999999999999", "²", "1.0", "-1", "x"])
def test_revoking_a_key_that_is_not_there_is_404(api_app, key_id):
    reply = signed_in(api_app).delete(f"/auth/api-keys/{key_id}")
    assert reply.status_code == 404 and reply.json["success"] is False


def test_nobody_revokes_another_users_key(api_app):
    add_user(api_app, "bob")
    created = create(signed_in(api_app))
    reply = signed_in(api_app, "bob").delete(f"/auth/api-keys/{created['api_key']['id']}")
    assert reply.status_code == 404
    assert api_app.test_client().get("/api/plain", headers=bearer(created["key"])).status_code == 200


def test_an_expired_key_is_refused_even_when_cached(api_app, monkeypatch):
    key = create(signed_in(api_app), expires_in=60)["key"]
    client = api_app.test_client()
    assert client.get("/api/plain", headers=bearer(key)).status_code == 200  # cached with its expiry
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    reply = client.get("/api/plain", headers=bearer(key))
    assert reply.status_code == 401 and "expired" in reply.json["message"]


def test_an_expired_key_is_refused_on_first_sight(api_app):
    key = create(signed_in(api_app), expires_in=60)["key"]
    with api_app.app_context():
        db.session.query(ApiKey).update({"expires_at": time.time() - 1})
        db.session.commit()
    assert api_app.test_client().get("/api/plain", headers=bearer(key)).status_code == 401


def test_a_changed_character_is_refused_before_any_query(api_app):
    key = create(signed_in(api_app))["key"]
    client = api_app.test_client()
    altered = key[:10] + ("A" if key[10] != "A" else "B") + key[11:]
    with counting_sql(api_app) as statements:
        reply = client.get("/api/plain", headers=bearer(altered))
    assert reply.status_code == 401 and statements == []
    # The counter does see the lookup a well-formed unknown key costs.
    with counting_sql(api_app) as statements:
        assert client.get("/api/plain", headers=bearer(new_key())).status_code == 401
    assert any("api_keys" in s for s in statements)


def test_a_cached_key_costs_no_query(api_app):
    key = create(signed_in(api_app))["key"]
    client = api_app.test_client()
    assert client.get("/api/plain", headers=bearer(key)).status_code == 200
    with counting_sql(api_app) as statements:
        for _ in range(5):
            assert client.get("/api/plain", headers=bearer(key)).status_code == 200
    assert statements == []


def test_last_used_at_is_written_once_a_minute_not_per_request(api_app, monkeypatch):
    owner = signed_in(api_app)
    key = create(owner)["key"]
    client = api_app.test_client()
    with counting_sql(api_app) as statements:
        for _ in range(5):
            assert client.get("/api/plain", headers=bearer(key)).status_code == 200
    updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE API_KEYS SET LAST_USED_AT")]
    assert len(updates) == 1
    assert owner.get("/auth/api-keys").json["api_keys"][0]["last_used_at"] is not None
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    with counting_sql(api_app) as statements:
        assert client.get("/api/plain", headers=bearer(key)).status_code == 200
    assert len([s for s in statements if "LAST_USED_AT" in s.upper() and s.upper().startswith("UPDATE")]) == 1


def test_a_locked_users_key_is_refused(api_app):
    key = create(signed_in(api_app))["key"]
    client = api_app.test_client()
    assert client.get("/api/plain", headers=bearer(key)).status_code == 200
    runner = api_app.test_cli_runner()
    assert runner.invoke(args=["users", "lock", "alice"]).exit_code == 0
    assert client.get("/api/plain", headers=bearer(key)).status_code == 401


def test_an_unlocked_users_key_works_again_once_the_lock_has_aged_out_of_the_view(api_app, monkeypatch):
    key = create(signed_in(api_app))["key"]
    client = api_app.test_client()
    runner = api_app.test_cli_runner()
    assert runner.invoke(args=["users", "lock", "alice"]).exit_code == 0
    assert runner.invoke(args=["users", "unlock", "alice"]).exit_code == 0
    assert client.get("/api/plain", headers=bearer(key)).status_code == 401  # the lock's entry is still in the view
    later = time.time() + 900 + 10  # ACCESS_TOKEN_TTL and the view's overlap
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/api/plain", headers=bearer(key)).status_code == 200


def test_a_deleted_users_key_is_refused(api_app):
    key = create(signed_in(api_app))["key"]
    client = api_app.test_client()
    assert client.get("/api/plain", headers=bearer(key)).status_code == 200
    assert api_app.test_cli_runner().invoke(args=["users", "delete", "alice", "--yes"]).exit_code == 0
    assert client.get("/api/plain", headers=bearer(key)).status_code == 401
    with api_app.app_context():
        assert db.session.query(ApiKey).count() == 0


def test_each_key_has_its_own_rate_limit(make_app):
    app = scoped_app(make_app, RATELIMIT_ENABLED="true", RATELIMIT_API_KEY="3 per minute")
    add_user(app, "alice")
    owner = signed_in(app)
    first, second = create(owner)["key"], create(owner)["key"]
    client = app.test_client()
    assert [client.get("/api/plain", headers=bearer(first)).status_code for _ in range(4)] == [200, 200, 200, 429]
    reply = client.get("/api/plain", headers=bearer(first))
    assert reply.json["success"] is False and int(reply.headers["Retry-After"]) >= 1
    assert client.get("/api/plain", headers=bearer(second)).status_code == 200


# --- account management is for people -------------------------------------------------------

# Every account-management endpoint (method, path, JSON body). The test below checks this
# table against the app's routes, so a new route under these paths must be added here.
ACCOUNT_MANAGEMENT = [
    ("POST", "/auth/password", {"current_password": PASSWORD, "new_password": "another long passphrase 42"}),
    ("POST", "/auth/reauthenticate", {"password": PASSWORD}),
    ("POST", "/auth/logout-all", None),
    ("GET", "/auth/sessions", None),
    ("DELETE", "/auth/sessions/some-session", None),
    ("POST", "/auth/email", {"email": "mallory@example.com"}),
    ("GET", "/auth/mfa", None),
    ("POST", "/auth/mfa/totp/setup", None),
    ("POST", "/auth/mfa/totp/confirm", {"code": "123456"}),
    ("DELETE", "/auth/mfa/totp", None),
    ("POST", "/auth/mfa/recovery-codes", None),
    ("GET", "/auth/passkeys", None),
    ("POST", "/auth/passkeys/register/options", None),
    ("POST", "/auth/passkeys/register", {"credential": {"id": "x", "response": {}}}),
    ("DELETE", "/auth/passkeys/" + "p" * ID_LENGTH, None),
    ("GET", "/auth/identities", None),
    ("DELETE", "/auth/identities/1", None),
    ("POST", "/auth/identities/1/unlink", None),
    ("POST", "/auth/oidc/github/link", None),
    ("GET", "/auth/api-keys", None),
    ("POST", "/auth/api-keys", {"name": "more", "scopes": ["read"]}),
    ("DELETE", "/auth/api-keys/1", None),
]
MANAGEMENT_PATHS = re.compile(
    r"^/auth/(password|reauthenticate|logout-all|sessions|email|mfa|passkeys|identities|oidc/<[^>]+>/link|api-keys)(/|$)"
)
# Under those paths, but for people who are not signed in (a key changes nothing there).
SIGNED_OUT = {
    "/auth/password/forgot",
    "/auth/password/reset",
    "/auth/email/verify",
    "/auth/mfa/verify",
    "/auth/passkeys/login",
    "/auth/passkeys/login/options",
}


def test_the_table_covers_every_account_management_route(api_app):
    routes = {
        (method, rule.rule)
        for rule in api_app.url_map.iter_rules()
        if MANAGEMENT_PATHS.match(rule.rule) and rule.rule not in SIGNED_OUT
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }

    def shape(path: str) -> str:
        return re.sub(rf"/(some-session|p{{{ID_LENGTH}}}|1|github)(?=/|$)", "/<>", path)

    table = {(method, shape(path)) for method, path, _ in ACCOUNT_MANAGEMENT}
    assert {(m, re.sub(r"<[^>]+>", "<>", r)) for m, r in routes} == table


@pytest.mark.parametrize(
    ("method", "path", "body"), ACCOUNT_MANAGEMENT, ids=[f"{m} {p}" for m, p, _ in ACCOUNT_MANAGEMENT]
)
def test_a_key_cannot_manage_the_account(api_app, method, path, body):
    key = create(signed_in(api_app), scopes=["read", "write", "admin"])["key"]
    reply = api_app.test_client().open(path, method=method, json=body, headers=bearer(key))
    assert reply.status_code == 403, reply.json
    assert reply.json == {
        "success": False,
        "message": "An API key cannot manage the account: sign in to do this.",
        "error": "api_key_forbidden",
    }


def test_a_key_cannot_use_the_account_page_forms(api_app):
    key = create(signed_in(api_app))["key"]
    reply = api_app.test_client().post("/auth/account/logout-all", headers=bearer(key))
    assert reply.status_code == 401


# --- the secret stays secret ----------------------------------------------------------------


def test_the_secret_never_appears_after_creation(api_app, caplog):
    caplog.set_level(logging.DEBUG)
    owner = signed_in(api_app)
    created = create(owner)
    key = created["key"]
    secret = key.split("_")[1]
    client = api_app.test_client()
    replies = [
        owner.get("/auth/api-keys"),
        client.get("/api/plain", headers=bearer(key)),
        client.get("/api/plain", headers=bearer(key[:-1] + ("A" if key[-1] != "A" else "B"))),
        client.post("/api/write", headers=bearer(key)),
        client.get("/auth/api-keys", headers=bearer(key)),
        owner.delete(f"/auth/api-keys/{created['api_key']['id']}"),
        client.get("/api/plain", headers=bearer(key)),
    ]
    assert [r.status_code for r in replies] == [200, 200, 401, 403, 403, 200, 401]
    for reply in replies:
        assert secret not in reply.get_data(as_text=True) and secret not in str(reply.headers)
    assert caplog.records and secret not in caplog.text
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "auth.audit"]
    names = [e["event"] for e in events]
    assert {"api_key_created", "api_key_new_address", "api_key_revoked"} <= set(names)
    assert names.count("api_key_new_address") == 1
    assert secret not in json.dumps(events)


# --- the CLI --------------------------------------------------------------------------------


def test_cli_creates_lists_and_revokes_a_key_for_a_service_account(api_app):
    runner = api_app.test_cli_runner()
    made = runner.invoke(
        args=["api-keys", "create", "alice", "--name", "nightly", "--scopes", "read,write", "--expires-in", "3600"]
    )
    assert made.exit_code == 0, made.output
    key = next(line for line in made.output.splitlines() if KEY.match(line))
    client = api_app.test_client()
    assert client.post("/api/write", headers=bearer(key)).json["scopes"] == ["read", "write"]
    listed = runner.invoke(args=["api-keys", "list", "alice"])
    assert "nightly" in listed.output and key[:12] in listed.output and key not in listed.output
    key_id = listed.output.split("\t")[0]
    assert runner.invoke(args=["api-keys", "revoke", key_id]).exit_code == 0
    assert client.post("/api/write", headers=bearer(key)).status_code == 401
    again = runner.invoke(args=["api-keys", "revoke", key_id])
    assert again.exit_code != 0 and "No live API key" in again.output


def test_cli_refuses_an_unknown_user_and_bad_scopes(api_app):
    runner = api_app.test_cli_runner()
    assert "No user named" in runner.invoke(args=["api-keys", "create", "nobody", "--name", "x"]).output
    bad = runner.invoke(args=["api-keys", "create", "alice", "--name", "x", "--scopes", "a/b"])
    assert bad.exit_code != 0 and "scope" in bad.output


def test_the_admin_console_lists_and_revokes_a_users_keys(make_app: Callable[..., Flask]) -> None:
    """An admin sees a user's keys (never the secret) and revokes one: it stops, and the audit names the admin."""
    app = scoped_app(make_app, ADMIN_REQUIRE_MFA="false")
    owner_id = add_user(app, "alice")
    admin_id = add_user(app, "root", roles=("admin",))
    made = create(signed_in(app), scopes=["read"])
    key, key_id = made["key"], made["api_key"]["id"]
    assert app.test_client().get("/api/read", headers=bearer(key)).status_code == 200
    admin = signed_in(app, "root")
    detail = admin.get(f"/auth/admin/users/{owner_id}")
    assert detail.status_code == 200, detail.json
    assert [k["id"] for k in detail.json["user"]["api_keys"]] == [key_id]
    assert key not in detail.get_data(as_text=True)
    page = admin.get(f"/auth/admin/pages/users/{owner_id}").get_data(as_text=True)
    assert made["api_key"]["prefix"] in page and key not in page
    # A key cannot do this, whatever its scopes; an unknown key is 404.
    assert app.test_client().delete(f"/auth/admin/api-keys/{key_id}", headers=bearer(key)).status_code == 403
    assert admin.delete("/auth/admin/api-keys/999999").status_code == 404
    assert admin.delete(f"/auth/admin/api-keys/{key_id}").status_code == 200
    assert app.test_client().get("/api/read", headers=bearer(key)).status_code == 401
    assert admin.get(f"/auth/admin/users/{owner_id}").json["user"]["api_keys"] == []
    with app.app_context():
        revoked = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "api_key_revoked")).all()
        assert [(e.user_id, e.details.get("by"), e.actor_id) for e in revoked] == [(owner_id, "admin", admin_id)]


def test_the_admin_page_revokes_a_key_after_its_confirmation(make_app: Callable[..., Flask]) -> None:
    app = scoped_app(make_app, ADMIN_REQUIRE_MFA="false")
    owner_id = add_user(app, "alice")
    add_user(app, "root", roles=("admin",))
    made = create(signed_in(app), scopes=["read"])
    admin = signed_in(app, "root")
    action = f"/auth/admin/pages/users/{owner_id}/revoke-api-key"
    form = {"key_id": made["api_key"]["id"]}
    unconfirmed = admin.post(action, data=form, headers={"Origin": "http://localhost"})
    assert unconfirmed.status_code == 303 and "error=confirm" in unconfirmed.location
    assert app.test_client().get("/api/read", headers=bearer(made["key"])).status_code == 200
    done = admin.post(action, data={**form, "confirm": "yes"}, headers={"Origin": "http://localhost"})
    assert done.status_code == 303 and "notice=action" in done.location, done.location
    assert "The API key is revoked" in admin.get(done.location).get_data(as_text=True)
    assert app.test_client().get("/api/read", headers=bearer(made["key"])).status_code == 401

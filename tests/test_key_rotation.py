"""Key rotation and a leaked key, from the outside: previous keys verify, a replaced
secret ends every session, and ``flask sessions revoke-all`` ends them at once.
"""

from __future__ import annotations

import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from tests.conftest import PASSWORD, SECRET, add_user
from tests.helpers import set_cookies
from tests.servers import flask_cli

OLD = SECRET
NEW = "the-new-secret-after-rotation-0123456789"
CREDENTIALS = {"username": "alice", "password": PASSWORD}


def signed_in(app):
    client = app.test_client()
    reply = client.post("/auth/login", json=CREDENTIALS)
    assert reply.status_code == 200
    return client, *tokens_of(reply)


def tokens_of(reply) -> tuple[str, str]:
    cookies = set_cookies(reply)
    return cookies["access_token"]["value"], cookies["refresh_token"]["value"]


def me(app, access: str) -> int:
    return app.test_client().get("/auth/me", headers={"Authorization": f"Bearer {access}"}).status_code


def refresh(app, token: str):
    return app.test_client(use_cookies=False).post("/auth/refresh", headers={"Cookie": f"refresh_token={token}"})


def test_every_token_names_its_key_and_hs256_kid_does_not_reveal_the_secret(make_app):
    app = make_app()
    add_user(app)
    _, access, _ = signed_in(app)
    kid = jwt.get_unverified_header(access)["kid"]
    assert kid and OLD not in kid and kid != jwt.get_unverified_header(signed_in(make_app(JWT_SECRET=NEW))[1])["kid"]


def test_a_token_of_the_previous_secret_verifies_until_the_secret_is_dropped(make_app):
    old = make_app(JWT_SECRET=OLD)
    add_user(old)
    _, access, refresh_token = signed_in(old)

    rotating = make_app(JWT_SECRET=NEW, JWT_PREVIOUS_SECRETS=f"unrelated-retired-secret-0123456789abc,{OLD}")
    assert me(rotating, access) == 200
    renewed = refresh(rotating, refresh_token)
    assert renewed.status_code == 200, renewed.json
    new_access, new_refresh = tokens_of(renewed)

    rotated = make_app(JWT_SECRET=NEW)
    assert me(rotated, access) == 401, "the old secret was dropped: its tokens are refused"
    assert me(rotated, new_access) == 200
    assert refresh(rotated, new_refresh).status_code == 200, "the session moved to the new secret at its refresh"


def test_replacing_the_secret_without_listing_the_old_one_ends_every_session(make_app):
    old = make_app(JWT_SECRET=OLD)
    add_user(old)
    _, access, refresh_token = signed_in(old)
    assert refresh(old, refresh_token).status_code == 200

    _, _, other_refresh = signed_in(old)
    replaced = make_app(JWT_SECRET=NEW)
    assert me(replaced, access) == 401
    reply = refresh(replaced, other_refresh)
    assert reply.status_code == 401 and reply.json["success"] is False
    assert refresh(old, other_refresh).status_code == 200, "the token itself was fine under the old secret"


def test_a_token_naming_an_unknown_key_is_refused(make_app):
    app = make_app()
    add_user(app)
    _, access, _ = signed_in(app)
    claims = jwt.decode(access, SECRET, algorithms=["HS256"], issuer="flask-auth")
    for kid in ("someone-elses-key", ""):
        forged = jwt.encode(claims, SECRET, algorithm="HS256", headers={"kid": kid})
        assert me(app, forged) == 401


def test_a_token_from_before_kids_verifies_with_the_current_key_only(make_app):
    app = make_app()
    add_user(app)
    _, access, _ = signed_in(app)
    claims = jwt.decode(access, SECRET, algorithms=["HS256"], issuer="flask-auth")
    assert me(app, jwt.encode(claims, SECRET, algorithm="HS256")) == 200
    rotated = make_app(JWT_SECRET=NEW, JWT_PREVIOUS_SECRETS=OLD)
    assert me(rotated, jwt.encode(claims, SECRET, algorithm="HS256")) == 401


@pytest.mark.parametrize("value", ["too-short", f"{OLD},short"])
def test_a_short_previous_secret_stops_the_start(make_app, value):
    from auth.core.settings import ConfigError

    with pytest.raises(ConfigError, match="JWT_PREVIOUS_SECRETS"):
        make_app(JWT_PREVIOUS_SECRETS=value)


def _pem(tmp_path, name, key, *, private=True):
    path = tmp_path / name
    if private:
        data = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    else:
        data = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    path.write_bytes(data)
    return str(path)


def test_a_previous_key_file_verifies_and_is_published_until_dropped(make_app, tmp_path):
    old_key, new_key = ed25519.Ed25519PrivateKey.generate(), ec.generate_private_key(ec.SECP256R1())
    old_pem, new_pem = _pem(tmp_path, "old.pem", old_key), _pem(tmp_path, "new.pem", new_key)
    old_public = _pem(tmp_path, "old.pub.pem", old_key, private=False)
    old = make_app(JWT_ALGORITHM="EdDSA", JWT_PRIVATE_KEY_FILE=old_pem)
    add_user(old)
    _, access, refresh_token = signed_in(old)

    for previous in (old_pem, old_public):
        rotating = make_app(JWT_ALGORITHM="ES256", JWT_PRIVATE_KEY_FILE=new_pem, JWT_PREVIOUS_KEY_FILES=previous)
        assert me(rotating, access) == 200
        published = {k["kid"]: k["alg"] for k in rotating.test_client().get("/.well-known/jwks.json").json["keys"]}
        assert sorted(published.values()) == ["ES256", "EdDSA"]
        assert jwt.get_unverified_header(access)["kid"] in published
    renewed = refresh(rotating, refresh_token)
    assert renewed.status_code == 200
    assert jwt.get_unverified_header(tokens_of(renewed)[0])["alg"] == "ES256"

    rotated = make_app(JWT_ALGORITHM="ES256", JWT_PRIVATE_KEY_FILE=new_pem)
    assert me(rotated, access) == 401
    assert [k["alg"] for k in rotated.test_client().get("/.well-known/jwks.json").json["keys"]] == ["ES256"]


def test_previous_hs256_secrets_are_never_published(make_app):
    app = make_app(JWT_PREVIOUS_SECRETS=NEW)
    assert app.test_client().get("/.well-known/jwks.json").status_code == 404


def test_revoke_all_needs_confirmation(app, runner):
    add_user(app)
    signed_in(app)
    assert runner.invoke(args=["sessions", "revoke-all"], input="n\n").exit_code != 0
    result = runner.invoke(args=["sessions", "revoke-all", "--yes"])
    assert result.exit_code == 0 and "Revoked 1 session(s)" in result.output


@pytest.mark.live
def test_revoke_all_ends_every_session_on_every_process(live_server):
    env = live_server.env()
    live_server.prepare(env, {"alice": PASSWORD, "bob": PASSWORD})
    first, second = live_server.start(env), live_server.start(env)
    browsers = {}
    for name in ("alice", "bob"):
        browser = requests.Session()
        assert browser.post(first + "/auth/login", json={"username": name, "password": PASSWORD}, timeout=10).ok
        browsers[name] = browser
    accesses = [b.cookies["access_token"] for b in browsers.values()]
    for url in (first, second):
        for access in accesses:
            assert _me_live(url, access) == 200, "both processes know both sessions"

    result = flask_cli(env, "sessions", "revoke-all", "--yes")
    assert result.returncode == 0 and "Revoked 2 session(s)" in result.stdout, result.stderr
    deadline = time.time() + 1.0
    while any(_me_live(url, access) != 401 for url in (first, second) for access in accesses):
        assert time.time() < deadline, "an access token still works one second after revoke-all"
        time.sleep(0.05)
    for browser in browsers.values():
        assert browser.post(second + "/auth/refresh", timeout=10).status_code == 401


def _me_live(url: str, access: str) -> int:
    return requests.get(url + "/auth/me", headers={"Authorization": f"Bearer {access}"}, timeout=10).status_code

"""Access tokens: the claims we mint, and every forgery refused from the outside."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.conftest import PASSWORD, SECRET, add_user
from tests.helpers import forge, hs256_raw


def access_of(client) -> str:
    return client.get_cookie("access_token").value


def test_minted_claims(make_user, login, client):
    user_id = make_user(roles=("admin",))
    login()
    token = access_of(client)
    header = jwt.get_unverified_header(token)
    body = jwt.decode(token, SECRET, algorithms=["HS256"], issuer="flask-auth")
    assert header["alg"] == "HS256"
    assert body["sub"] == str(user_id) and isinstance(body["sub"], str)
    assert body["roles"] == ["admin"] and body["exp"] - body["iat"] == 900
    assert {"sid", "jti", "iss"} <= body.keys()


def _unsigned(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _live_claims(client) -> dict:
    return jwt.decode(access_of(client), SECRET, algorithms=["HS256"], issuer="flask-auth")


@pytest.mark.parametrize(
    "make_token",
    [
        lambda c: forge(key="another-secret-that-is-long-enough!!", **_live_claims(c)),
        lambda c: _unsigned(_live_claims(c)),
        lambda c: forge(algorithm="HS512", **_live_claims(c)),
        lambda c: forge(**{**_live_claims(c), "iss": "someone-else"}),
        lambda c: forge(**{**_live_claims(c), "exp": _live_claims(c)["iat"] - 1}),
        lambda c: forge(**{**_live_claims(c), "sub": 1}),
        lambda c: forge(**{**_live_claims(c), "roles": "admin"}),
        lambda c: forge(**{**_live_claims(c), "sid": None}),
        lambda c: access_of(c)[:-4] + ("AAAA" if not access_of(c).endswith("AAAA") else "BBBB"),
        lambda c: "not.a.jwt",
    ],
    ids=[
        "wrong-key",
        "alg-none",
        "other-hmac-algorithm",
        "wrong-issuer",
        "expired",
        "numeric-sub",
        "roles-not-a-list",
        "no-sid",
        "tampered-signature",
        "garbage",
    ],
)
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the forger's HS512 key is short
def test_forged_tokens_are_refused(make_user, login, client, app, make_token):
    make_user()
    login()
    token = make_token(client)
    fresh = app.test_client(use_cookies=False)
    for kwargs in ({"headers": {"Authorization": f"Bearer {token}"}}, {"headers": {"Cookie": f"access_token={token}"}}):
        reply = fresh.get("/auth/is-authenticated", **kwargs)
        assert reply.status_code == 401 and reply.json["success"] is False
        assert fresh.get("/auth/me", **kwargs).status_code == 401


def test_token_of_a_deleted_user_is_refused(make_user, login, client, runner):
    make_user()
    login()
    token = access_of(client)
    assert runner.invoke(args=["users", "delete", "alice", "--yes"]).exit_code == 0
    reply = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 401


def test_raw_forwarded_cookie_header_is_read(make_user, login, client, app):
    """Next.js middleware forwards the browser's cookies by hand in a Cookie header."""
    make_user()
    login()
    header = f"theme=dark; access_token={access_of(client)}; other=1"
    reply = app.test_client(use_cookies=False).get("/auth/is-authenticated", headers={"Cookie": header})
    assert reply.status_code == 200 and reply.json == {"success": True}


def test_jwks_is_404_with_hs256(client):
    reply = client.get("/.well-known/jwks.json")
    assert reply.status_code == 404 and reply.json["success"] is False


def test_eddsa_tokens_verify_with_the_published_key(make_app, tmp_path):
    key = ed25519.Ed25519PrivateKey.generate()
    pem = tmp_path / "signing.pem"
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    app = make_app(JWT_ALGORITHM="EdDSA", JWT_PRIVATE_KEY_FILE=str(pem))
    add_user(app)
    client = app.test_client()
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    token = access_of(client)
    keyset = client.get("/.well-known/jwks.json").json
    jwk = keyset["keys"][0]
    assert jwt.get_unverified_header(token)["kid"] == jwk["kid"] and jwk["alg"] == "EdDSA"
    public = jwt.PyJWK(jwk).key
    assert jwt.decode(token, public, algorithms=["EdDSA"], issuer="flask-auth")["sub"] == "1"
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hs_forgery = hs256_raw(jwt.decode(token, options={"verify_signature": False}), public_pem)
    assert client.get("/auth/me", headers={"Authorization": f"Bearer {hs_forgery}"}).status_code == 401


def test_tokens_never_appear_in_logs(make_user, login, client, caplog, capfd):
    make_user()
    caplog.set_level("DEBUG")
    login()
    client.post("/auth/refresh")
    client.post("/auth/logout")
    logged = caplog.text + "".join(capfd.readouterr())
    assert PASSWORD not in logged and "eyJ" not in logged
    assert "refresh_token=" not in logged

"""TOTP secrets at rest: unreadable without the server's key, and tied to their user.

Checked from the outside: a copy of the database under another JWT_SECRET
(an attacker with the database but not the key) cannot use the secret, and
a ciphertext moved onto another user's row does not decrypt there.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

import pyotp
from flask import Flask
from sqlalchemy import select, update

from models import TotpSecret, db
from tests.conftest import PASSWORD, add_user
from tests.test_mfa import at_step, enrol_totp, sign_in

OTHER_SECRET = "another-secret-0123456789-abcdefghijklm"


def enrolled_user(app: Flask, name: str) -> tuple[int, pyotp.TOTP]:
    user_id = add_user(app, name)
    client, reply = sign_in(app, name)
    assert reply.status_code == 200
    totp, _ = enrol_totp(client)
    return user_id, totp


def stored_secret(app: Flask, user_id: int) -> str:
    with app.app_context():
        return db.session.scalar(select(TotpSecret.secret_enc).where(TotpSecret.user_id == user_id))


def decodings(stored: str) -> list[bytes]:
    """What the stored text reads as under the encodings a plain store would use."""
    seen = [stored.encode()]
    for decode in (base64.b64decode, base64.urlsafe_b64decode, base64.b32decode, bytes.fromhex):
        try:
            seen.append(decode(stored))  # type: ignore[operator]
        except (binascii.Error, ValueError):
            pass
    return seen


def test_the_stored_secret_reads_as_nothing_without_the_key(app: Flask) -> None:
    user_id, totp = enrolled_user(app, "alice")
    stored = stored_secret(app, user_id)
    raw_secret = base64.b32decode(totp.secret)
    for plain in decodings(stored):
        assert totp.secret.encode() not in plain and raw_secret not in plain, plain


def test_a_copy_of_the_database_without_the_key_cannot_use_the_secret(
    app: Flask, make_app: Callable[..., Flask]
) -> None:
    _, totp = enrolled_user(app, "alice")
    stolen = make_app(JWT_SECRET=OTHER_SECRET)  # the same database file, another server secret
    client = stolen.test_client()
    step = client.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    assert step.get_json()["mfa_required"] is True
    refused = client.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(totp, 1)})
    assert refused.status_code == 401
    # The control: the same code is good under the right key.
    client, _ = sign_in(app)
    assert client.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(totp, 1)}).status_code == 200


def test_the_secret_is_tied_to_its_user(app: Flask) -> None:
    alice_id, alice_totp = enrolled_user(app, "alice")
    bob_id, _ = enrolled_user(app, "bob")
    with app.app_context():
        db.session.execute(
            update(TotpSecret).where(TotpSecret.user_id == bob_id).values(secret_enc=stored_secret(app, alice_id))
        )
        db.session.commit()
    bob, _ = sign_in(app, "bob")
    moved = bob.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(alice_totp, 1)})
    assert moved.status_code == 401 and bob.get("/auth/me").status_code == 401
    # The control: on its own row the same ciphertext works.
    alice, _ = sign_in(app, "alice")
    assert alice.post("/auth/mfa/verify", json={"method": "totp", "code": at_step(alice_totp, 1)}).status_code == 200

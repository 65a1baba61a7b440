"""Fixtures' helpers for the admin console tests: admins, users, sessions made old."""

from __future__ import annotations

import time

import jwt
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from models import Session, TotpSecret, db
from tests.conftest import PASSWORD, SECRET, add_user


def signed_in(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    reply = client.post("/auth/login", json={"username": name, "password": PASSWORD})
    assert reply.status_code == 200, reply.json
    assert reply.json.get("mfa_required") is not True
    return client


def admin_client(app: Flask, name: str = "root") -> tuple[int, FlaskClient]:
    user_id = add_user(app, name, roles=("admin",))
    return user_id, signed_in(app, name)


def access_claims(client: FlaskClient) -> dict:
    cookie = client.get_cookie("access_token")
    assert cookie is not None
    return jwt.decode(cookie.value, SECRET, algorithms=["HS256"], issuer="flask-auth")


def make_sign_in_old(app: Flask, user_id: int) -> None:
    """Every session of the user last proved who they are an hour ago."""
    with app.app_context():
        db.session.execute(
            update(Session).where(Session.user_id == user_id).values(authenticated_at=time.time() - 3600)
        )
        db.session.commit()


def give_totp(app: Flask, user_id: int) -> None:
    """An enrolled authenticator app, as a row (the admin tests need the fact, not the codes)."""
    with app.app_context():
        db.session.add(TotpSecret(user_id=user_id, secret_enc="x", created_at=time.time(), confirmed_at=time.time()))
        db.session.commit()

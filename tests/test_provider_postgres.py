"""The provider's storage on PostgreSQL: a code claimed once, a reused refresh
token ending its grant, a session's end ending app tokens, and a client's
deletion taking its tokens with it (foreign keys), on a scratch database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from models import OAuthToken, db
from tests.conftest import PASSWORD, add_user, base_env
from tests.provider_flow import REDIRECT, Registered, get_code, pkce, register, rsa_key_file
from tests.servers import scratch_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(postgres_url: str, tmp_path: Path) -> Iterator[Flask]:
    with scratch_postgres(postgres_url) as url:
        built = create_app(
            {
                **base_env(tmp_path),
                "DATABASE_URL": url,
                "OIDC_PROVIDER_ENABLED": "true",
                "OIDC_PROVIDER_KEY_FILE": rsa_key_file(tmp_path),
            }
        )
        with built.app_context():
            db.create_all()
        yield built
        with built.app_context():
            db.session.remove()
            db.engine.dispose()


def token(app: Flask, rp: Registered, **data: str):
    return app.test_client().post("/oauth2/token", data=data, auth=(rp.client_id, rp.secret))


def test_codes_refresh_reuse_session_end_and_client_deletion_on_postgres(app: Flask) -> None:
    add_user(app, "alice")
    rp = register(app)
    browser = app.test_client()
    assert browser.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    proof = pkce()
    code = get_code(browser, rp.client_id, proof.challenge)["code"]
    grant = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": proof.verifier,
    }
    first = token(app, rp, **grant).get_json()
    assert token(app, rp, **grant).get_json()["error"] == "invalid_grant"  # replayed
    assert token(app, rp, grant_type="refresh_token", refresh_token=first["refresh_token"]).status_code == 400

    code = get_code(browser, rp.client_id, proof.challenge)["code"]
    second = token(app, rp, **{**grant, "code": code}).get_json()
    rotated = token(app, rp, grant_type="refresh_token", refresh_token=second["refresh_token"]).get_json()
    assert token(app, rp, grant_type="refresh_token", refresh_token=second["refresh_token"]).status_code == 400
    assert token(app, rp, grant_type="refresh_token", refresh_token=rotated["refresh_token"]).status_code == 400

    code = get_code(browser, rp.client_id, proof.challenge)["code"]
    third = token(app, rp, **{**grant, "code": code}).get_json()
    assert browser.post("/auth/logout", headers={"Origin": "http://localhost"}).status_code == 200
    assert token(app, rp, grant_type="refresh_token", refresh_token=third["refresh_token"]).status_code == 400

    assert app.test_cli_runner().invoke(args=["clients", "delete", rp.client_id]).exit_code == 0
    with app.app_context():
        assert db.session.query(OAuthToken).count() == 0

"""Principal checks belong to one app: two apps in one process do not share them (issue 18)."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify

from auth import Principal, login_required
from auth.core.errors import Forbidden
from auth.web.guard import add_principal_check
from tests.conftest import PASSWORD, add_user


def guarded(app: Flask) -> Flask:
    api = Blueprint("api", __name__)

    @api.get("/api/profile")
    @login_required
    def profile():
        return jsonify(success=True)

    app.register_blueprint(api)
    return app


def profile_status(app: Flask) -> int:
    add_user(app)
    client = app.test_client()
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    return client.get("/api/profile").status_code


def refuse_everyone(principal: Principal) -> None:
    raise Forbidden(f"No entry for user {principal.user_id}.")


def test_a_check_added_to_one_app_runs_in_that_app_only(tmp_path, make_app):
    strict = guarded(make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'strict.sqlite3'}"))
    plain = guarded(make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'plain.sqlite3'}"))
    add_principal_check(strict, refuse_everyone)
    assert profile_status(strict) == 403
    assert profile_status(plain) == 200


def test_adding_the_same_check_twice_runs_it_once(make_app):
    app = guarded(make_app())
    calls: list[str] = []

    def count(principal: Principal) -> None:
        calls.append(principal.user_id)

    add_principal_check(app, count)
    add_principal_check(app, count)
    assert profile_status(app) == 200
    assert len(calls) == 1

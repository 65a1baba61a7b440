"""POST /auth/login: credentials, bodies, replies, and hashes."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from models import User, db
from tests.conftest import PASSWORD


def test_login_replies_like_the_tutorial(make_user, login):
    make_user()
    reply = login()
    assert reply.status_code == 200
    assert reply.json == {"success": True, "message": "User logged in"}
    assert reply.headers["Cache-Control"] == "no-store"


def test_unknown_user_and_wrong_password_get_the_same_reply(make_user, login):
    make_user()
    wrong = login(password="not the password")
    unknown = login(name="mallory")
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json
        == unknown.json
        == {
            "success": False,
            "message": "Invalid username or password.",
            "error": "invalid_credentials",
        }
    )
    assert "Set-Cookie" not in wrong.headers and "Set-Cookie" not in unknown.headers


@pytest.mark.parametrize(
    "name",
    ["ALICE", "Alice", "\uff21\uff4c\uff49\uff43\uff45", " alice "],
    ids=["upper", "title", "fullwidth", "padded"],
)
def test_usernames_compare_case_insensitively_after_normalisation(make_user, login, name):
    make_user("alice")
    assert login(name=name).status_code == 200


def test_form_body_from_the_sign_in_page(make_user, client):
    make_user()
    reply = client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    assert reply.status_code == 303 and reply.headers["Location"] == "/auth/login"
    assert "signed in as <strong>alice</strong>" in client.get("/auth/login").text
    assert client.get("/auth/me").status_code == 200


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "JSON object"),
        ({"json": ["alice", PASSWORD]}, 400, "JSON object"),
        ({"json": "alice"}, 400, "JSON object"),
        ({"json": {"password": PASSWORD}}, 400, "'username' is required"),
        ({"json": {"username": "alice"}}, 400, "'password' is required"),
        ({"json": {"username": 7, "password": PASSWORD}}, 400, "'username' must be a string"),
        ({"json": {"username": "alice", "password": None}}, 400, "'password' is required"),
        ({"json": {"username": "alice", "password": ["x"]}}, 400, "'password' must be a string"),
        ({"json": {"username": "", "password": PASSWORD}}, 400, "must not be empty"),
        ({"json": {"username": "a" * 65, "password": PASSWORD}}, 400, "too long"),
        ({"json": {"username": "alice", "password": "x" * 1025}}, 400, "too long"),
        ({"json": {"username": "al\x00ice", "password": PASSWORD}}, 400, "NUL"),
        ({"data": b"\xff\xfe", "content_type": "application/json"}, 400, "JSON object"),
        ({"data": "username=alice", "content_type": "text/plain"}, 415, "Content-Type"),
        ({"data": "{}"}, 415, "Content-Type"),
        ({"json": {"username": "alice", "password": "x" * 20000}}, 413, "too large"),
    ],
    ids=[
        "broken-json",
        "json-array",
        "json-string",
        "missing-username",
        "missing-password",
        "username-not-a-string",
        "password-null",
        "password-a-list",
        "empty-username",
        "username-too-long",
        "password-too-long",
        "nul-byte",
        "invalid-utf8",
        "text-plain",
        "no-content-type",
        "body-over-limit",
    ],
)
def test_bad_bodies_get_a_clear_json_4xx(make_user, client, kwargs, status, message):
    make_user()
    reply = client.post("/auth/login", **kwargs)
    assert reply.status_code == status
    assert reply.is_json and reply.json["success"] is False
    assert message in reply.json["message"]


def test_outdated_hash_is_upgraded_on_login(app, make_user, login):
    user_id = make_user()
    weak = PasswordHasher(time_cost=1, memory_cost=32, parallelism=1).hash(PASSWORD)
    with app.app_context():
        db.session.get(User, user_id).password_hash = weak
        db.session.commit()
    assert login().status_code == 200
    with app.app_context():
        upgraded = db.session.get(User, user_id).password_hash
    assert upgraded != weak and "m=64,t=1,p=1" in upgraded


def test_password_is_never_stored_in_clear(app, make_user):
    user_id = make_user()
    with app.app_context():
        stored = db.session.get(User, user_id).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored

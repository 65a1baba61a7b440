"""Property tests of the email endpoints' bodies: never a 5xx, always JSON with
``success`` (or, for a built-in page's form post, an HTML page), whatever arrives.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from tests.conftest import PASSWORD, add_user
from tests.test_fuzz import FUZZ, awkward_text, content_types, encode, json_values

FIELDS = ("email", "token", "new_password")
# (path, signed in, answers a form post with a page (or a 303 to one)); every one of them
# is also a form on a built-in page (the account page, the mail request pages).
ENDPOINTS = [
    ("/auth/email", True, True),
    ("/auth/email/verify", False, True),
    ("/auth/password/forgot", False, True),
    ("/auth/password/reset", False, True),
    ("/auth/magic-link", False, True),
    ("/auth/magic-link/verify", False, True),
]
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
field_objects = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=12), json_values, max_size=4)
awkward_objects = st.fixed_dictionaries({}, optional={name: awkward_text for name in FIELDS})


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, FlaskClient]:
    """One app for the module (mail printed to the console in DEV, magic links on); a signed-in client and not."""
    from app import create_app
    from models import db
    from tests.conftest import base_env

    app: Flask = create_app({**base_env(tmp_path_factory.mktemp("mailfuzz")), "ALLOW_MAGIC_LINKS": "true"})
    with app.app_context():
        db.create_all()
    add_user(app)
    signed_in = app.test_client()
    assert signed_in.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    return {True: signed_in, False: app.test_client()}


def check(response: TestResponse, path: str, page: bool, content_type: str) -> None:
    where = f"{path} [{content_type!r}] -> {response.status_code}"
    assert response.status_code < 500, f"{where}: {response.get_data()[:300]!r}"
    if page and content_type.split(";")[0].strip() in FORM_TYPES and response.mimetype == "text/html":
        return
    assert response.mimetype == "application/json", f"{where}: {response.mimetype}"
    body = response.get_json()
    assert isinstance(body, dict) and isinstance(body.get("success"), bool), f"{where}: {body!r}"
    if response.status_code >= 400:
        assert body["success"] is False and str(body.get("message", "")).strip(), f"{where}: {body!r}"


params = [pytest.param(*endpoint, id=endpoint[0]) for endpoint in ENDPOINTS]


@pytest.mark.parametrize(("path", "auth", "page"), params)
@FUZZ
@given(value=json_values | field_objects | awkward_objects, ascii_only=st.booleans())
def test_any_json_body(
    clients: dict[bool, FlaskClient], path: str, auth: bool, page: bool, value: Any, ascii_only: bool
) -> None:
    response = clients[auth].post(path, data=encode(value, ascii_only), content_type="application/json")
    check(response, path, page, "application/json")
    if not isinstance(value, dict):
        assert response.status_code == 400


@pytest.mark.parametrize(("path", "auth", "page"), params)
@FUZZ
@given(data=st.binary(max_size=1024), content_type=content_types)
def test_any_bytes_under_any_content_type(
    clients: dict[bool, FlaskClient], path: str, auth: bool, page: bool, data: bytes, content_type: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    check(clients[auth].post(path, data=data, headers=headers), path, page, content_type)


@pytest.mark.parametrize(
    "address",
    [
        pytest.param("", id="empty"),
        pytest.param("plain", id="no-at"),
        pytest.param("a@b@c.test", id="two-ats"),
        pytest.param("a@localhost", id="no-dot-in-domain"),
        pytest.param("a b@c.test", id="space"),
        pytest.param("a\x07@c.test", id="control-character"),
        pytest.param("a\u202e@c.test", id="bidi-override"),
        pytest.param("a@-c.test", id="label-starts-with-hyphen"),
        pytest.param("a@c.123", id="numeric-tld"),
        pytest.param(".a@c.test", id="leading-dot"),
        pytest.param("a..b@c.test", id="double-dot"),
        pytest.param("x" * 65 + "@c.test", id="local-part-too-long"),
        pytest.param("x@" + "c" * 250 + ".test", id="address-too-long"),
        pytest.param('"a"@c.test', id="quoted-local-part"),
    ],
)
def test_malformed_addresses_are_400(clients: dict[bool, FlaskClient], address: str) -> None:
    reply = clients[False].post("/auth/password/forgot", json={"email": address})
    assert reply.status_code == 400, reply.get_json()
    assert reply.get_json()["success"] is False


@pytest.mark.parametrize("address", ["a@b.test", "Ünïcødé@bücher.example", "first.last+tag@sub.domain.example"])
def test_ordinary_addresses_are_accepted(clients: dict[bool, FlaskClient], address: str) -> None:
    assert clients[False].post("/auth/password/forgot", json={"email": address}).status_code == 202


def test_the_check_can_fail(clients: dict[bool, FlaskClient]) -> None:
    app = clients[False].application
    html = app.response_class("<p>x</p>", status=400, mimetype="text/html")
    with pytest.raises(AssertionError):
        check(html, "/auth/password/forgot", False, "application/json")  # type: ignore[arg-type]

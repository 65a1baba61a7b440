"""Property tests of every JSON endpoint's body through the Flask test client.

Whatever arrives (arbitrary JSON values, wrong types, deep nesting, random
bytes under any content type, invalid UTF-8, bodies over the size limit) the
reply is never a 5xx, and is JSON with ``success`` (false and a non-empty
``message`` on failure). The exceptions are the built-in pages' form posts:
``POST /auth/login`` and ``POST /auth/register`` (HTML or a redirect) and
``POST /auth/logout`` (a redirect).

Every test runs against SQLite and PostgreSQL: PostgreSQL enforces column
lengths that SQLite ignores, so a value too long to store is a 500 only there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from models import db
from tests.conftest import PASSWORD, add_user
from tests.servers import scratch_postgres

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_BODY = 16 * 1024
FIELDS = ("username", "password", "current_password", "new_password", "next")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    authenticated: bool
    reads_body: bool
    ends_session: bool = False

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


ENDPOINTS = [
    Endpoint("POST", "/auth/login", authenticated=False, reads_body=True),
    Endpoint("POST", "/auth/register", authenticated=False, reads_body=True),
    Endpoint("POST", "/auth/password", authenticated=True, reads_body=True),
    Endpoint("POST", "/auth/refresh", authenticated=True, reads_body=False),
    Endpoint("POST", "/auth/logout", authenticated=True, reads_body=False, ends_session=True),
    Endpoint("POST", "/auth/logout-all", authenticated=True, reads_body=False, ends_session=True),
    Endpoint("DELETE", "/auth/sessions/not-a-session", authenticated=True, reads_body=False),
    Endpoint("GET", "/auth/is-authenticated", authenticated=True, reads_body=False),
    Endpoint("GET", "/auth/me", authenticated=True, reads_body=False),
    Endpoint("GET", "/auth/sessions", authenticated=True, reads_body=False),
]
BODY_ENDPOINTS = [e for e in ENDPOINTS if e.reads_body]

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=25,
)
# Objects whose keys are mostly the real field names, with values of any type.
field_objects = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=12), json_values, max_size=6)
# Strings that are hard to store: lone surrogates, NUL, control and astral characters, very long.
awkward_text = st.one_of(
    st.text(st.characters(codec=None), max_size=80),
    st.sampled_from(
        [
            "\ud800",
            "a\udfff",
            "\x00",
            " ",
            "\u202e",
            "\U0001d51e\U0001d529\U0001d526\U0001d520\U0001d522",
            "\uff21\uff2c\uff29\uff23\uff25",
            "a" * 65,
            "ß" * 64,
            "p" * 1025,
        ]
    ),
)
awkward_objects = st.fixed_dictionaries({}, optional={name: awkward_text for name in FIELDS})
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
        "application/json; charset=no-such-codec",
        "application/vnd.api+json",
        "text/plain",
        "text/html",
        "application/xml",
        "application/octet-stream",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=xyz",
        "",
    ]
)


def encode(value: Any, ascii_only: bool) -> bytes:
    """JSON text as bytes; without ascii escapes, lone surrogates become invalid UTF-8."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


ERROR_CODE = re.compile(r"[a-z][a-z0-9_]*")  # every failure carries a stable code (docs/i18n.md)


def assert_well_formed(response: TestResponse, endpoint: Endpoint, content_type: str) -> None:
    """No 5xx; JSON with ``success``; failures say why. HTML only for the sign-in and registration forms."""
    where = f"{endpoint.id} [{content_type!r}] -> {response.status_code}"
    assert response.status_code < 500, f"{where}: {response.get_data()[:300]!r}"
    form_post = content_type.split(";")[0].strip() in FORM_TYPES
    if response.mimetype == "text/html" and form_post and endpoint.path in ("/auth/login", "/auth/register"):
        return
    if response.status_code == 303 and form_post and endpoint.path in ("/auth/login", "/auth/register", "/auth/logout"):
        return  # after the sign-in and registration forms, and the built-in pages' sign-out button
    assert response.mimetype == "application/json", f"{where}: {response.mimetype}"
    body = response.get_json()
    assert isinstance(body, dict) and isinstance(body.get("success"), bool), f"{where}: {body!r}"
    if response.status_code >= 400:
        assert body["success"] is False, f"{where}: {body!r}"
        assert isinstance(body.get("message"), str) and body["message"].strip(), f"{where}: {body!r}"
        assert ERROR_CODE.fullmatch(str(body.get("error", ""))), f"{where}: no error code: {body!r}"


class Caller:
    """Sends bodies to an endpoint, signed in first when the endpoint needs it."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client = app.test_client()
        self.signed_in = False

    def sign_in(self, client: FlaskClient) -> None:
        reply = client.post("/auth/login", json={"username": "alice", "password": PASSWORD})
        assert reply.status_code == 200, reply.get_json()

    def send(self, endpoint: Endpoint, data: bytes, content_type: str) -> TestResponse:
        client = self.client
        if endpoint.authenticated and (endpoint.ends_session or not self.signed_in):
            if endpoint.ends_session:
                client = self.app.test_client()
            self.sign_in(client)
            self.signed_in = self.signed_in or client is self.client
        headers = {"Content-Type": content_type} if content_type else {}
        return client.open(endpoint.path, method=endpoint.method, data=data, headers=headers)


@pytest.fixture(scope="module")
def fuzz_postgres(postgres_url: str) -> Iterator[str]:
    """This module's own PostgreSQL database, dropped at the end."""
    with scratch_postgres(postgres_url) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """'' for the app's own SQLite file, else the module's PostgreSQL database."""
    return request.getfixturevalue("fuzz_postgres") if request.param == "postgres" else ""


@pytest.fixture
def reg_app(make_app: Callable[..., Flask], database_url: str) -> Iterator[Flask]:
    """An app with registration on and alice as a user, on a fresh schema."""
    app = make_app(ALLOW_REGISTRATION="true", **({"DATABASE_URL": database_url} if database_url else {}))
    with app.app_context():
        db.drop_all()
        db.create_all()
    add_user(app)
    yield app
    with app.app_context():
        db.engine.dispose()  # the server is shared: give its connections back


@pytest.fixture
def caller(reg_app: Flask) -> Iterator[Caller]:
    yield Caller(reg_app)


endpoint_params = [pytest.param(e, id=e.id) for e in ENDPOINTS]
body_endpoint_params = [pytest.param(e, id=e.id) for e in BODY_ENDPOINTS]


@pytest.mark.parametrize("endpoint", endpoint_params)
@FUZZ
@given(value=json_values | field_objects, ascii_only=st.booleans())
def test_any_json_value_gets_a_json_reply(caller: Caller, endpoint: Endpoint, value: Any, ascii_only: bool) -> None:
    response = caller.send(endpoint, encode(value, ascii_only), "application/json")
    assert_well_formed(response, endpoint, "application/json")
    if endpoint.reads_body and not isinstance(value, dict):
        assert response.status_code == 400, "a body that is not a JSON object is malformed"


@pytest.mark.parametrize("endpoint", body_endpoint_params)
@FUZZ
@given(value=awkward_objects, ascii_only=st.booleans())
def test_awkward_strings_in_the_real_fields(caller: Caller, endpoint: Endpoint, value: Any, ascii_only: bool) -> None:
    response = caller.send(endpoint, encode(value, ascii_only), "application/json")
    assert_well_formed(response, endpoint, "application/json")


@pytest.mark.parametrize("endpoint", endpoint_params)
@FUZZ
@given(data=st.binary(max_size=2048), content_type=content_types)
def test_arbitrary_bytes_under_any_content_type(
    caller: Caller, endpoint: Endpoint, data: bytes, content_type: str
) -> None:
    response = caller.send(endpoint, data, content_type)
    assert_well_formed(response, endpoint, content_type)


@pytest.mark.parametrize("endpoint", body_endpoint_params)
@settings(FUZZ, max_examples=15)
@given(
    extra=st.integers(min_value=1, max_value=64 * 1024), content_type=content_types, filler=st.sampled_from(b"a{[\xff")
)
def test_bodies_over_the_limit_get_413(
    caller: Caller, endpoint: Endpoint, extra: int, content_type: str, filler: int
) -> None:
    response = caller.send(endpoint, bytes([filler]) * (MAX_BODY + extra), content_type)
    assert_well_formed(response, endpoint, content_type)
    mimetype = content_type.split(";")[0].strip()
    parsed = mimetype.endswith(("/json", "+json", "x-www-form-urlencoded")) or "boundary" in content_type
    expected = {413} if parsed else {400, 413, 415}
    assert response.status_code in expected, f"{endpoint.id} [{content_type!r}]: {response.status_code}"


@pytest.mark.parametrize("endpoint", body_endpoint_params)
@settings(FUZZ, max_examples=20)
@given(depth=st.integers(min_value=50, max_value=MAX_BODY // 2 - 1), opener=st.sampled_from(["[", '{"a":']))
def test_deep_nesting_is_a_bad_request(caller: Caller, endpoint: Endpoint, depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    body = (opener * depth + closer * depth).encode()
    if len(body) > MAX_BODY:
        body = body[:MAX_BODY]
    response = caller.send(endpoint, body, "application/json")
    assert_well_formed(response, endpoint, "application/json")
    assert response.status_code == 400


# --- regressions, each naming what it proves ------------------------------------------

DEEP = b"[" * 8000 + b"]" * 8000


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("/auth/login", DEEP, id="login-deeply-nested-json-is-400-not-recursion-500"),
        pytest.param("/auth/register", DEEP, id="register-deeply-nested-json-is-400-not-recursion-500"),
        pytest.param("/auth/password", DEEP, id="password-deeply-nested-json-is-400-not-recursion-500"),
        pytest.param(
            "/auth/login", b'{"username": "\\ud800", "password": "x"}', id="login-lone-surrogate-username-is-400"
        ),
        pytest.param(
            "/auth/register",
            b'{"username": "bob\\udfff", "password": "a long enough secret"}',
            id="register-lone-surrogate-username-is-400",
        ),
        pytest.param(
            "/auth/password",
            b'{"current_password": "\\ud800", "new_password": "a long enough secret"}',
            id="password-lone-surrogate-is-400",
        ),
        pytest.param("/auth/login", b'{"username": "a", "password": NaN}', id="login-nan-password-is-400"),
        pytest.param("/auth/login", b'{"username": 1e999, "password": "x"}', id="login-infinite-number-is-400"),
        pytest.param("/auth/login", b"\xff\xfe\x00{", id="login-invalid-utf8-is-400"),
    ],
)
def test_malformed_body_regressions(caller: Caller, path: str, body: bytes) -> None:
    endpoint = next(e for e in ENDPOINTS if e.path == path)
    response = caller.send(endpoint, body, "application/json")
    assert_well_formed(response, endpoint, "application/json")
    assert response.status_code == 400


def test_a_name_that_folds_past_the_column_is_400(caller: Caller) -> None:
    """ "ß" * 64 is 64 characters but its key, "ss" * 64, is 128: too long for PostgreSQL's column."""
    reply = caller.client.post("/auth/register", json={"username": "ß" * 64, "password": "a long enough secret"})
    assert reply.status_code == 400 and "too long" in reply.get_json()["message"]
    reply = caller.client.post("/auth/register", json={"username": "ß" * 32, "password": "a long enough secret"})
    assert reply.status_code == 201, reply.get_json()


def test_deep_nesting_with_rate_limits_on_is_400(make_app: Callable[..., Flask]) -> None:
    client = make_app(RATELIMIT_ENABLED="true").test_client()
    response = client.post("/auth/login", data=DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["success"] is False


def test_the_well_formed_check_can_fail(app: Flask) -> None:
    """assert_well_formed refuses an HTML reply from a JSON endpoint and a failure without message or code."""
    endpoint = ENDPOINTS[0]
    html = app.response_class("<p>oops</p>", status=400, mimetype="text/html")
    with pytest.raises(AssertionError):
        assert_well_formed(html, endpoint, "application/json")  # type: ignore[arg-type]
    bare = app.response_class('{"success": false}', status=401, mimetype="application/json")
    with pytest.raises(AssertionError):
        assert_well_formed(bare, endpoint, "application/json")  # type: ignore[arg-type]
    uncoded = app.response_class('{"success": false, "message": "No."}', status=401, mimetype="application/json")
    with pytest.raises(AssertionError, match="no error code"):
        assert_well_formed(uncoded, endpoint, "application/json")  # type: ignore[arg-type]


@pytest.mark.redis
def test_lone_surrogate_username_with_redis_limits_is_400(make_app: Callable[..., Flask], redis_url: str) -> None:
    client = make_app(RATELIMIT_ENABLED="true", REDIS_URL=redis_url).test_client()
    response = client.post(
        "/auth/login", data=b'{"username": "\\ud800", "password": "x"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["success"] is False

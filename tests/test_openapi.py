"""The OpenAPI document stays true: valid 3.1, one-to-one with the url_map, and
real replies of every endpoint match the documented statuses, content types,
headers and body schemas.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from werkzeug.test import TestResponse

from auth.web.openapi_view import DOCUMENT, document, merge
from tests.conftest import PASSWORD, add_user

DOC: dict[str, Any] = document()
AUTOMATIC_METHODS = {"HEAD", "OPTIONS"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
EVIL = "https://evil.example"


def openapi_path(rule: str) -> str:
    """Werkzeug's ``/a/<conv:name>`` as OpenAPI's ``/a/{name}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def routes(app: Flask) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in (rule.methods or set()) - AUTOMATIC_METHODS:
            found.add((openapi_path(rule.rule), method.lower()))
    return found


def documented() -> set[tuple[str, str]]:
    return {(path, method) for path, item in DOC["paths"].items() for method in item if method in HTTP_METHODS}


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (components/responses, components/schemas, ...)."""
    while "$ref" in node:
        target: Any = DOC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for a fragment whose ``#/components/...`` refs resolve against the document."""
    return Draft202012Validator({"components": DOC["components"], **schema})


def operation_of(path: str, method: str) -> dict[str, Any]:
    return DOC["paths"][path][method.lower()]


def check_reply(response: TestResponse, path: str, method: str) -> None:
    """The reply's status, content type, headers and body are what the document says."""
    operation = operation_of(path, method)
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {path}: {status} is not documented"
    documented_reply = resolve(operation["responses"][status])
    for name, header in documented_reply.get("headers", {}).items():
        if header.get("required"):
            assert name in response.headers, f"{method} {path} {status}: missing header {name}"
            schema = header.get("schema")
            if schema:
                errors = list(validator(schema).iter_errors(response.headers[name]))
                assert not errors, f"{method} {path} {status}: header {name}: {errors[0].message}"
    content = documented_reply.get("content")
    if not content:
        return
    assert response.mimetype in content, f"{method} {path} {status}: {response.mimetype} not in {sorted(content)}"
    if response.mimetype == "application/json":
        body = response.get_json()
        errors = sorted(validator(content["application/json"]["schema"]).iter_errors(body), key=str)
        assert not errors, f"{method} {path} {status}: {errors[0].message} in {body!r}"


# --- the document itself ------------------------------------------------------


def test_document_is_valid_openapi_3_1() -> None:
    assert DOC["openapi"].startswith("3.1")
    OpenAPIV31SpecValidator(DOC).validate()


def test_validator_catches_an_invalid_document() -> None:
    """The check above can fail: a path with a response lacking its description is refused."""
    broken = json.loads(json.dumps(DOC))
    broken["paths"]["/healthz"]["get"]["responses"]["200"] = {"content": {}}
    errors = list(OpenAPIV31SpecValidator(broken).iter_errors())
    assert errors


def test_every_route_is_documented_with_its_methods_and_nothing_else(app: Flask) -> None:
    actual, doc = routes(app), documented()
    assert actual - doc == set(), "routes missing from auth/web/openapi.json"
    assert doc - actual == set(), "documented operations the app does not serve"


def test_route_listing_sees_the_openapi_route(app: Flask) -> None:
    """Guards the comparison above against a url_map walk that finds nothing."""
    assert ("/openapi.json", "get") in routes(app)
    assert ("/auth/sessions/{session_id}", "delete") in routes(app)


def test_every_operation_documents_json_failures_with_message_and_code() -> None:
    for path, item in DOC["paths"].items():
        for method, operation in item.items():
            for status, reply in operation["responses"].items():
                if int(status) < 400:
                    continue
                schema = resolve(resolve(reply)["content"]["application/json"]["schema"])
                assert schema["required"] == ["success", "message", "error"], f"{method} {path} {status}"


def test_unsafe_operations_document_the_csrf_refusal() -> None:
    for path, item in DOC["paths"].items():
        for method, operation in item.items():
            if method in {"post", "put", "patch", "delete"}:
                assert "403" in operation["responses"], f"{method} {path}"


def test_rate_limited_replies_require_retry_after() -> None:
    for name in ("TooManyRequests", "Busy"):
        assert DOC["components"]["responses"][name]["headers"]["Retry-After"]["required"] is True


def test_served_document_is_the_file(client: FlaskClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == DOC
    check_reply(response, "/openapi.json", "GET")


def test_capability_fragments_merge_and_may_not_redefine() -> None:
    base = {"paths": {"/a": {}}, "components": {"schemas": {"A": {}}}}
    merged = merge(base, {"mail": {"paths": {"/b": {}}, "components": {"schemas": {"B": {}}}}})
    assert set(merged["paths"]) == {"/a", "/b"} and set(merged["components"]["schemas"]) == {"A", "B"}
    with pytest.raises(ValueError, match="/a"):
        merge(merged, {"mfa": {"paths": {"/a": {}}}})
    assert DOCUMENT.is_file()


def test_undocumented_method_gets_405_with_allow(client: FlaskClient) -> None:
    response = client.put("/auth/login")
    assert response.status_code == 405
    assert response.get_json()["success"] is False
    assert set(response.headers.get("Allow", "").replace(" ", "").split(",")) >= {"GET", "POST"}


# --- real replies against the document ----------------------------------------


def test_session_flow_replies_match_the_document(
    client: FlaskClient, make_user: Callable[..., int], login: Callable[..., Any]
) -> None:
    make_user()
    c = client
    reply = c.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    assert reply.status_code == 200
    check_reply(reply, "/auth/login", "POST")
    check_reply(c.get("/auth/is-authenticated"), "/auth/is-authenticated", "GET")
    me = c.get("/auth/me")
    assert me.status_code == 200
    check_reply(me, "/auth/me", "GET")
    listing = c.get("/auth/sessions")
    assert listing.status_code == 200 and listing.get_json()["sessions"]
    check_reply(listing, "/auth/sessions", "GET")
    check_reply(c.delete("/auth/sessions/no-such-session"), "/auth/sessions/{session_id}", "DELETE")
    refreshed = c.post("/auth/refresh")
    assert refreshed.status_code == 200
    check_reply(refreshed, "/auth/refresh", "POST")
    wrong = c.post("/auth/password", json={"current_password": "nope", "new_password": "another long secret"})
    assert wrong.status_code == 401
    check_reply(wrong, "/auth/password", "POST")
    weak = c.post("/auth/password", json={"current_password": PASSWORD, "new_password": "short"})
    assert weak.status_code == 400
    check_reply(weak, "/auth/password", "POST")
    changed = c.post("/auth/password", json={"current_password": PASSWORD, "new_password": "a much longer secret 42"})
    assert changed.status_code == 200
    check_reply(changed, "/auth/password", "POST")
    own = c.get("/auth/sessions").get_json()["sessions"][0]["id"]
    ended = c.delete(f"/auth/sessions/{own}")
    assert ended.status_code == 200
    check_reply(ended, "/auth/sessions/{session_id}", "DELETE")
    for path, method in (("/auth/me", "GET"), ("/auth/sessions", "GET"), ("/auth/logout-all", "POST")):
        refused = c.open(path, method=method)
        assert refused.status_code == 401, path
        check_reply(refused, path, method)
    check_reply(c.post("/auth/logout"), "/auth/logout", "POST")


def test_logout_all_and_failed_logins_match_the_document(client: FlaskClient, make_user: Callable[..., int]) -> None:
    make_user()
    c = client
    bad = c.post("/auth/login", json={"username": "alice", "password": "wrong"})
    assert bad.status_code == 401
    check_reply(bad, "/auth/login", "POST")
    check_reply(c.post("/auth/login", json={"username": 5}), "/auth/login", "POST")
    check_reply(c.post("/auth/login", data="x", content_type="text/plain"), "/auth/login", "POST")
    check_reply(c.post("/auth/login", data="x" * 20_000, content_type="application/json"), "/auth/login", "POST")
    check_reply(c.post("/auth/login", json={}, headers={"Origin": EVIL}), "/auth/login", "POST")
    c.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    everything = c.post("/auth/logout-all")
    assert everything.status_code == 200
    check_reply(everything, "/auth/logout-all", "POST")
    check_reply(c.post("/auth/refresh"), "/auth/refresh", "POST")
    check_reply(c.get("/auth/is-authenticated"), "/auth/is-authenticated", "GET")


def test_form_signin_replies_match_the_document(client: FlaskClient, make_user: Callable[..., int]) -> None:
    make_user()
    c = client
    page = c.get("/auth/login?next=http://localhost:3000/home")
    assert page.status_code == 200
    check_reply(page, "/auth/login", "GET")
    failed = c.post("/auth/login", data={"username": "alice", "password": "wrong"})
    assert failed.status_code == 401 and failed.mimetype == "text/html"
    check_reply(failed, "/auth/login", "POST")
    redirected = c.post(
        "/auth/login", data={"username": "alice", "password": PASSWORD, "next": "http://localhost:3000/home"}
    )
    assert redirected.status_code == 303
    check_reply(redirected, "/auth/login", "POST")
    shown = c.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    assert shown.status_code == 303 and shown.headers["Location"] == "/auth/login"
    check_reply(shown, "/auth/login", "POST")
    account = c.get("/auth/account")
    assert account.status_code == 200
    check_reply(account, "/auth/account", "GET")
    out = c.post("/auth/logout", content_type="application/x-www-form-urlencoded")
    assert out.status_code == 303
    check_reply(out, "/auth/logout", "POST")
    away = c.get("/auth/account")
    assert away.status_code == 303
    check_reply(away, "/auth/account", "GET")


def test_a_rate_limited_form_sign_in_matches_the_document(make_app: Callable[..., Flask]) -> None:
    c = make_app(RATELIMIT_ENABLED="true", RATELIMIT_LOGIN_IP="1 per minute").test_client()
    c.post("/auth/login", data={"username": "alice", "password": "wrong"})
    limited = c.post("/auth/login", data={"username": "alice", "password": "wrong"})
    assert limited.status_code == 429 and limited.mimetype == "text/html"
    check_reply(limited, "/auth/login", "POST")


def test_registration_replies_match_the_document(make_app: Callable[..., Flask]) -> None:
    off = make_app().test_client()
    disabled = off.post("/auth/register", json={"username": "bob", "password": "a long enough secret"})
    assert disabled.status_code == 404
    check_reply(disabled, "/auth/register", "POST")
    c = make_app(ALLOW_REGISTRATION="true").test_client()
    created = c.post("/auth/register", json={"username": "bob", "password": "a long enough secret"})
    assert created.status_code == 201
    check_reply(created, "/auth/register", "POST")
    taken = c.post("/auth/register", json={"username": "bob", "password": "a long enough secret"})
    assert taken.status_code == 409
    check_reply(taken, "/auth/register", "POST")
    weak = c.post("/auth/register", json={"username": "carol", "password": "short"})
    assert weak.status_code == 400
    check_reply(weak, "/auth/register", "POST")


def test_double_submit_login_reply_carries_csrf_token(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(CSRF_MODE="double-submit")
    add_user(app)
    c = app.test_client()
    reply = c.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    assert reply.status_code == 200 and reply.get_json()["csrf_token"]
    check_reply(reply, "/auth/login", "POST")
    missing_echo = c.post("/auth/logout-all")
    assert missing_echo.status_code == 403
    check_reply(missing_echo, "/auth/logout-all", "POST")


def test_rate_limited_login_matches_the_document(make_app: Callable[..., Flask]) -> None:
    c = make_app(RATELIMIT_ENABLED="true", RATELIMIT_LOGIN_USER_IP="2 per minute").test_client()
    replies = [c.post("/auth/login", json={"username": "mallory", "password": "guess"}) for _ in range(3)]
    assert [r.status_code for r in replies] == [401, 401, 429]
    check_reply(replies[-1], "/auth/login", "POST")


def test_service_replies_match_the_document(
    client: FlaskClient, make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200
    check_reply(health, "/healthz", "GET")
    no_keys = client.get("/.well-known/jwks.json")
    assert no_keys.status_code == 404
    check_reply(no_keys, "/.well-known/jwks.json", "GET")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key = tmp_path / "ed25519.pem"
    key.write_bytes(pem)
    signed = make_app(JWT_ALGORITHM="EdDSA", JWT_PRIVATE_KEY_FILE=str(key)).test_client()
    keys = signed.get("/.well-known/jwks.json")
    assert keys.status_code == 200 and keys.get_json()["keys"]
    check_reply(keys, "/.well-known/jwks.json", "GET")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"success": True}, "required", id="failure-without-message-is-caught"),
        pytest.param({"success": "yes", "message": "x"}, "const", id="non-boolean-success-is-caught"),
    ],
)
def test_schema_check_can_fail(body: dict[str, Any], message: str) -> None:
    schema = resolve(DOC["components"]["responses"]["Unauthorized"])["content"]["application/json"]["schema"]
    errors = list(validator(schema).iter_errors(body))
    assert errors and any(message in e.message or message == e.validator for e in errors)

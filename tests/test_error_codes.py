"""Every JSON failure carries a stable ``error`` code a frontend translates (docs/i18n.md).

Each ``AuthError`` names its code; the generic codes by status cover what
Werkzeug raises (404, 405, 413, ...); the docs list every code there is.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

import app as _app  # noqa: F401 - imports every capability, so every AuthError subclass is defined
from auth.core.errors import AuthError
from auth.web.errors import HTTP_CODES

CODE = re.compile(r"[a-z][a-z0-9_]*")
DOC = (Path(__file__).resolve().parents[1] / "docs" / "i18n.md").read_text()
DOCUMENTED = set(re.findall(r"^\| `([a-z0-9_]+)` \| \d{3} \|", DOC, re.M))


def subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *subclasses(sub)]
    return found


ERRORS = [AuthError, *subclasses(AuthError)]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: e.__name__)
def test_every_auth_error_has_a_documented_code(error: type[AuthError]) -> None:
    assert isinstance(error.code, str) and CODE.fullmatch(error.code), error
    assert error.code in DOCUMENTED, f"{error.__name__}: add {error.code!r} to docs/i18n.md"


def test_the_generic_codes_are_documented() -> None:
    assert set(HTTP_CODES.values()) - {"locked"} <= DOCUMENTED


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("get", "/no/such/endpoint", {}, 404, "not_found"),
        ("delete", "/auth/login", {}, 405, "method_not_allowed"),
        ("post", "/auth/login", {"data": "x", "content_type": "text/plain"}, 415, "unsupported_media_type"),
        ("post", "/auth/login", {"data": "{", "content_type": "application/json"}, 400, "bad_request"),
        ("post", "/auth/login", {"json": {"username": "nobody", "password": "wrong"}}, 401, "invalid_credentials"),
        ("get", "/auth/me", {}, 401, "unauthorized"),
    ],
)
def test_replies_carry_their_code(app: Flask, method: str, path: str, kwargs: dict, status: int, code: str) -> None:
    reply = getattr(app.test_client(), method)(path, **kwargs)
    assert reply.status_code == status, reply.get_json()
    body = reply.get_json()
    assert body["success"] is False and body["message"] and body["error"] == code, body

"""Reading request bodies: JSON objects (or the sign-in page's form) into checked strings."""

from __future__ import annotations

from flask import request

from auth.core.errors import AuthError, BadRequest
from auth.core.texts import N_

MAX_FIELD = {
    "username": 64,
    "password": 1024,
    "current_password": 1024,
    "new_password": 1024,
    "new_password_repeat": 1024,
    "next": 2048,
}


class UnsupportedContentType(AuthError):
    status = 415
    code = "unsupported_media_type"
    message = N_("Unsupported content type; send JSON (Content-Type: application/json).")


def is_form_post() -> bool:
    return request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")


def json_body() -> object | None:
    """The parsed JSON body, or None when it is not JSON a person could have meant.

    ``request.get_json(silent=True)`` only swallows ``ValueError``: a body of
    thousands of nested brackets raises ``RecursionError`` from the decoder,
    which would otherwise surface as a 500.
    """
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def read_fields(*names: str, optional: tuple[str, ...] = ()) -> dict[str, str]:
    """The named string fields of the body; 400 naming the first bad one."""
    if is_form_post():
        source: dict[str, object] = request.form.to_dict()
    elif request.is_json:
        data = json_body()
        if not isinstance(data, dict):
            raise BadRequest("The body must be a JSON object.")
        source = data
    else:
        raise UnsupportedContentType()
    fields: dict[str, str] = {}
    for name in names + optional:
        value = source.get(name)
        if value is None and name in optional:
            continue
        if value is None:
            raise BadRequest(f"The field '{name}' is required.")
        if not isinstance(value, str):
            raise BadRequest(f"The field '{name}' must be a string.")
        if not value or (name == "username" and not value.strip()):
            raise BadRequest(f"The field '{name}' must not be empty.")
        if len(value) > MAX_FIELD.get(name, 256):
            raise BadRequest(f"The field '{name}' is too long.")
        if "\x00" in value:
            raise BadRequest(f"The field '{name}' contains a NUL character.")
        if not _is_utf8(value):
            raise BadRequest(f"The field '{name}' is not valid Unicode text.")
        fields[name] = value
    return fields


def _is_utf8(value: str) -> bool:
    """False for strings holding lone surrogates (JSON's ``"\\ud800"``), which no database can store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

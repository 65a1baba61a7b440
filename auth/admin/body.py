"""Reading the admin API's request bodies: JSON objects, or the admin pages' forms.

Lists (``roles``) come as a JSON array or, from a form, as comma-separated
text; flags (``invite``) as a JSON boolean or a checked box.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import request

from auth.core.errors import BadRequest
from auth.web.payload import UnsupportedContentType, is_form_post, json_body

ROLE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def read_body() -> dict[str, Any]:
    """The body as a dict; an empty body is ``{}``."""
    if is_form_post():
        return {k: v for k, v in request.form.to_dict().items() if k != "csrf_token"}
    if not request.get_data(cache=True):
        return {}
    if not request.is_json:
        raise UnsupportedContentType()
    data = json_body()
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    return data


def text(body: dict[str, Any], name: str, *, limit: int = 256, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None or (value == "" and not required):
        if required:
            raise BadRequest(f"The field '{name}' is required.")
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit or "\x00" in value:
        raise BadRequest(f"The field '{name}' must be text of at most {limit} characters.")
    return value


def roles(body: dict[str, Any]) -> list[str] | None:
    value = body.get("roles")
    if value is None:
        return None
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or len(value) > 32 or not all(isinstance(r, str) and ROLE.match(r) for r in value):
        raise BadRequest("roles must be a list of role names (letters, digits, _ . : -).")
    return sorted(set(value))


def flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if isinstance(value, bool):
        return value
    if value in ("on", "true", "1"):
        return True
    raise BadRequest(f"The field '{name}' must be true or false.")


def moment(body: dict[str, Any], name: str, now: float) -> float | None:
    """A future time: seconds since the epoch, or ISO 8601 with a zone (a page's local time counts as UTC)."""
    value = body.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        epoch = float(value)
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise BadRequest(f"{name} must be an ISO 8601 time or seconds since the epoch.") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        epoch = parsed.timestamp()
    else:
        raise BadRequest(f"{name} must be an ISO 8601 time or seconds since the epoch.")
    if epoch <= now:
        raise BadRequest(f"{name} must be in the future.")
    return epoch

"""``GET /auth/config``: which ways in this server has switched on.

A frontend's sign-in and sign-up components ask it once, so they show only
what works here (no sign-up form when registration is off, no "email me a
link" without mail or magic links) instead of every form failing with a 404.
It says nothing a sign-in page would not already show.

The core says whether registration is on; each capability adds its own
fields (``add_config_fields``: mail says ``mail`` and ``magic_links``, the
second factors ``passkeys``, the identity providers ``providers``), so this
module knows no capability. A field no capability added reads as off.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import Blueprint, Flask, Response, current_app, jsonify

from auth.core.state import auth_state

bp = Blueprint("auth_config", __name__, url_prefix="/auth")

FIELDS = "auth.config_fields"
DEFAULTS: Mapping[str, object] = {"magic_links": False, "mail": False, "passkeys": False, "providers": []}


def add_config_fields(app: Flask, fields: Callable[[], Mapping[str, object]]) -> None:
    """Let a capability say what it has switched on, asked at each ``GET /auth/config``."""
    app.extensions.setdefault(FIELDS, []).append(fields)


@bp.get("/config")
def config() -> Response:
    answer: dict[str, object] = {**DEFAULTS, "registration": auth_state().settings.allow_registration}
    for fields in current_app.extensions.get(FIELDS, ()):
        answer.update(fields())
    return jsonify(success=True, **answer)

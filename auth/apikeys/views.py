"""``/auth/api-keys``: create (after a recent sign-in), list and revoke the caller's keys.

Only a signed-in person manages keys: a key asking is refused with 403
``api_key_forbidden``. The secret is in the creation reply and nowhere else.
"""

from __future__ import annotations

import re
import time
from typing import Any

from flask import Blueprint, Response, jsonify, request

from auth.apikeys.orgs import resolve_org
from auth.apikeys.state import api_key_state
from auth.apikeys.store import create_key, find_key, key_json, keys_of, revoke_key
from auth.core.audit import audit
from auth.core.errors import BadRequest, NotFound
from auth.core.state import auth_state
from auth.core.texts import N_
from auth.web.guard import current_principal, login_required, not_impersonated, refuse_api_key
from auth.web.payload import UnsupportedContentType, json_body
from auth.web.recent import recent_sign_in_required

bp = Blueprint("api_keys", __name__, url_prefix="/auth/api-keys", template_folder="templates")

MAX_NAME = 100
MAX_SCOPES = 50
SCOPE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_EXPIRES_IN = 10 * 365 * 24 * 3600


def parse_scopes(value: object) -> list[str]:
    """A list of scope names (letters, digits, ``_ . : -``; at most 64 characters each)."""
    if not isinstance(value, list) or len(value) > MAX_SCOPES:
        raise BadRequest(f"The field 'scopes' must be a list of at most {MAX_SCOPES} scope names.")
    if not all(isinstance(scope, str) and SCOPE.match(scope) for scope in value):
        raise BadRequest(N_("Each scope is 1-64 letters, digits or '_ . : -'."))
    return sorted(set(value))


def parse_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME or "\x00" in value:
        raise BadRequest(f"The field 'name' must be a non-empty string of at most {MAX_NAME} characters.")
    return value.strip()


def parse_expires_in(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_EXPIRES_IN:
        raise BadRequest(f"The field 'expires_in' must be a number of seconds from 1 to {MAX_EXPIRES_IN}.")
    return value


def _body() -> dict[str, Any]:
    if not request.is_json:
        raise UnsupportedContentType()
    data = json_body()
    if not isinstance(data, dict):
        raise BadRequest(N_("The body must be a JSON object."))
    return data


@bp.post("")
@login_required
@refuse_api_key
@not_impersonated
@recent_sign_in_required
def create() -> Response:
    body = _body()
    principal = current_principal()
    user_id = int(principal.user_id)
    org = body.get("org")
    if org is not None and (not isinstance(org, str) or not org.strip()):
        raise BadRequest(N_("The field 'org' must be an organisation's slug."))
    created = create_key(
        user_id,
        name=parse_name(body.get("name")),
        scopes=parse_scopes(body.get("scopes")),
        expires_in=parse_expires_in(body.get("expires_in")),
        org_id=resolve_org(user_id, org.strip()) if org is not None else None,
        per_user=api_key_state().settings.per_user,
        now=time.time(),
    )
    key = created.api_key
    audit(
        "api_key_created",
        user_id=user_id,
        session_id=principal.session_id,
        key_id=str(key.id),
        prefix=key.prefix,
        scopes=list(key.scopes),
    )
    reply = jsonify(success=True, api_key=key_json(key), key=created.key)
    reply.status_code = 201
    reply.headers["Cache-Control"] = "no-store"
    return reply


@bp.get("")
@login_required
@refuse_api_key
def list_keys() -> Response:
    return jsonify(success=True, api_keys=[key_json(key) for key in keys_of(int(current_principal().user_id))])


@bp.delete("/<key_id>")
@login_required
@refuse_api_key
@not_impersonated
def revoke(key_id: str) -> Response:
    principal = current_principal()
    key = find_key(key_id, int(principal.user_id))
    if key is None:
        raise NotFound(N_("No such API key."))
    revoke_key(auth_state(), key, time.time())
    audit("api_key_revoked", user_id=principal.user_id, session_id=principal.session_id, key_id=key_id, by="user")
    return jsonify(success=True, message="API key revoked")

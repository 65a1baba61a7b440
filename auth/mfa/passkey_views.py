"""/auth/passkeys: register, list and remove passkeys; sign in with one."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, make_response, render_template, request

from auth.core.audit import audit
from auth.core.errors import BadRequest, NotFound, Unauthorized
from auth.core.state import auth_state
from auth.mfa import passkeys
from auth.mfa.passkeys import PasskeyRejected, RelyingParty, passkey_json
from auth.mfa.state import mfa_state
from auth.web.guard import current_principal, login_required, not_impersonated, refuse_api_key
from auth.web.headers import allow_page_script
from auth.web.limits import limiter
from auth.web.login_limits import login_limits
from auth.web.origins import own_origin, safe_next
from auth.web.payload import json_body
from auth.web.recent import recent_sign_in_required
from auth.web.signin_flow import complete_sign_in
from models import User, db

bp = Blueprint(
    "passkeys", __name__, url_prefix="/auth/passkeys", template_folder=str(Path(__file__).with_name("templates"))
)
login_limit = login_limits[0]  # per client IP, failures only
# RATELIMIT_PASSKEY_OPTIONS_IP: every call counts, not only failures (each writes a challenge row).
options_limit = limiter.limit(
    lambda: mfa_state().settings.options_limit, key_func=lambda: f"passkey-options:{request.remote_addr}"
)
MAX_NAME = 64


def relying_party() -> RelyingParty:
    """RP id and origins: ``WEBAUTHN_RP_ID`` / ``WEBAUTHN_ORIGINS``, else the cookie domain or this host,
    and ``FRONTEND_URL`` plus this server's own origin."""
    settings = mfa_state().settings
    rp_id = settings.rp_id or (request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host)
    origins = settings.origins or (*auth_state().settings.frontend_origins, own_origin())
    return RelyingParty(id=rp_id, name=settings.rp_name, origins=tuple(dict.fromkeys(origins)))


def _body() -> dict[str, Any]:
    data = json_body() if request.is_json else None
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    return data


def _credential(body: dict[str, Any]) -> dict[str, Any]:
    credential = body.get("credential")
    if not isinstance(credential, dict) or not isinstance(credential.get("response"), dict):
        raise BadRequest("The field 'credential' must be the JSON of a WebAuthn credential.")
    return credential


def _user() -> User:
    user = db.session.get(User, int(current_principal().user_id))
    if user is None:
        raise Unauthorized("This user no longer exists.")
    return user


@bp.post("/register/options")
@login_required
@refuse_api_key
@not_impersonated
@recent_sign_in_required
def register_options() -> Response:
    options = passkeys.registration_options(relying_party(), _user(), now=time.time())
    return jsonify(success=True, options=options)


@bp.post("/register")
@login_required
@refuse_api_key
@not_impersonated
def register() -> Response:
    body = _body()
    credential = _credential(body)
    name = body.get("name", "Passkey")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or "\x00" in name:
        raise BadRequest(f"The field 'name' must be a non-empty string of at most {MAX_NAME} characters.")
    user = _user()
    try:
        passkey = passkeys.register(relying_party(), user, credential, name.strip(), now=time.time())
    except BadRequest:
        audit("passkey_register_failed", user_id=user.id, session_id=current_principal().session_id)
        raise
    audit("passkey_added", user_id=user.id, session_id=current_principal().session_id, passkey_id=passkey.id)
    reply = jsonify(success=True, message="Passkey added", passkey=passkey_json(passkey))
    reply.status_code = 201
    return reply


@bp.get("")
@login_required
@refuse_api_key
def list_passkeys() -> Response:
    return jsonify(success=True, passkeys=[passkey_json(p) for p in passkeys.passkeys_of(_user().id)])


@bp.delete(f"/<string(length={passkeys.ID_LENGTH}):passkey_id>")
@login_required
@refuse_api_key
@not_impersonated
@recent_sign_in_required
def remove(passkey_id: str) -> Response:
    user = _user()
    removed = passkeys.remove(user.id, passkey_id)
    if removed is None:
        raise NotFound("No such passkey.")
    audit("passkey_removed", user_id=user.id, session_id=current_principal().session_id, passkey_id=passkey_id)
    return jsonify(success=True, message="Passkey removed")


@bp.post("/login/options")
@options_limit
@login_limit
def login_options() -> Response:
    """The same options whatever ``username`` says (it is checked, then ignored: see ``authentication_options``)."""
    body = _body() if request.content_length else {}
    username = body.get("username", "")
    if not isinstance(username, str) or len(username) > 64:
        raise BadRequest("The field 'username' must be a string of at most 64 characters.")
    return jsonify(success=True, options=passkeys.authentication_options(relying_party(), now=time.time()))


@bp.post("/login")
@login_limit
def login() -> Response:
    credential = _credential(_body())
    try:
        signed_in = passkeys.authenticate(relying_party(), credential, now=time.time())
    except PasskeyRejected:
        audit("passkey_login_failed")
        raise
    user = db.session.get(User, signed_in.passkey.user_id)
    if user is None:
        raise PasskeyRejected()
    audit("passkey_used", user_id=user.id, passkey_id=signed_in.passkey.id, user_verified=signed_in.user_verified)
    method = "passkey" if signed_in.user_verified else "passkey-unverified"
    return complete_sign_in(user, method=method, payload={"message": "User logged in"})


@bp.get("/login")
def signin_page() -> Response:
    """The built-in "sign in with a passkey" page: the one built-in page that runs a script."""
    nonce = allow_page_script()
    next_url = safe_next(auth_state().settings, request.args.get("next")) or ""
    return make_response(render_template("mfa/passkey_signin.html", nonce=nonce, next_url=next_url))

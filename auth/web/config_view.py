"""``GET /auth/config``: which ways in this server has switched on.

A frontend's sign-in and sign-up components ask it once, so they show only
what works here (no sign-up form when registration is off, no "email me a
link" without mail or magic links) instead of every form failing with a 404.
It says nothing a sign-in page would not already show.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from auth.core.state import auth_state
from auth.mail.state import mail_state
from auth.oidc.state import oidc_state

bp = Blueprint("auth_config", __name__, url_prefix="/auth")


@bp.get("/config")
def config() -> Response:
    mail = mail_state().settings
    return jsonify(
        success=True,
        registration=auth_state().settings.allow_registration,
        magic_links=mail.enabled and mail.allow_magic_links,
        mail=mail.enabled,
        passkeys=True,
        providers=oidc_state().providers(),
    )

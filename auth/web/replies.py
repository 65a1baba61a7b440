"""Replies that start or continue a session: a fresh access token and cookies."""

from __future__ import annotations

import time
from typing import Any

from flask import Response, jsonify

from auth.core.active_org import active_org
from auth.core.sessions import Issued
from auth.core.state import AuthState
from auth.core.tokens import encode_access
from auth.web.cookies import set_access_cookie, set_auth_cookies
from auth.web.csrf import csrf_token_for
from models import Session


def access_token_for(state: AuthState, session: Session, now: float) -> str:
    """A new access token of the session: its user's roles and its active organisation now."""
    settings = state.settings
    return encode_access(
        state.keys,
        user_id=session.user_id,
        session_id=session.id,
        version=session.version,
        roles=session.user.roles or [],
        issuer=settings.jwt_issuer,
        now=now,
        # An impersonated session's tokens never outlive it (IMPERSONATION_TTL).
        ttl=settings.access_token_ttl
        if session.impersonator_id is None
        else max(1, min(settings.access_token_ttl, int(session.expires_at - now))),
        actor_id=session.impersonator_id,
        org=active_org(session),
    )


def access_reply(state: AuthState, session: Session, payload: dict[str, Any]) -> Response:
    """A new access token (cookie) for a live session whose claims changed; the refresh token stays."""
    response = jsonify({"success": True, **payload})
    set_access_cookie(response, state.settings, access_token_for(state, session, time.time()))
    return response


def session_reply(state: AuthState, issued: Issued, payload: dict[str, Any], status: int = 200) -> Response:
    settings = state.settings
    now = time.time()
    session = issued.session
    access = access_token_for(state, session, now)
    csrf = csrf_token_for(settings.jwt_secret, session.id) if settings.csrf_mode == "double-submit" else None
    body = {"success": True, **payload}
    if csrf is not None:
        body["csrf_token"] = csrf
    response = jsonify(body)
    response.status_code = status
    set_auth_cookies(
        response,
        settings,
        access=access,
        refresh=issued.refresh_token,
        refresh_max_age=max(0, int(session.expires_at - now)),
        csrf=csrf,
    )
    return response

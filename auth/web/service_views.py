"""Endpoints outside /auth: liveness and the public keys."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, redirect, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from auth.core.errors import NotFound
from auth.core.keys import jwks
from auth.core.state import auth_state
from auth.web.errors import error_reply
from models import db

bp = Blueprint("service", __name__)
log = logging.getLogger(__name__)


@bp.get("/")
def root() -> Response:
    """Someone who opens the server's address lands on the sign-in page, not on a JSON 404."""
    return redirect(url_for("auth.signin_page"), code=302)


@bp.get("/healthz")
def healthz() -> Response:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("health check: the database is unreachable")
        return error_reply(503, "The database is unreachable.", code="database_unavailable")
    return jsonify(success=True, database="ok")


@bp.get("/.well-known/jwks.json")
def public_keys() -> Response:
    """The server's asymmetric keys, and those capabilities publish (``app.extensions["published_jwks"]``)."""
    own = jwks(auth_state().keys)
    published = [*(own["keys"] if own else []), *current_app.extensions.get("published_jwks", [])]
    if not published:
        raise NotFound("No public keys: tokens are signed with a shared secret (HS256).")
    return jsonify(keys=published)

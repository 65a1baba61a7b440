"""Errors as JSON replies, in one place.

Every failure reply is ``{"success": false, "message": "..."}`` with the
error's status; nothing reaches the client as an HTML page or a stack trace.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from auth.core.errors import AuthError

log = logging.getLogger(__name__)


def error_reply(status: int, message: str, retry_after: int | None = None, code: str | None = None) -> Response:
    body: dict[str, object] = {"success": False, "message": message}
    if code is not None:
        body["error"] = code
    response = jsonify(body)
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def register_error_handlers(app: Flask) -> None:
    """JSON for every error: ours, Werkzeug's (404, 405, 413, ...) and crashes."""

    @app.errorhandler(AuthError)
    def _auth_error(error: AuthError) -> ResponseReturnValue:
        return error_reply(error.status, error.message, error.retry_after, error.code)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        response = error_reply(status, _HTTP_MESSAGES.get(status, error.description or error.name))
        # Keep the exception's own headers (405's Allow, which RFC 9110 requires), not its HTML type.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _crash(error: Exception) -> ResponseReturnValue:
        from models import db

        db.session.rollback()
        log.exception("unhandled error")
        return error_reply(500, "Internal server error.")


_HTTP_MESSAGES = {
    400: "The request is malformed.",
    404: "No such endpoint.",
    405: "This method is not allowed on this endpoint.",
    413: "The request body is too large.",
    415: "Unsupported content type; send JSON.",
}

"""Errors as JSON replies, in one place.

Every failure reply is ``{"success": false, "message": "...", "error": "<code>"}``
with the error's status: the ``error`` code is stable (docs/i18n.md lists them), so a
frontend translates by it; the English ``message`` is for people reading logs;
nothing reaches the client as an HTML page or a stack trace.
A database that cannot be reached (down, restarting, pool exhausted) is a
503 with ``Retry-After``, not a crash: the pool pings connections before use
and opens new ones once the database is back, without a restart.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from auth.core.errors import AuthError
from models.engine import discard_transaction

log = logging.getLogger(__name__)
DATABASE_RETRY_AFTER = 2


def error_reply(status: int, message: str, retry_after: int | None = None, code: str | None = None) -> Response:
    """The JSON failure reply; without a ``code`` of its own, the status's generic one."""
    body: dict[str, object] = {"success": False, "message": message, "error": code or HTTP_CODES.get(status, "error")}
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

    app.teardown_appcontext(end_database_session)

    @app.errorhandler(Exception)
    def _crash(error: Exception) -> ResponseReturnValue:
        _rollback()
        if _database_away(error):
            log.warning("database unavailable: %s", error.__class__.__name__)
            return error_reply(
                503,
                "The database is unavailable; try again shortly.",
                DATABASE_RETRY_AFTER,
                code="database_unavailable",
            )
        log.exception("unhandled error")
        return error_reply(500, "Internal server error.", code="internal_error")


def end_database_session(_error: BaseException | None) -> None:
    """Release the request's database session; a connection the database cut after
    the reply was built must not turn that reply into the WSGI server's HTML 500.

    Registered after Flask-SQLAlchemy's own teardown, so it runs first (teardowns
    run in reverse) and leaves nothing for that one to fail on.
    """
    from models import db

    try:
        db.session.remove()
    except SQLAlchemyError as error:
        log.warning("database session ended with %s; its connection is discarded", error.__class__.__name__)
        db.session.registry.clear()


def _database_away(error: Exception) -> bool:
    if isinstance(error, (OperationalError, InterfaceError, PoolTimeout)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _rollback() -> None:
    from models import db

    discard_transaction(db.session)


#: The code of a reply that has none of its own: Werkzeug's errors (404, 405, ...) and crashes.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    423: "locked",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}

_HTTP_MESSAGES = {
    400: "The request is malformed.",
    404: "No such endpoint.",
    405: "This method is not allowed on this endpoint.",
    413: "The request body is too large.",
    415: "Unsupported content type; send JSON.",
}

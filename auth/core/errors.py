"""Typed errors raised where a problem is found; ``auth.web.errors`` turns them into JSON.

Each carries the HTTP status it maps to and a sentence a person can read, so the
core can say *what* went wrong without knowing how replies are built.
"""

from __future__ import annotations


class AuthError(Exception):
    status = 400
    message = "The request could not be processed."

    def __init__(self, message: str | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.retry_after = retry_after


class BadRequest(AuthError):
    status = 400
    message = "The request body is malformed."


class Unauthorized(AuthError):
    status = 401
    message = "Not authenticated."


class InvalidCredentials(Unauthorized):
    message = "Invalid username or password."


class Forbidden(AuthError):
    status = 403
    message = "You do not have permission to do this."


class AccountLocked(Forbidden):
    """Raised only after the user proved who they are: telling them is no enumeration."""

    message = "This account is locked; contact an administrator."


class CSRFError(Forbidden):
    message = "Cross-site request refused."


class NotFound(AuthError):
    status = 404
    message = "Not found."


class Conflict(AuthError):
    status = 409
    message = "That already exists."


class TooManyRequests(AuthError):
    status = 429
    message = "Too many attempts; try again later."


class Unavailable(AuthError):
    status = 503
    message = "The server is busy; try again shortly."

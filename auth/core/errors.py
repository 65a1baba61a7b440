"""Typed errors raised where a problem is found; ``auth.web.errors`` turns them into JSON.

Each carries the HTTP status it maps to and a sentence a person can read, so the
core can say *what* went wrong without knowing how replies are built.
"""

from __future__ import annotations


class AuthError(Exception):
    status = 400
    message = "The request could not be processed."
    # A stable, machine-readable name for failures a client reacts to
    # (``reauth_required``, ...), sent as ``error`` beside the message.
    code: str | None = None

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


class ReauthRequired(Forbidden):
    message = "This needs a recent sign-in: confirm who you are at POST /auth/reauthenticate, then try again."
    code = "reauth_required"


class ApiKeyForbidden(Forbidden):
    """An API key asked to manage the account (password, email, factors, providers, keys, admin)."""

    message = "An API key cannot manage the account: sign in to do this."
    code = "api_key_forbidden"


class InsufficientScope(Forbidden):
    message = "This API key lacks a scope this needs."
    code = "insufficient_scope"


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

"""Typed errors raised where a problem is found; ``auth.web.errors`` turns them into JSON.

Each carries the HTTP status it maps to and a sentence a person can read, so the
core can say *what* went wrong without knowing how replies are built.
"""

from __future__ import annotations

from auth.core.texts import N_


class AuthError(Exception):
    status = 400
    message = N_("The request could not be processed.")
    # A stable, machine-readable name for failures a client reacts to
    # (``reauth_required``, ...), sent as ``error`` beside the message.
    code = "invalid_request"

    def __init__(self, message: str | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.retry_after = retry_after


class BadRequest(AuthError):
    status = 400
    message = N_("The request body is malformed.")
    code = "bad_request"


class Unauthorized(AuthError):
    status = 401
    message = N_("Not authenticated.")
    code = "unauthorized"


class InvalidCredentials(Unauthorized):
    message = N_("Invalid username or password.")
    code = "invalid_credentials"


class Forbidden(AuthError):
    status = 403
    message = N_("You do not have permission to do this.")
    code = "forbidden"


class AccountLocked(Forbidden):
    """Raised only after the user proved who they are: telling them is no enumeration."""

    message = N_("This account is locked; contact an administrator.")
    code = "account_locked"


class CSRFError(Forbidden):
    message = N_("Cross-site request refused.")
    code = "csrf_failed"


class ReauthRequired(Forbidden):
    message = N_("This needs a recent sign-in: confirm who you are at POST /auth/reauthenticate, then try again.")
    code = "reauth_required"


class ApiKeyForbidden(Forbidden):
    """An API key asked to manage the account (password, email, factors, providers, keys, admin)."""

    message = N_("An API key cannot manage the account: sign in to do this.")
    code = "api_key_forbidden"


class InsufficientScope(Forbidden):
    message = N_("This API key lacks a scope this needs.")
    code = "insufficient_scope"


class NotFound(AuthError):
    status = 404
    message = N_("Not found.")
    code = "not_found"


class Conflict(AuthError):
    status = 409
    message = N_("That already exists.")
    code = "conflict"


class TooManyRequests(AuthError):
    status = 429
    message = N_("Too many attempts; try again later.")
    code = "too_many_requests"


class Unavailable(AuthError):
    status = 503
    message = N_("The server is busy; try again shortly.")
    code = "unavailable"

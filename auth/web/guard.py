"""Who is calling: token verification for requests, and the route guard.

``@login_required`` answers 401 without a valid, unrevoked access token;
``@login_required(roles=["admin"])`` also answers 403 without the role.
Inside, ``current_principal()`` gives the user id, session id and roles.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from flask import Flask, current_app, g, request

from auth.core.access import check_access
from auth.core.errors import Forbidden, Unauthorized
from auth.core.state import AuthState, auth_state
from auth.web.cookies import read_access

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Principal:
    user_id: str
    session_id: str
    roles: tuple[str, ...]


def authenticate(state: AuthState, token: str | None, now: float) -> Principal:
    """The principal behind an access token, or Unauthorized with a reason."""
    if not token:
        raise Unauthorized("Not authenticated: no access token.")
    claims = check_access(state, token, now)
    return Principal(claims.user_id, claims.session_id, claims.roles)


# Checks every guarded call runs after the token and roles pass (a capability
# adds its own, e.g. "users with these roles must enrol a second factor").
# Kept per app, in app.extensions: two apps in one process (tests, an embedding
# host) each run only the checks their own capabilities added.
PrincipalCheck = Callable[["Principal"], None]
CHECKS_EXTENSION = "auth.principal_checks"


def add_principal_check(app: Flask, check: PrincipalCheck) -> None:
    """Run ``check(principal)`` in every ``login_required`` view of ``app``; it raises to refuse (idempotent)."""
    checks: list[PrincipalCheck] = app.extensions.setdefault(CHECKS_EXTENSION, [])
    if check not in checks:
        checks.append(check)


def current_principal() -> Principal:
    """The caller of a guarded view."""
    return g.principal


@overload
def login_required(view: F) -> F: ...
@overload
def login_required(*, roles: Iterable[str] = ()) -> Callable[[F], F]: ...


def login_required(view: F | None = None, *, roles: Iterable[str] = ()) -> F | Callable[[F], F]:
    required = frozenset(roles)

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            principal = authenticate(auth_state(), read_access(request), time.time())
            if not required <= set(principal.roles):
                raise Forbidden(f"This needs the role(s): {', '.join(sorted(required))}.")
            g.principal = principal
            for check in current_app.extensions.get(CHECKS_EXTENSION, ()):
                check(principal)
            return func(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate

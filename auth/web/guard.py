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

from flask import g, request

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
    # The admin signed in as this user (the token's ``act.sub``); None for the user themself.
    actor_id: str | None = None


def authenticate(state: AuthState, token: str | None, now: float) -> Principal:
    """The principal behind an access token, or Unauthorized with a reason."""
    if not token:
        raise Unauthorized("Not authenticated: no access token.")
    claims = check_access(state, token, now)
    return Principal(claims.user_id, claims.session_id, claims.roles, actor_id=claims.actor_id)


# Checks every guarded call runs after the token and roles pass (a capability
# adds its own, e.g. "users with these roles must enrol a second factor").
PrincipalCheck = Callable[["Principal"], None]
_principal_checks: list[PrincipalCheck] = []


def add_principal_check(check: PrincipalCheck) -> None:
    """Run ``check(principal)`` in every ``login_required`` view; it raises to refuse (idempotent)."""
    if check not in _principal_checks:
        _principal_checks.append(check)


def current_principal() -> Principal:
    """The caller of a guarded view."""
    return g.principal


class ImpersonationForbidden(Forbidden):
    message = "Not while an administrator is signed in as this user."
    code = "impersonation_forbidden"


def not_impersonated(view: F) -> F:
    """Use below ``@login_required`` (or any guard that sets the principal): an
    impersonated session gets 403 ``impersonation_forbidden``.

    Every account-management view carries it: password, email, second
    factors, passkeys, providers, API keys, account deletion, admin calls and
    impersonating again. An admin sees what the user sees, but cannot take
    the account over.
    """

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        principal = g.get("principal")
        if principal is not None and principal.actor_id is not None:
            raise ImpersonationForbidden()
        return view(*args, **kwargs)

    guarded.refuses_impersonation = True  # type: ignore[attr-defined]
    return guarded  # type: ignore[return-value]


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
            for check in _principal_checks:
                check(principal)
            return func(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate

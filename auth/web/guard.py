"""Who is calling: token verification for requests, and the route guard.

``@login_required`` answers 401 without a valid, unrevoked access token;
``@login_required(roles=["admin"])`` also answers 403 without the role, and
``@login_required(org_role="admin")`` without that role in the token's active
organisation (``owner`` > ``admin`` > ``member``; other roles match by name).
Inside, ``current_principal()`` gives the user id, session id, roles and org.
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
from auth.core.tokens import OrgClaim
from auth.web.cookies import read_access

F = TypeVar("F", bound=Callable[..., Any])


class OrgRoleRequired(Forbidden):
    code = "org_role_required"


@dataclass(frozen=True)
class Principal:
    user_id: str
    session_id: str
    roles: tuple[str, ...]
    org: OrgClaim | None = None
    """The active organisation (``id``, ``slug``, ``role``) the token names, if any."""


ORG_ROLE_RANK = {"owner": 3, "admin": 2, "member": 1}


def has_org_role(org: OrgClaim | None, required: str) -> bool:
    """True when the org claim's role is ``required`` or, among the built-in roles, ranks above it."""
    if org is None:
        return False
    if org.role == required:
        return True
    rank = ORG_ROLE_RANK.get(required)
    return rank is not None and ORG_ROLE_RANK.get(org.role, 0) >= rank


def authenticate(state: AuthState, token: str | None, now: float) -> Principal:
    """The principal behind an access token, or Unauthorized with a reason."""
    if not token:
        raise Unauthorized("Not authenticated: no access token.")
    claims = check_access(state, token, now)
    return Principal(claims.user_id, claims.session_id, claims.roles, claims.org)


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


@overload
def login_required(view: F) -> F: ...
@overload
def login_required(*, roles: Iterable[str] = (), org_role: str | None = None) -> Callable[[F], F]: ...


def login_required(
    view: F | None = None, *, roles: Iterable[str] = (), org_role: str | None = None
) -> F | Callable[[F], F]:
    required = frozenset(roles)

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            principal = authenticate(auth_state(), read_access(request), time.time())
            if not required <= set(principal.roles):
                raise Forbidden(f"This needs the role(s): {', '.join(sorted(required))}.")
            if org_role is not None and not has_org_role(principal.org, org_role):
                raise OrgRoleRequired(f"This needs the role {org_role} in the active organisation.")
            g.principal = principal
            for check in _principal_checks:
                check(principal)
            return func(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate

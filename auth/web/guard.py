"""Who is calling: token verification for requests, and the route guard.

``@login_required`` answers 401 without a valid, unrevoked access token;
``@login_required(roles=["admin"])`` also answers 403 without the role, and
``@login_required(org_role="admin")`` without that role in the token's active
organisation (``owner`` > ``admin`` > ``member``; other roles match by name).
Inside, ``current_principal()`` gives the user id, session id, roles and org.

A capability may accept other ``Authorization: Bearer`` credentials (API
keys) by registering a bearer authenticator for a prefix of the value
(``add_bearer_authenticator``); this module never imports it. Such a
principal says ``via`` which way it came and carries its ``scopes``, which
``@login_required(scopes=[...])`` checks (a browser session has every scope);
``@refuse_api_key`` keeps account management to signed-in people.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from flask import Flask, current_app, g, request

from auth.core.access import check_access
from auth.core.errors import ApiKeyForbidden, Forbidden, InsufficientScope, Unauthorized
from auth.core.state import AuthState, auth_state
from auth.core.texts import N_
from auth.core.tokens import OrgClaim
from auth.web.cookies import read_access

F = TypeVar("F", bound=Callable[..., Any])


SESSION = "session"
API_KEY = "api_key"


class OrgRoleRequired(Forbidden):
    code = "org_role_required"


@dataclass(frozen=True)
class Principal:
    user_id: str
    session_id: str
    roles: tuple[str, ...]
    via: str = SESSION
    """``"session"`` (an access token) or ``"api_key"``; an API key principal has no session (``""``)."""
    scopes: tuple[str, ...] | None = None
    """What an API key may do; None: everything (a browser session)."""
    key_id: str | None = None
    # The admin signed in as this user (the token's ``act.sub``); None for the user themself.
    actor_id: str | None = None
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
    return Principal(claims.user_id, claims.session_id, claims.roles, actor_id=claims.actor_id, org=claims.org)


# A capability's check of other bearer credentials: (value, now) -> the principal, or it raises.
BearerAuthenticator = Callable[[str, float], Principal]
BEARER_AUTHENTICATORS = "bearer_authenticators"


def add_bearer_authenticator(app: Flask, prefix: str, authenticator: BearerAuthenticator) -> None:
    """Let ``authenticator`` answer for ``Authorization: Bearer <prefix>...`` in this app."""
    app.extensions.setdefault(BEARER_AUTHENTICATORS, []).append((prefix, authenticator))


def authenticate_request(state: AuthState, now: float) -> Principal:
    """The principal behind this request: a registered bearer credential, else the access token."""
    header = request.headers.get("Authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            value = value.strip()
            for prefix, authenticator in current_app.extensions.get(BEARER_AUTHENTICATORS, ()):
                if value.startswith(prefix):
                    return authenticator(value, now)
    return authenticate(state, read_access(request), now)


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


def run_principal_checks(principal: Principal) -> None:
    """The checks every guarded call runs; any door that acts for a signed-in user calls this too."""
    for check in current_app.extensions.get(CHECKS_EXTENSION, ()):
        check(principal)


def current_principal() -> Principal:
    """The caller of a guarded view."""
    return g.principal


class ImpersonationForbidden(Forbidden):
    message = N_("Not while an administrator is signed in as this user.")
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
def login_required(
    *, roles: Iterable[str] = (), scopes: Iterable[str] = (), org_role: str | None = None
) -> Callable[[F], F]: ...


def login_required(
    view: F | None = None, *, roles: Iterable[str] = (), scopes: Iterable[str] = (), org_role: str | None = None
) -> F | Callable[[F], F]:
    required = frozenset(roles)
    required_scopes = frozenset(scopes)

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            principal = authenticate_request(auth_state(), time.time())
            if not required <= set(principal.roles):
                raise Forbidden(f"This needs the role(s): {', '.join(sorted(required))}.")
            if principal.scopes is not None and not required_scopes <= set(principal.scopes):
                raise InsufficientScope(f"This needs the scope(s): {', '.join(sorted(required_scopes))}.")
            if org_role is not None and not has_org_role(principal.org, org_role):
                raise OrgRoleRequired(f"This needs the role {org_role} in the active organisation.")
            g.principal = principal
            run_principal_checks(principal)
            return func(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


def refuse_api_key(view: F) -> F:
    """Use below ``@login_required`` on every account-management view: 403 ``api_key_forbidden`` for a key.

    A leaked key must not be able to take the account over (change the
    password or email, enrol a factor, link a provider, mint more keys,
    administer or impersonate).
    """

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if current_principal().via == API_KEY:
            raise ApiKeyForbidden()
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]

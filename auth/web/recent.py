"""Recent sign-in ("sudo mode") for sensitive changes, and how a session renews it.

A stolen session cookie should not be enough to enrol an attacker's second
factor, change the email or remove a passkey: those views also need the user
to have proved who they are within ``REAUTH_SECONDS`` in this session (at
sign-in, or through ``POST /auth/reauthenticate``).

Ways to reauthenticate are pluggable: the password is built in, and a
capability registers more (``totp``, ``recovery_code``) with
``add_reauth_method``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from auth.core.errors import ApiKeyForbidden, ReauthRequired, Unauthorized
from auth.core.state import auth_state
from auth.web.guard import API_KEY, current_principal
from models import User

F = TypeVar("F", bound=Callable[..., Any])

# method name -> check(user, code) -> True when the code proves the user.
ReauthCheck = Callable[[User, str], bool]
_methods: dict[str, ReauthCheck] = {}


def add_reauth_method(name: str, check: ReauthCheck) -> None:
    _methods[name] = check


def reauth_method(name: str) -> ReauthCheck | None:
    return _methods.get(name)


def is_recent(session_id: str, now: float) -> bool:
    state = auth_state()
    since = state.sessions.authenticated_since(session_id, now)
    return since is not None and now - since <= state.settings.reauth_seconds


def recent_sign_in_required(view: F) -> F:
    """Use below ``@login_required``: 403 ``reauth_required`` unless this session signed in recently."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        principal = current_principal()
        if principal.via == API_KEY:  # a key has no sign-in to be recent
            raise ApiKeyForbidden()
        now = time.time()
        if auth_state().sessions.authenticated_since(principal.session_id, now) is None:
            raise Unauthorized("The session has ended; sign in again.")
        if not is_recent(principal.session_id, now):
            raise ReauthRequired()
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]

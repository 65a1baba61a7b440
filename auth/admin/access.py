"""Who may use the admin console, in one decorator.

``admin_required`` = signed in (``login_required``), not an impersonated
session, a role in ``ADMIN_ROLES``, and with ``ADMIN_REQUIRE_MFA`` a second
factor. ``admin_change`` adds the recent sign-in every change needs.

Whether the admin has a second factor is a small query on the factor tables
(``models``), not an import of ``auth.mfa``: the console works with or
without that capability's views.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import exists, select

from auth.admin.settings import AdminSettings
from auth.core.errors import Forbidden
from auth.core.texts import N_
from auth.web.guard import Principal, current_principal, login_required, not_impersonated, refuse_api_key
from auth.web.recent import recent_sign_in_required
from models import Passkey, TotpSecret, User, db

F = TypeVar("F", bound=Callable[..., Any])
EXTENSION = "admin"


class NotAnAdmin(Forbidden):
    message = N_("This needs an administrator.")
    code = "admin_required"


class MfaEnrolmentRequired(Forbidden):
    message = N_("Administrators need a second factor: enrol an authenticator app or a passkey first (GET /auth/mfa).")
    code = "mfa_enrolment_required"


def admin_settings() -> AdminSettings:
    return current_app.extensions[EXTENSION]


def is_admin(roles: object) -> bool:
    return isinstance(roles, (list, tuple)) and not admin_settings().roles.isdisjoint(roles)


def has_second_factor(user_id: int) -> bool:
    totp = exists().where(TotpSecret.user_id == user_id, TotpSecret.confirmed_at.is_not(None))
    passkey = exists().where(Passkey.user_id == user_id)
    return bool(db.session.scalar(select(totp | passkey)))


def check_admin(principal: Principal) -> None:
    """Raise unless ``principal`` may use the console (the roles are read from the database, not the token)."""
    user = db.session.get(User, int(principal.user_id))
    if user is None or not is_admin(user.roles or []):
        raise NotAnAdmin()
    if admin_settings().require_mfa and not has_second_factor(user.id):
        raise MfaEnrolmentRequired()


def admin_required(view: F) -> F:
    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        check_admin(current_principal())
        return view(*args, **kwargs)

    return login_required(refuse_api_key(not_impersonated(guarded)))  # type: ignore[return-value]


def admin_change(view: F) -> F:
    """``admin_required`` and a recent sign-in (``REAUTH_SECONDS``)."""
    return admin_required(recent_sign_in_required(view))

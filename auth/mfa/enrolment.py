"""``MFA_REQUIRED_ROLES``: users with those roles must enrol a second factor before anything else.

Runs in every ``login_required`` view and every form action of the built-in
account page (``auth.web.guard.run_principal_checks``). The roles are in the access token, so
for everyone without those roles the check costs a set intersection and no
database query; only for users with them is the enrolment looked up.
"""

from __future__ import annotations

from flask import request

from auth.core.errors import Forbidden
from auth.core.texts import N_
from auth.mfa.factors import is_enrolled
from auth.mfa.state import mfa_state
from auth.web.guard import Principal

# What a user who must enrol can still do: see and enrol factors, see who
# they are, confirm who they are, sign out everywhere.
ENROLMENT_ENDPOINTS = frozenset(
    {
        "mfa.overview",
        "mfa.totp_setup",
        "mfa.totp_confirm",
        "passkeys.register_options",
        "passkeys.register",
        "passkeys.list_passkeys",
        "auth.me",
        "auth.logout_all",
        "auth.reauthenticate",
        "account_page.logout_all",
        "account_page.end_session",
    }
)


class EnrolmentRequired(Forbidden):
    message = N_(
        "Enrol a second factor (an authenticator app or a passkey) before using your account: see GET /auth/mfa."
    )
    code = "mfa_enrolment_required"


def require_enrolment(principal: Principal) -> None:
    required = mfa_state().settings.required_roles
    if not required or required.isdisjoint(principal.roles):
        return
    if request.endpoint in ENROLMENT_ENDPOINTS:
        return
    if not is_enrolled(int(principal.user_id)):
        raise EnrolmentRequired()

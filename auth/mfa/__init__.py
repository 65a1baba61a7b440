"""Second factors: TOTP, recovery codes and passkeys (WebAuthn).

``init_mfa(app, env, settings)`` builds the capability's settings and state,
registers its blueprints, puts the second step into every sign-in
(``auth.web.signin_flow``), adds ``totp`` and ``recovery_code`` to
reauthentication, the ``MFA_REQUIRED_ROLES`` check to every guarded view,
``flask users reset-mfa``, and its section of the built-in account page.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from auth.core.settings import Settings
from auth.mfa import failure_cap
from auth.mfa.cli import reset_mfa
from auth.mfa.enrolment import require_enrolment
from auth.mfa.factors import check_recovery_code, check_totp
from auth.mfa.gate import MfaGate
from auth.mfa.passkey_views import bp as passkeys_bp
from auth.mfa.recovery import RecoveryCodes
from auth.mfa.secrets_box import SecretBox
from auth.mfa.settings import MfaSettings
from auth.mfa.state import EXTENSION, MfaState
from auth.mfa.views import bp as mfa_bp
from auth.ops.cli import users
from auth.web.account_page import fill_account_slot
from auth.web.config_view import add_config_fields
from auth.web.guard import add_principal_check
from auth.web.recent import add_reauth_method
from auth.web.signin_flow import SECOND_FACTOR_EXTENSION


def init_mfa(app: Flask, env: Mapping[str, str], settings: Settings) -> None:
    app.extensions[EXTENSION] = MfaState(
        settings=MfaSettings.from_env(env, settings),
        box=SecretBox(settings.jwt_secret),
        recovery=RecoveryCodes(settings.jwt_secret),
    )
    app.extensions[SECOND_FACTOR_EXTENSION] = MfaGate()
    app.register_blueprint(mfa_bp)
    app.register_blueprint(passkeys_bp)
    add_reauth_method("totp", failure_cap.counted(check_totp))
    add_reauth_method("recovery_code", failure_cap.counted(check_recovery_code))
    add_principal_check(app, require_enrolment)
    add_config_fields(app, lambda: {"passkeys": True})
    users.add_command(reset_mfa)
    fill_account_slot(app, "second-factors", "mfa/account.html", runs_script=True)

"""Sign-in with an identity provider: OpenID Connect (any issuer) and GitHub's OAuth 2.

``init_oidc(app, env)`` reads the providers (a misconfigured one stops the
start with a ConfigError naming its variable), registers the blueprint and
the sentences the sign-in page shows for this capability's error codes.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from auth.core.texts import N_
from auth.oidc.settings import OidcSettings
from auth.oidc.state import OidcState, oidc_state
from auth.oidc.views import bp
from auth.web.account_slots import add_account_messages, fill_account_slot
from auth.web.config_view import add_config_fields

SENTENCES = {
    "access_denied": N_("You cancelled the sign-in at the provider."),
    "provider_error": N_("The provider could not complete the sign-in; try again."),
    "provider_unreachable": N_("The sign-in provider cannot be reached right now; try again in a moment."),
    "unknown_provider": N_("That sign-in provider is not configured on this server."),
    "state_mismatch": N_("The sign-in could not be matched to this browser (it expired or was altered); start again."),
    "code_rejected": N_("The provider did not accept the sign-in; start again."),
    "token_rejected": N_("The provider's answer could not be verified; start again."),
    "no_account": N_("No account is linked to that sign-in, and this server does not create accounts on sign-in."),
    "email_in_use": N_("An account with that email already exists: sign in to it, then link the provider there."),
    "identity_in_use": N_("That provider account is already linked to another user."),
    "link_expired": N_("Linking took too long or was started elsewhere; sign in and try again."),
    "account_locked": N_("This account is locked; contact an administrator."),
}


def init_oidc(app: Flask, env: Mapping[str, str]) -> None:
    app.extensions["oidc"] = OidcState.build(OidcSettings.from_env(env))
    app.extensions.setdefault("signin_errors", {}).update(SENTENCES)
    app.register_blueprint(bp)
    add_config_fields(app, lambda: {"providers": oidc_state().providers()})
    if app.extensions["oidc"].providers():
        fill_account_slot(app, "providers", "oidc/account.html")
        add_account_messages(
            app,
            notices={
                "identity-linked": N_("The provider is linked."),
                "identity-unlinked": N_("The provider is unlinked."),
            },
            errors={
                "last-way-in": N_("That is your last way to sign in: set a password or link another provider first."),
                "no-such-identity": N_("That provider is not linked to your account."),
                "unknown-provider": N_("That sign-in provider is not configured on this server."),
            },
        )

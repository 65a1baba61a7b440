"""This server as an OpenID Connect provider for other apps (``OIDC_PROVIDER_ENABLED``).

``init_provider(app, env, settings)`` reads the settings (a wrong one stops
the start with a ConfigError), loads the ID-token key, publishes its public
half in the JWKS, builds Authlib's authorization server, registers the
blueprint, the ``flask clients`` commands and the audit listener that
remembers how each session began (for ``amr``/``acr``) and ends a user's app
tokens when their password changes.

Other packages may read ``clients_list()`` (the admin console).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, current_app, has_app_context

from auth.admin.extensions import HomePanel, add_home_panel
from auth.core.audit import add_listener
from auth.core.settings import Settings
from auth.core.texts import N_
from auth.provider.cli import clients_cli
from auth.provider.clients import clients_list
from auth.provider.keys import load_id_token_key
from auth.provider.server import build_server
from auth.provider.settings import ProviderSettings
from auth.provider.state import EXTENSION, ProviderState, issuer
from auth.provider.store import record_session_method, revoke_user_tokens
from auth.provider.views import bp

__all__ = ["clients_list", "init_provider"]

SIGN_IN_EVENTS = frozenset({"login", "register"})
PUBLISHED_KEYS = "published_jwks"


CLIENTS_PANEL = HomePanel(
    heading=N_("Apps that sign in through this server"),
    columns=(
        ("name", N_("App")),
        ("client_id", N_("Client id")),
        ("redirect_uris", N_("Redirect URIs")),
        ("trusted", N_("Trusted")),
    ),
    rows=clients_list,
)


def init_provider(app: Flask, env: Mapping[str, str], settings: Settings) -> None:
    app.register_blueprint(bp)  # always: its endpoints answer 404 while the provider is off
    app.cli.add_command(clients_cli)  # clients may be registered before the provider is switched on
    add_home_panel(app, CLIENTS_PANEL)
    provider = ProviderSettings.from_env(env, settings)
    if provider is None:
        return
    assert provider.key_file is not None
    key = load_id_token_key(provider.key_file)
    app.extensions[EXTENSION] = ProviderState(provider, key, build_server(issuer, provider.access_token_ttl))
    app.extensions.setdefault(PUBLISHED_KEYS, []).append(key.public_jwk)
    add_listener(_follow_sessions)


def _follow_sessions(record: dict[str, object]) -> None:
    """Remember how each session began (for ``amr``), and end app tokens when the password changes."""
    if not has_app_context() or EXTENSION not in current_app.extensions:
        return
    event, session_id, method = record.get("event"), record.get("session_id"), record.get("method")
    if event in SIGN_IN_EVENTS and isinstance(session_id, str) and isinstance(method, str):
        record_session_method(session_id, method)
    elif event == "password_changed" and isinstance(record.get("user_id"), str):
        revoke_user_tokens(int(str(record["user_id"])), reason="password_changed")

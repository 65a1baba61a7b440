"""API keys (issue 21): ``fak_...`` keys for scripts, sent as ``Authorization: Bearer``.

``init_api_keys(app, env, settings)`` builds the capability's settings and
per-process cache, registers its blueprint, its bearer authenticator with
the guard, the hook that stops a locked or deleted user's keys, ``flask
api-keys ...``, its slot on the built-in account page, and its part of the
admin console (a user's keys, and revoking one: ``auth.apikeys.admin``).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from auth.apikeys.admin import init_admin_view
from auth.apikeys.bearer import key_authenticator
from auth.apikeys.check import MAX_AGE_SECONDS, Usage, VerifiedKeys
from auth.apikeys.cli import api_keys
from auth.apikeys.keyformat import PREFIX
from auth.apikeys.settings import ApiKeySettings
from auth.apikeys.state import EXTENSION, ApiKeyState
from auth.apikeys.store import end_org_keys, end_user_keys
from auth.apikeys.views import bp
from auth.core.events import account_ended, membership_changed
from auth.core.settings import Settings
from auth.web.account_page import fill_account_slot
from auth.web.guard import add_bearer_authenticator


def init_api_keys(app: Flask, env: Mapping[str, str], settings: Settings) -> None:
    keys = app.extensions[EXTENSION] = ApiKeyState(
        settings=ApiKeySettings.from_env(env),
        # Shorter than the revocation view remembers an entry (the access-token life and more).
        verified=VerifiedKeys(max_age=min(MAX_AGE_SECONDS, settings.access_token_ttl)),
        usage=Usage(),
    )
    app.register_blueprint(bp)
    add_bearer_authenticator(app, PREFIX, key_authenticator(app.extensions["auth"], keys))
    account_ended.connect(_end_user_keys, sender=app)
    membership_changed.connect(_end_org_keys, sender=app)
    app.cli.add_command(api_keys)
    fill_account_slot(app, "api-keys", "apikeys/account.html", runs_script=True)
    init_admin_view(app)


def _end_user_keys(app: Flask, *, user_id: int, now: float) -> None:
    """A locked or deleted user's keys stop in every process."""
    end_user_keys(app.extensions["auth"], user_id, now)


def _end_org_keys(app: Flask, *, changes: list[tuple[int, int, str]]) -> None:
    """Keys acting for an organisation stop when their user's membership in it ends."""
    for user_id, org_id, role in changes:
        if role == "":
            end_org_keys(app.extensions["auth"], user_id, org_id)

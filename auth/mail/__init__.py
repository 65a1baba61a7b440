"""Email: address verification, password reset and magic-link sign-in.

``init_mail`` reads the capability's settings, starts its outbox and
registers its blueprint and CLI, and listens for new accounts (``user_registered``)
to mail them a verification link; with mail off (PROD without MAIL_URL) the
endpoints exist but answer 404 saying why.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from auth.core.events import user_registered
from auth.core.settings import Settings
from auth.core.texts import N_
from auth.mail.cli import mail_group
from auth.mail.flows import ask_verification
from auth.mail.outbox import Outbox
from auth.mail.settings import MailSettings
from auth.mail.state import MailState, mail_state
from auth.mail.views import bp
from auth.web.account_slots import add_account_messages, fill_account_slot
from auth.web.config_view import add_config_fields


def init_mail(app: Flask, env: Mapping[str, str], settings: Settings) -> None:
    mail_settings = MailSettings.from_env(env, settings)
    app.extensions["mail"] = MailState(settings=mail_settings, outbox=Outbox(app))
    app.register_blueprint(bp)
    if mail_settings.enabled:
        fill_account_slot(app, "email", "mail/account.html")
        add_account_messages(
            app,
            notices={
                "email-sent": N_("A confirmation link is on its way to the new address; it counts once you open it."),
                "email-unchanged": N_("That address is already confirmed for your account."),
            },
            errors={"bad-email": N_("That does not look like an email address, or it cannot be used.")},
        )
    app.cli.add_command(mail_group)
    user_registered.connect(_verify_new_address, sender=app)
    add_config_fields(app, _config)


def _config() -> dict[str, object]:
    """For ``GET /auth/config``: mail, and magic links (which need mail)."""
    settings = mail_state().settings
    return {"mail": settings.enabled, "magic_links": settings.enabled and settings.allow_magic_links}


def _verify_new_address(_app: Flask, *, user_id: int, email: str | None) -> None:
    """A new account that gave an address gets a link to verify it (when mail is on)."""
    if email is not None and mail_state().settings.enabled:
        ask_verification(user_id, email, notify_old=False)

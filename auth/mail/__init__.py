"""Email: address verification, password reset and magic-link sign-in.

``init_mail`` reads the capability's settings, starts its outbox and
registers its blueprint and CLI; with mail off (PROD without MAIL_URL) the
endpoints exist but answer 404 saying why.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from auth.core.settings import Settings
from auth.mail.cli import mail_group
from auth.mail.outbox import Outbox
from auth.mail.settings import MailSettings
from auth.mail.state import MailState
from auth.mail.views import bp
from auth.web.account_slots import add_account_messages, fill_account_slot


def init_mail(app: Flask, env: Mapping[str, str], settings: Settings) -> None:
    mail_settings = MailSettings.from_env(env, settings)
    app.extensions["mail"] = MailState(settings=mail_settings, outbox=Outbox(app))
    app.register_blueprint(bp)
    if mail_settings.enabled:
        fill_account_slot(app, "email", "mail/account.html")
        add_account_messages(
            app,
            notices={
                "email-sent": "A confirmation link is on its way to the new address; it counts once you open it.",
                "email-unchanged": "That address is already confirmed for your account.",
            },
            errors={"bad-email": "That does not look like an email address, or it cannot be used."},
        )
    app.cli.add_command(mail_group)

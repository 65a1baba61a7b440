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


def init_mail(app: Flask, env: Mapping[str, str], settings: Settings) -> None:
    app.extensions["mail"] = MailState(settings=MailSettings.from_env(env, settings), outbox=Outbox(app))
    app.register_blueprint(bp)
    app.cli.add_command(mail_group)

"""Mails from templates: a plain-text and an HTML body for each kind."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import render_template
from flask_babel import gettext

from auth.core.texts import N_

SUBJECTS = {
    "verify_email": N_("Confirm your email address"),
    "reset_password": N_("Reset your password"),
    "magic_link": N_("Your sign-in link"),
    "email_changed": N_("Your account's email address is changing"),
    "test": N_("Test mail from flask-auth"),
    "org_invitation": N_("You are invited to join an organisation"),
}


def compose(name: str, *, to: str, sender: str, **context: object) -> EmailMessage:
    """The mail ``name`` (templates ``mail/<name>.txt`` and ``.html``) to one address."""
    message = EmailMessage()
    message["Subject"] = gettext(SUBJECTS[name])
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_template(f"mail/{name}.txt", **context))
    message.add_alternative(render_template(f"mail/{name}.html", **context), subtype="html")
    return message

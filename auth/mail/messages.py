"""Mails from templates: a plain-text and an HTML body for each kind."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import render_template

SUBJECTS = {
    "verify_email": "Confirm your email address",
    "reset_password": "Reset your password",
    "magic_link": "Your sign-in link",
    "email_changed": "Your account's email address is changing",
    "test": "Test mail from flask-auth",
    "org_invitation": "You are invited to join an organisation",
}


def compose(name: str, *, to: str, sender: str, **context: object) -> EmailMessage:
    """The mail ``name`` (templates ``mail/<name>.txt`` and ``.html``) to one address."""
    message = EmailMessage()
    message["Subject"] = SUBJECTS[name]
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_template(f"mail/{name}.txt", **context))
    message.add_alternative(render_template(f"mail/{name}.html", **context), subtype="html")
    return message

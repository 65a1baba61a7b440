"""``flask mail test ADDRESS``: send one mail now, through MAIL_URL, and say what happened."""

from __future__ import annotations

import smtplib

import click
from flask.cli import AppGroup

from auth.core.addresses import check_email
from auth.core.errors import AuthError
from auth.mail.messages import compose
from auth.mail.state import mail_state
from auth.mail.transport import deliver

mail_group = AppGroup("mail", help="Check mail delivery.")


@mail_group.command("test")
@click.argument("address")
def test_mail(address: str) -> None:
    """Send a test mail to ADDRESS (synchronously, so errors show here)."""
    settings = mail_state().settings
    if settings.destination is None:
        raise click.ClickException("Mail is off: MAIL_URL is unset (in PROD it must be set).")
    try:
        to = check_email(address)
    except AuthError as error:
        raise click.ClickException(error.message) from None
    sender = settings.sender or "no-reply@localhost"
    try:
        deliver(settings.destination, compose("test", to=to, sender=sender))
    except (OSError, smtplib.SMTPException) as error:
        raise click.ClickException(
            f"Sending through {settings.destination.describe()} failed: {error.__class__.__name__}: {error}"
        ) from None
    click.echo(f"Sent a test mail to {to} through {settings.destination.describe()}.")

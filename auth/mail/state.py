"""The mail capability's per-app objects, and the checks its endpoints share."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from auth.core.errors import NotFound
from auth.mail.outbox import Outbox
from auth.mail.settings import MailSettings


@dataclass(frozen=True)
class MailState:
    settings: MailSettings
    outbox: Outbox


def mail_state() -> MailState:
    return current_app.extensions["mail"]


def require_mail() -> MailState:
    """The state, or 404 saying why when mail is off (PROD without MAIL_URL)."""
    state = mail_state()
    if not state.settings.enabled:
        raise NotFound("Email is not configured on this server (MAIL_URL is unset).")
    return state


def require_magic_links() -> MailState:
    state = require_mail()
    if not state.settings.allow_magic_links:
        raise NotFound("Sign-in by emailed link is disabled on this server (ALLOW_MAGIC_LINKS).")
    return state

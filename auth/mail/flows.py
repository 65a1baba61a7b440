"""What each mail flow does once a request has asked for it.

Views call ``ask_*``: that captures what the job needs from the request
(the link base, the sender) and queues the job, so the request returns at
once. The jobs run on the outbox's worker: they look the user up, issue the
token and send the mail. Looking the user up there, not in the request, is
what makes "mail me a link" answer alike for known and unknown addresses.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import request

from auth.core.accounts import find_by_verified_email
from auth.core.addresses import email_key
from auth.core.audit import audit
from auth.mail import tokens
from auth.mail.messages import compose
from auth.mail.state import MailState, mail_state
from auth.mail.transport import deliver
from auth.web.i18n import current_language, in_language
from models import User, db
from models.mail_token import MAGIC_LINK, RESET_PASSWORD, VERIFY_EMAIL

# Where each kind of link lands: on the frontend (EMAIL_LINK_URL + page) or the built-in pages.
FRONTEND_PAGES = {VERIFY_EMAIL: "/verify-email", RESET_PASSWORD: "/reset-password", MAGIC_LINK: "/magic-link"}
BUILTIN_PAGES = {
    VERIFY_EMAIL: "/auth/email/verify",
    RESET_PASSWORD: "/auth/password/reset",
    MAGIC_LINK: "/auth/magic-link",
}


@dataclass(frozen=True)
class Origin:
    """What a queued job needs from the request that asked for it."""

    link_base: str
    pages: dict[str, str]
    sender: str
    language: str

    def link(self, kind: str, token: str) -> str:
        return f"{self.link_base}{self.pages[kind]}?token={token}"


def origin_of_request(state: MailState) -> Origin:
    settings = state.settings
    sender = settings.sender or f"no-reply@{request.host.rsplit(':', 1)[0].strip('[]')}"
    if settings.link_url:
        return Origin(settings.link_url, FRONTEND_PAGES, sender, current_language())
    return Origin(request.host_url.rstrip("/"), BUILTIN_PAGES, sender, current_language())


def ask_reset(address: str) -> None:
    state = mail_state()
    origin = origin_of_request(state)
    state.outbox.submit(RESET_PASSWORD, lambda: _send_link(state, origin, RESET_PASSWORD, address))


def ask_magic_link(address: str) -> None:
    state = mail_state()
    origin = origin_of_request(state)
    state.outbox.submit(MAGIC_LINK, lambda: _send_link(state, origin, MAGIC_LINK, address))


def ask_verification(user_id: int, address: str, *, notify_old: bool) -> None:
    """Mail a verification link to ``address`` for the user (and tell the old address of a change)."""
    state = mail_state()
    origin = origin_of_request(state)
    state.outbox.submit(VERIFY_EMAIL, lambda: _send_verification(state, origin, user_id, address, notify_old))


def _send_link(state: MailState, origin: Origin, kind: str, address: str) -> None:
    user = find_by_verified_email(address)
    if user is None:
        audit("mail_not_sent", kind=kind, reason="no verified account has this address")
        return
    if user.is_locked:  # its link could only be refused: send none
        audit("mail_not_sent", kind=kind, user_id=user.id, reason="the account is locked")
        return
    token = tokens.issue(user.id, kind, user.email or address, now=time.time(), ttl=state.settings.token_ttl)
    _deliver(state, origin, kind, user, user.email or address, link=origin.link(kind, token))


def _send_verification(state: MailState, origin: Origin, user_id: int, address: str, notify_old: bool) -> None:
    user = db.session.get(User, user_id)
    if user is None:
        return
    owner = find_by_verified_email(address)
    if owner is not None:
        # Mailing the address would tell its owner nothing useful and the
        # requester (through a changed reply) that the address is taken.
        audit("mail_not_sent", kind=VERIFY_EMAIL, user_id=user.id, reason="the address is already verified")
        return
    old = user.email if user.email_verified_at is not None else None
    token = tokens.issue(user.id, VERIFY_EMAIL, address, now=time.time(), ttl=state.settings.token_ttl)
    _deliver(state, origin, VERIFY_EMAIL, user, address, link=origin.link(VERIFY_EMAIL, token))
    if notify_old and old and email_key(old) != email_key(address):
        _deliver(state, origin, "email_changed", user, old, new_address=address)


def _deliver(state: MailState, origin: Origin, name: str, user: User, to: str, **context: object) -> None:
    destination = state.settings.destination
    if destination is None:  # never: jobs are queued only with mail on
        return
    minutes = state.settings.token_ttl // 60
    with in_language(origin.language):  # the worker has no request: write in the asker's language
        message = compose(name, to=to, sender=origin.sender, username=user.username, minutes=minutes, **context)
    deliver(destination, message)
    audit("mail_sent", kind=name, user_id=user.id)

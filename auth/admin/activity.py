"""What the built-in pages show about sign-ins and impersonation.

``recent_activity(user_id)`` feeds the account page's "Recent activity"
slot: the user's own recent sign-ins ("Firefox on Linux, 2 hours ago") and
every time an admin signed in as them, read from the audit table.
``impersonation_banner()`` names the admin behind the current page's
session, for the banner every built-in page shows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import g, has_request_context, request
from flask_babel import gettext, ngettext
from sqlalchemy import select

from auth.core.errors import Unauthorized
from auth.core.state import auth_state
from auth.web.cookies import read_access
from auth.web.guard import Principal, authenticate
from models import AuditEvent, User, db

SIGN_INS = ("login", "register")
IMPERSONATIONS = ("impersonation_started",)
SHOWN = 10

BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str | None) -> str:
    """``"Firefox on Linux"`` from a User-Agent; ``"an unknown device"`` when it says nothing we know."""
    agent = user_agent or ""
    browser = next((name for mark, name in BROWSERS if mark in agent), None)
    system = next((name for mark, name in SYSTEMS if mark in agent), None)
    if browser and system:
        return gettext("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or ("curl" if agent.startswith("curl/") else gettext("an unknown device"))


def ago(epoch: float, now: float) -> str:
    seconds = max(0, int(now - epoch))
    if seconds >= 86400:
        return ngettext("%(num)d day ago", "%(num)d days ago", seconds // 86400)
    if seconds >= 3600:
        return ngettext("%(num)d hour ago", "%(num)d hours ago", seconds // 3600)
    if seconds >= 60:
        return ngettext("%(num)d minute ago", "%(num)d minutes ago", seconds // 60)
    return gettext("just now")


@dataclass(frozen=True)
class Entry:
    what: str
    when: str
    at: str
    ip: str


def recent_activity(user_id: int) -> dict[str, list[Entry]]:
    now = time.time()

    def latest(events: tuple[str, ...]) -> list[AuditEvent]:
        return list(
            db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.user_id == user_id, AuditEvent.event.in_(events))
                .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
                .limit(SHOWN)
            )
        )

    stamp = "%Y-%m-%d %H:%M UTC"
    sign_ins = [
        Entry(
            gettext("Signed in from %(device)s", device=device_label(e.user_agent)),
            ago(e.created_at, now),
            time.strftime(stamp, time.gmtime(e.created_at)),
            e.ip or "",
        )
        for e in latest(SIGN_INS)
    ]
    admins = {
        u.id: u.username
        for u in db.session.scalars(select(User).where(User.id.in_({e.actor_id for e in latest(IMPERSONATIONS)})))
    }
    impersonations = [
        Entry(
            gettext(
                "An administrator (%(admin)s) signed in as you",
                admin=admins.get(e.actor_id or 0) or gettext("since deleted"),
            ),
            ago(e.created_at, now),
            time.strftime(stamp, time.gmtime(e.created_at)),
            e.ip or "",
        )
        for e in latest(IMPERSONATIONS)
    ]
    return {"sign_ins": sign_ins, "impersonations": impersonations}


def _principal() -> Principal | None:
    principal = g.get("principal")
    if principal is not None:
        return principal
    try:
        return authenticate(auth_state(), read_access(request), time.time())
    except Unauthorized:
        return None


def impersonation_banner() -> str | None:
    """The username of the admin signed in as this page's user, or None."""
    if not has_request_context():
        return None
    principal = _principal()
    if principal is None or principal.actor_id is None:
        return None
    admin = db.session.get(User, int(principal.actor_id))
    return admin.username if admin is not None else gettext("an administrator")

"""What happens to accounts, announced so capabilities can act on it without being called by name.

Blinker signals (the library Flask's own signals use). The sender is always
the Flask app the event happened in, so a capability connects per app::

    user_registered.connect(on_registered, sender=app)

and two apps in one process never hear each other. Receivers run
synchronously, in the request (or CLI command) that sent the signal, inside
its app context; one that raises fails that request, so a receiver with slow
or fallible work hands it off (as the mail outbox does). Which signals exist,
who sends and who listens: docs/layout.md.
"""

from __future__ import annotations

from blinker import NamedSignal, Namespace
from flask import current_app

_signals = Namespace()

user_registered = _signals.signal("user-registered")
"""A visitor created an account (``POST /auth/register``). Keyword arguments: ``user_id``, ``email`` (or None)."""

password_changed = _signals.signal("password-changed")
"""A user's password was set (any way: API, account page, reset link, CLI). Keyword arguments: ``user_id``."""

session_started = _signals.signal("session-started")
"""A sign-in ended in a new session. Keyword arguments: ``user_id``, ``session_id``, ``method``."""


account_ended = _signals.signal("account-ended")
"""A user was locked or deleted, after their sessions ended: end their other credentials (API keys).
Keyword arguments: ``user_id``, ``now``."""

membership_changed = _signals.signal("membership-changed")
"""Organisation memberships changed. Keyword arguments: ``changes``, a list of
``(user id, org id, role)`` where the role is ``""`` when the membership ended."""


def announce(signal: NamedSignal, **details: object) -> None:
    """Send ``signal`` from the current app with ``details``."""
    signal.send(current_app._get_current_object(), **details)  # type: ignore[attr-defined]

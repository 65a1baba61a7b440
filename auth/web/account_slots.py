"""What capabilities put on the built-in account page: their slot's template and
the notice and error codes their form actions send the page back with.

Kept apart from the page's views so a capability can register without
importing them (and, through them, the other capabilities).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from auth.core.texts import N_

#: The slots capabilities fill, in page order: (slot, heading).
SLOTS: tuple[tuple[str, str], ...] = (
    ("email", N_("Email")),
    ("second-factors", N_("Second factors")),
    ("providers", N_("Linked providers")),
    ("organisations", N_("Organisations")),
    ("api-keys", N_("API keys")),
    ("activity", N_("Recent activity")),
)


def add_account_messages(
    app: Flask, *, notices: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None
) -> None:
    """Let a capability's form actions send the page back with ``?notice=``/``?error=`` codes of their own."""
    app.extensions.setdefault("account_notices", {}).update(notices or {})
    app.extensions.setdefault("account_errors", {}).update(errors or {})


def fill_account_slot(app: Flask, slot: str, template: str, *, runs_script: bool = False) -> None:
    """Let a capability render ``template`` in its slot of the page (one of SLOTS).

    A template with ``runs_script`` gets the page's nonce as ``nonce`` for its
    ``<script nonce=...>``; only then does the page's CSP allow that script
    (and fetches to this server). A slot filled again replaces the earlier one.
    """
    if slot not in dict(SLOTS):
        raise ValueError(f"unknown account page slot {slot!r}; known: {', '.join(dict(SLOTS))}")
    app.extensions.setdefault("account_slots", {})[slot] = template
    scripted = app.extensions.setdefault("account_slot_scripts", set())
    if runs_script:
        scripted.add(slot)
    else:
        scripted.discard(slot)

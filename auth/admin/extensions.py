"""What other capabilities add to the admin console, so the console imports none of them.

A capability adds a field to a user's detail (``GET /auth/admin/users/<id>``
and the user's page), e.g. API keys or organisation memberships; may add
an action to the user's page (a form post, answered back on the page with
its notice); and may add a table to the console's front page (the apps that
sign in through this server). Kept per app, in ``app.extensions``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from models import User

DETAILS = "admin.user_details"
ACTIONS = "admin.user_actions"
PANELS = "admin.home_panels"

UserDetail = Callable[[User], Any]
"""The value of one field of the user's detail (JSON-ready)."""


@dataclass(frozen=True)
class UserAction:
    """A page action: ``run(user, form, actor_id)`` raises an ``AuthError`` to refuse."""

    run: Callable[[User, Mapping[str, str], str], None]
    notice: str
    destructive: bool = True


def add_user_detail(app: Flask, field: str, detail: UserDetail) -> None:
    app.extensions.setdefault(DETAILS, {})[field] = detail


def user_details(user: User) -> dict[str, Any]:
    return {field: detail(user) for field, detail in current_app.extensions.get(DETAILS, {}).items()}


def add_user_action(app: Flask, name: str, action: UserAction) -> None:
    app.extensions.setdefault(ACTIONS, {})[name] = action


def user_action(name: str) -> UserAction | None:
    return current_app.extensions.get(ACTIONS, {}).get(name)


@dataclass(frozen=True)
class HomePanel:
    """A table on the console's front page: ``rows()`` gives dicts, ``columns`` names (key, heading)."""

    heading: str
    columns: tuple[tuple[str, str], ...]
    rows: Callable[[], list[dict[str, Any]]]


def add_home_panel(app: Flask, panel: HomePanel) -> None:
    app.extensions.setdefault(PANELS, []).append(panel)


def home_panels() -> list[HomePanel]:
    return list(current_app.extensions.get(PANELS, ()))

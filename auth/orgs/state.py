"""The organisations capability's per-app objects."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from auth.orgs.settings import OrgSettings
from auth.orgs.view import MembershipView

EXTENSION = "orgs"


@dataclass(frozen=True)
class OrgState:
    settings: OrgSettings
    view: MembershipView


def org_state() -> OrgState:
    return current_app.extensions[EXTENSION]

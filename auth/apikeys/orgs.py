"""Keys bound to an organisation (issue 20), through a hook the organisations capability sets.

``auth.orgs`` calls ``set_org_resolver(app, resolver)``: ``resolver(user_id, org)``
gets the ``org`` the client sent (a slug) and returns the organisation's id when
the user administers it, None otherwise (also for an organisation that does not
exist, so the reply tells a stranger nothing). This package imports no other
capability; when the membership ends, ``auth.apikeys`` hears it
(``membership_changed``) and revokes the user's keys for that organisation.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from auth.core.errors import Forbidden
from auth.core.texts import N_

ORG_RESOLVER = "api_key_org_resolver"
OrgResolver = Callable[[int, str], "str | None"]


class NotOrgAdmin(Forbidden):
    message = N_("Only an administrator of that organisation can create a key for it.")
    code = "org_admin_required"


def set_org_resolver(app: Flask, resolver: OrgResolver) -> None:
    app.extensions[ORG_RESOLVER] = resolver


def resolve_org(user_id: int, org: str) -> str:
    """The id of ``org`` for a key of ``user_id``; 403 unless they administer it."""
    org_id = current_app.extensions[ORG_RESOLVER](user_id, org)
    if org_id is None:
        raise NotOrgAdmin()
    return org_id

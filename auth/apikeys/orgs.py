"""Keys bound to an organisation (issue 20), through a hook the organisations capability sets.

Without it (no organisations on this server) a key asked for with ``org``
is refused with 400 ``orgs_unavailable``. The organisations capability
calls ``set_org_resolver(app, resolver)``: ``resolver(user_id, org)`` gets
the ``org`` the client sent (a slug) and returns the organisation's id when
the user administers it, None otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from auth.core.errors import BadRequest, Forbidden
from auth.core.texts import N_

ORG_RESOLVER = "api_key_org_resolver"
OrgResolver = Callable[[int, str], "str | None"]


class OrgsUnavailable(BadRequest):
    message = N_("Organisations are not enabled on this server; create the key without 'org'.")
    code = "orgs_unavailable"


class NotOrgAdmin(Forbidden):
    message = N_("Only an administrator of that organisation can create a key for it.")
    code = "org_admin_required"


def set_org_resolver(app: Flask, resolver: OrgResolver) -> None:
    app.extensions[ORG_RESOLVER] = resolver


def org_resolver() -> OrgResolver | None:
    """The hook, or None when no organisations capability is registered."""
    return current_app.extensions.get(ORG_RESOLVER)


def resolve_org(user_id: int, org: str) -> str:
    """The id of ``org`` for a key of ``user_id``; 400 without organisations, 403 unless they administer it."""
    resolver = org_resolver()
    if resolver is None:
        raise OrgsUnavailable()
    org_id = resolver(user_id, org)
    if org_id is None:
        raise NotOrgAdmin()
    return org_id

"""Organisations: memberships with roles, invitations by email, and the session's active organisation.

``init_orgs(app, env)`` reads the capability's settings, builds the
membership view (polled with the revocation view, pushed through Redis),
adds its check to every access-token check (a stale ``org`` claim is
refused), registers the blueprint and the account page's slot.

``memberships_of(user_id)`` lists a user's organisations and roles (for the
admin console).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from auth.admin.extensions import add_user_detail
from auth.apikeys.orgs import set_org_resolver
from auth.core.state import AuthState
from auth.orgs import pages  # noqa: F401 - registers the invitation page on the blueprint
from auth.orgs.members import administered_org, memberships_of
from auth.orgs.settings import OrgSettings
from auth.orgs.state import EXTENSION, OrgState
from auth.orgs.view import MembershipView
from auth.orgs.views import OrgSlugConverter, bp
from auth.web.account_page import fill_account_slot

__all__ = ["init_orgs", "memberships_of"]


def init_orgs(app: Flask, env: Mapping[str, str], state: AuthState) -> None:
    settings = OrgSettings.from_env(env)
    view = MembershipView(horizon_seconds=state.settings.access_token_ttl, redis_url=state.settings.redis_url)
    app.extensions[EXTENSION] = OrgState(settings=settings, view=view)
    state.poll_loop.add(view)
    state.access_checks.append(view.check)
    app.url_map.converters["org_slug"] = OrgSlugConverter
    app.register_blueprint(bp)
    app.jinja_env.globals["org_roles"] = settings.roles
    fill_account_slot(app, "organisations", "orgs/account.html", runs_script=True)
    add_user_detail(app, "memberships", lambda user: memberships_of(user.id))
    set_org_resolver(app, administered_org)

"""The admin console: the admin API, impersonation, the audit list and the built-in admin pages.

``init_admin(app, env, settings)`` reads ``ADMIN_ROLES``, ``ADMIN_REQUIRE_MFA``,
``IMPERSONATION_TTL`` and ``AUDIT_RETENTION_DAYS``, registers the blueprints,
``flask audit prune``, the account page's "Recent activity" slot and the
templates' impersonation banner.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from auth.admin.access import EXTENSION
from auth.admin.activity import impersonation_banner, recent_activity
from auth.admin.cli import audit_group
from auth.admin.impersonation import bp as impersonation_bp
from auth.admin.pages import bp as pages_bp
from auth.admin.settings import AdminSettings
from auth.admin.views import bp as admin_bp
from auth.core.settings import Settings
from auth.web.account_page import fill_account_slot


def init_admin(app: Flask, env: Mapping[str, str], settings: Settings) -> None:
    app.extensions[EXTENSION] = AdminSettings.from_env(env, settings)
    app.register_blueprint(admin_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(impersonation_bp)
    app.cli.add_command(audit_group)
    app.add_template_global(recent_activity, "recent_activity")
    app.add_template_global(impersonation_banner, "impersonation_banner")
    fill_account_slot(app, "activity", "admin/account_activity.html")

"""The admin console's view of API keys: a user's keys in their detail and page, and revoking one."""

from __future__ import annotations

import time
from collections.abc import Mapping

from flask import Blueprint, Flask, Response, jsonify

from auth.admin.access import admin_change
from auth.admin.extensions import UserAction, add_user_action, add_user_detail
from auth.apikeys.store import find_key, key_json, keys_of, revoke_key
from auth.core.audit import audit
from auth.core.errors import NotFound
from auth.core.state import auth_state
from auth.core.texts import N_
from auth.web.guard import current_principal
from models import User, db

bp = Blueprint("apikeys_admin", __name__, url_prefix="/auth/admin/api-keys")


def revoke_for_admin(key_id: str, actor_id: str, *, user_id: int | None = None) -> None:
    """Revoke a live key (of ``user_id`` when given) for an admin, audited with the admin; NotFound otherwise."""
    key = find_key(key_id, user_id)
    if key is None:
        raise NotFound(N_("No such API key."))
    revoke_key(auth_state(), key, time.time())
    audit("api_key_revoked", user_id=key.user_id, key_id=key_id, actor_id=actor_id, by="admin")
    db.session.commit()


@bp.delete("/<key_id>")
@admin_change
def revoke(key_id: str) -> Response:
    revoke_for_admin(key_id, current_principal().user_id)
    return jsonify(success=True, message="API key revoked")


def _revoke_on_page(user: User, form: Mapping[str, str], actor_id: str) -> None:
    revoke_for_admin(form.get("key_id", ""), actor_id, user_id=user.id)


def init_admin_view(app: Flask) -> None:
    app.register_blueprint(bp)
    add_user_detail(app, "api_keys", lambda user: [key_json(key) for key in keys_of(user.id)])
    add_user_action(app, "revoke-api-key", UserAction(_revoke_on_page, "The API key is revoked: it stops at once."))

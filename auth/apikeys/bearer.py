"""``Authorization: Bearer fak_...`` in every guarded view: the principal of a key.

Registered with ``auth.web.guard.add_bearer_authenticator``. Beyond the key
check: each key's rate limit (``RATELIMIT_API_KEY``), ``last_used_at`` written
at most once a minute per key per process (one conditional UPDATE, so
processes together write it about once a minute too), and an audit event the
first time a key is used from an address.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import request
from limits import parse_many

from auth.apikeys.check import TOUCH_EVERY_SECONDS, check_key
from auth.apikeys.state import ApiKeyState
from auth.apikeys.store import Grant, note_address, touch
from auth.core.audit import audit
from auth.core.errors import TooManyRequests
from auth.core.state import AuthState
from auth.web.guard import API_KEY, Principal
from auth.web.limits import limiter

log = logging.getLogger(__name__)


def key_authenticator(state: AuthState, keys: ApiKeyState) -> Callable[[str, float], Principal]:
    """The bearer authenticator of one app (its states bound here: no per-request lookup)."""

    def authenticate_key(key: str, now: float) -> Principal:
        grant = check_key(keys.verified, state.revocations, key, now)
        if state.settings.ratelimit_enabled:
            _limit(grant, keys.settings.rate_limit, now)
        if keys.usage.touch_due(grant.key_id, now):
            touch(grant.key_id, now, TOUCH_EVERY_SECONDS)
        address = request.remote_addr or ""
        if keys.usage.is_new_address(grant, address) and note_address(grant.key_id, address):
            audit("api_key_new_address", user_id=grant.user_id, key_id=str(grant.key_id), address=address)
        return Principal(
            str(grant.user_id), "", grant.roles, via=API_KEY, scopes=grant.scopes, key_id=str(grant.key_id)
        )

    return authenticate_key


def _limit(grant: Grant, limit: str, now: float) -> None:
    try:
        strategy = limiter.limiter
        for item in parse_many(limit):
            if not strategy.hit(item, "flask-auth", "api-key", str(grant.key_id)):
                reset_at = strategy.get_window_stats(item, "flask-auth", "api-key", str(grant.key_id)).reset_time
                audit("rate_limited", limit=str(item), endpoint=request.endpoint, key_id=str(grant.key_id))
                raise TooManyRequests(
                    "This API key made too many requests; slow down.", retry_after=max(1, int(reset_at - now))
                )
    except TooManyRequests:
        raise
    except Exception:  # noqa: BLE001 - a limiter storage fault lets the request through, as the routes' limits do
        log.warning("the API key rate limit could not be checked; letting the request through")

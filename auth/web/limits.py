"""Rate limits (flask-limiter): in memory by default, shared through Redis.

Login is limited three ways, counting failed attempts only: per client IP,
per (username, IP) pair, and a wider ceiling per username. A flood against
one username from one address locks that pair out, not the user everywhere;
a distributed flood against one username meets the ceiling. While a limit
holds, even the right password gets 429: the check runs before the password.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded

from auth.core.audit import audit
from auth.web.cookies import read_access
from auth.web.errors import error_reply
from auth.web.payload import json_body
from models.user import username_key


def _ip() -> str:
    return f"ip:{request.remote_addr}"


limiter = Limiter(key_func=_ip, headers_enabled=False, strategy="moving-window")


def _limit(name: str) -> Callable[[], str]:
    return lambda: getattr(current_app.extensions["auth"].settings.limits, name)


def _failed(response: Response) -> bool:
    return response.status_code in (400, 401)


def _username() -> str:
    """A digest of the normalised username: any text, bounded, safe in a Redis key."""
    data = json_body() if request.is_json else request.form
    name = data.get("username") if isinstance(data, dict) or hasattr(data, "getlist") else None
    if not isinstance(name, str):
        return "-"
    return hashlib.sha256(username_key(name).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _user_ip() -> str:
    return f"user-ip:{_username()}|{request.remote_addr}"


def _token_key() -> str:
    """Per signed-in session: a digest of the access token (the view decodes it later)."""
    token = read_access(request) or request.remote_addr or "-"
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def _user() -> str:
    return f"user:{_username()}"


login_limits = [
    limiter.limit(_limit("login_ip"), key_func=_ip, deduct_when=_failed),
    limiter.limit(_limit("login_user_ip"), key_func=_user_ip, deduct_when=_failed),
    limiter.limit(_limit("login_user"), key_func=_user, deduct_when=_failed),
]
refresh_limit = limiter.limit(_limit("refresh_ip"), key_func=_ip)
register_limit = limiter.limit(_limit("register_ip"), key_func=_ip)


def password_limit_for(failed: Callable[[Response], bool]) -> Callable:
    """The password-change limit, counting the replies ``failed`` says are failed attempts."""
    return limiter.limit(_limit("password_user"), key_func=lambda: f"token:{_token_key()}", deduct_when=failed)


password_limit = password_limit_for(_failed)


def limited(*decorators: Callable) -> Callable:
    """Apply several limiter decorators to one view."""

    def apply(view: Callable) -> Callable:
        for decorator in reversed(decorators):
            view = decorator(view)
        return view

    return apply


def init_limits(app: Flask, *, enabled: bool, redis_url: str | None) -> None:
    app.config["RATELIMIT_ENABLED"] = enabled
    app.config["RATELIMIT_STORAGE_URI"] = redis_url or "memory://"
    app.config["RATELIMIT_KEY_PREFIX"] = "flask-auth"
    # Redis away: count in this process's memory rather than answer 500.
    app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    limiter.init_app(app)
    # Every limit here is a route decorator, which checks its own limits. The
    # extension's app-wide before_request hook only serves default limits,
    # which this server has none of, and it costs a fifth of every probe.
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)

    @app.errorhandler(RateLimitExceeded)
    def _too_many(error: RateLimitExceeded) -> Response:
        retry_after = _retry_after()
        audit("rate_limited", limit=str(error.limit.limit), endpoint=request.endpoint)
        return error_reply(429, "Too many attempts; try again later.", retry_after)


def _retry_after() -> int:
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()))

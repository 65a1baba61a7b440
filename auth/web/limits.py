"""Rate limits (flask-limiter): in memory by default, shared through Redis.

The login limits, which depend on the browser's device cookie, are in
``auth.web.login_limits``; here are the limiter itself and the others.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded

from auth.core.audit import audit
from auth.core.metrics import LIMITS_IN_MEMORY
from auth.core.texts import N_
from auth.web.errors import error_reply
from auth.web.payload import is_form_post
from auth.web.signin_page import render_signin


def _ip() -> str:
    return f"ip:{request.remote_addr}"


limiter = Limiter(key_func=_ip, headers_enabled=False, strategy="moving-window")


def _limit(name: str) -> Callable[[], str]:
    return lambda: getattr(current_app.extensions["auth"].settings.limits, name)


def _failed(response: Response) -> bool:
    return response.status_code in (400, 401)


def _signed_in_user() -> str:
    """The user id the guard authenticated: a fresh token, a refreshed session or
    a re-encoded signature is still the same user, with the same allowance.
    ``login_required`` runs first (it wraps the limit), so ``g.principal`` is set.
    """
    return f"password-user:{g.principal.user_id}"


refresh_limit = limiter.limit(_limit("refresh_ip"), key_func=_ip)
register_limit = limiter.limit(_limit("register_ip"), key_func=_ip)


def password_limit_for(failed: Callable[[Response], bool]) -> Callable:
    """The password-change limit per signed-in user, counting the replies ``failed`` says are failed attempts."""
    return limiter.limit(_limit("password_user"), key_func=_signed_in_user, deduct_when=failed)


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
    # Redis away: count in this process's memory rather than answer 500. A request
    # that was already talking to Redis when another thread switched to memory
    # fails in the limiter; it goes through unlimited, once, instead of as a 500.
    app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True
    if redis_url:  # a Redis that stops answering must not hold request threads
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {"socket_timeout": 1, "socket_connect_timeout": 1}
    limiter.init_app(app)
    # Every limit here is a route decorator, which checks its own limits. The
    # extension's app-wide before_request hook only serves default limits,
    # which this server has none of, and it costs a fifth of every probe.
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)

    if enabled and redis_url:  # only a shared storage can fail over to memory
        app.after_request(_note_storage)

    @app.errorhandler(RateLimitExceeded)
    def _too_many(error: RateLimitExceeded) -> Response:
        retry_after = _retry_after()
        audit("rate_limited", limit=str(error.limit.limit), endpoint=request.endpoint)
        if request.endpoint == "auth.login" and is_form_post():
            return render_signin(
                error=N_("Too many sign-in attempts."),
                status=429,
                next_url=request.form.get("next"),
                retry_after=retry_after,
            )
        return error_reply(429, "Too many attempts; try again later.", retry_after, code="too_many_requests")


def _retry_after() -> int:
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()))


_storage_lock = threading.Lock()
_in_memory = [False]
"""What this process's gauge says, so the gauge is written only when that changes. The lock keeps
the two in step; a change another thread makes meanwhile is seen by the next request."""


def _on_fallback() -> bool:
    """The limiter counts in its in-memory fallback (its main storage, Redis, failed)."""
    return limiter.limiter.storage is not limiter.storage


def _note_storage(response: Response) -> Response:
    """Keep ``auth_rate_limits_in_memory`` true to this process.

    flask-limiter switches storage only while it checks a limit, and re-tries a dead
    Redis on such requests after pauses doubling up to 32 s: an operator (and the
    fault test) can tell from the gauge when every worker counts in Redis again.
    """
    if _on_fallback() != _in_memory[0]:
        with _storage_lock:
            _in_memory[0] = _on_fallback()
            LIMITS_IN_MEMORY.set(int(_in_memory[0]))
    return response

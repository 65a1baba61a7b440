"""Which origins the server trusts: the frontends in FRONTEND_URL and itself."""

from __future__ import annotations

from flask import request

from auth.core.settings import Settings
from auth.core.urls import origin_of


def own_origin() -> str:
    return origin_of(request.host_url) or ""


def is_allowed_origin(settings: Settings, origin: str | None) -> bool:
    if origin is None:
        return False
    normalised = origin_of(origin)
    return normalised is not None and (normalised in settings.frontend_origins or normalised == own_origin())


def safe_next(settings: Settings, target: str | None) -> str | None:
    """A redirect target on an allowed origin or this server's own paths; else None."""
    if not target:
        return None
    if target.startswith("/") and not target.startswith(("//", "/\\")) and "\\" not in target:
        return target
    if any(ch in target for ch in "\r\n\t\\"):
        return None
    return target if is_allowed_origin(settings, origin_of(target)) else None

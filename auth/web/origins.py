"""Which origins the server trusts: the frontends in FRONTEND_URL and itself."""

from __future__ import annotations

from flask import request

from auth.core.settings import Settings
from auth.core.urls import origin_of, parse_next


def own_origin() -> str:
    return origin_of(request.host_url) or ""


def is_allowed_origin(settings: Settings, origin: str | None) -> bool:
    if origin is None:
        return False
    normalised = origin_of(origin)
    return normalised is not None and (normalised in settings.frontend_origins or normalised == own_origin())


def safe_next(settings: Settings, target: str | None) -> str | None:
    """``target`` in canonical form if it is a path here or a URL on an allowed origin; else None.

    The canonical form (see ``auth.core.urls.parse_next``) is what goes into
    ``Location``, so the browser follows exactly what was checked.
    """
    parsed = parse_next(target) if target else None
    if parsed is None:
        return None
    if parsed.origin is None or is_allowed_origin(settings, parsed.origin):
        return parsed.url
    return None

"""CORS with flask-cors: only FRONTEND_URL origins, exactly, with credentials.

flask-cors answers preflights and adds the headers in an after_request hook.
That hook is skipped for requests without an ``Origin`` header: no browser
is asking, and the middleware's server-side probe, which runs on every page
view, never sends one (the hook is a tenth of its cost).

flask-cors reads an origin string holding any of ``*\\]?$^[]()`` as a regular
expression, so an IPv6 literal such as ``http://[2001:db8::10]`` would become
a character class that matches other sites. Each origin is therefore handed
over as a compiled pattern of its escaped text, anchored at both ends: an
exact, case-insensitive comparison whatever characters it holds.
"""

from __future__ import annotations

import re

from flask import Flask, Response, request
from flask_cors import CORS

from auth.core.settings import Settings
from auth.web.csrf import HEADER as CSRF_HEADER


def init_cors(app: Flask, settings: Settings) -> None:
    if not settings.frontend_origins:
        return
    hooks = app.after_request_funcs.setdefault(None, [])
    before = list(hooks)
    CORS(
        app,
        origins=[exact_origin(origin) for origin in settings.frontend_origins],
        supports_credentials=True,
        allow_headers=["Content-Type", "Authorization", CSRF_HEADER],
        # So a frontend on another origin can read how long a 429 lasts.
        expose_headers=["Retry-After"],
        methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        max_age=600,
        vary_header=True,
    )
    (cors_hook,) = [hook for hook in hooks if hook not in before]

    def cors_when_asked(response: Response) -> Response:
        return cors_hook(response) if "HTTP_ORIGIN" in request.environ else response

    hooks[hooks.index(cors_hook)] = cors_when_asked


def exact_origin(origin: str) -> re.Pattern[str]:
    """A pattern matching ``origin`` and nothing else (flask-cors matches patterns with ``match``)."""
    return re.compile(re.escape(origin) + r"\Z", re.IGNORECASE)

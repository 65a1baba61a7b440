"""What a sign-in through a provider must remember between start and callback.

``state``, ``nonce``, the PKCE verifier, where to go afterwards and, when
linking, whose session asked. They live in one short-lived cookie signed with
the server's secret (not the Flask session, which this server does not use):
HttpOnly, only sent to ``/auth/oidc``, ``SameSite=Lax`` because the callback
is a top-level navigation from the provider's site. The cookie is what binds
the callback to the browser that started: a callback in another browser has
no cookie, or one whose ``state`` does not match.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from auth.core.settings import Settings

COOKIE = "oidc_flow"
PATH = "/auth/oidc"
MAX_AGE = 600  # ten minutes to sign in at the provider
LINK_TICKET_AGE = 120


@dataclass(frozen=True)
class Flow:
    provider: str
    state: str
    nonce: str
    code_verifier: str
    next_url: str | None = None
    link_session: str | None = None  # linking: the session that asked (its user gets the identity)


def _signer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.jwt_secret, salt=f"auth.oidc.{purpose}")


def save(response: Response, settings: Settings, flow: Flow) -> None:
    response.set_cookie(
        COOKIE,
        _signer(settings, "flow").dumps(asdict(flow)),
        max_age=MAX_AGE,
        path=PATH,
        secure=settings.cookie_secure,
        httponly=True,
        samesite="Lax",
    )


def load(request: Request, settings: Settings, provider: str) -> Flow | None:
    """The flow this browser started with ``provider``, or None (none, forged, expired, another provider)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _signer(settings, "flow").loads(raw, max_age=MAX_AGE)
        flow = Flow(**data)
    except (BadSignature, TypeError):
        return None
    return flow if flow.provider == provider else None


def clear(response: Response, settings: Settings) -> None:
    response.set_cookie(
        COOKIE, "", max_age=0, expires=0, path=PATH, secure=settings.cookie_secure, httponly=True, samesite="Lax"
    )


def link_ticket(settings: Settings, provider: str, session_id: str) -> str:
    """What ``POST /link`` hands out: the start URL's proof that this session asked to link."""
    return _signer(settings, "link").dumps({"provider": provider, "session": session_id})


def session_of_ticket(settings: Settings, provider: str, ticket: str) -> str | None:
    try:
        data = _signer(settings, "link").loads(ticket, max_age=LINK_TICKET_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("provider") != provider or not isinstance(data.get("session"), str):
        return None
    return data["session"]

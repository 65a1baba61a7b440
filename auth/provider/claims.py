"""Who the user is, as apps see it: claims per scope, and ``amr``/``acr`` from how they signed in.

``org_claim`` is the hook for organisations (being built separately): it
answers None until an organisation can be active, and then the ``org``
claim appears in ID tokens and userinfo.
"""

from __future__ import annotations

from typing import Any

from auth.core.active_org import active_org
from models import Session, User, db

# How each sign-in method reads as RFC 8176 authentication method references.
_AMR = {
    "password": "pwd",
    "register": "pwd",
    "totp": "otp",
    "recovery_code": "otp",
    "password_reset": "pwd",
    "passkey": "hwk",
    "magic_link": "email",
}


def amr_of(method: str | None) -> list[str]:
    """``password+totp`` -> ``["pwd", "otp", "mfa"]``; ``oidc:google`` -> ``["fed"]``; unknown -> []."""
    if not method:
        return []
    parts = method.split("+")
    refs = [("fed" if part.startswith("oidc:") else _AMR.get(part, part)) for part in parts]
    if len(parts) > 1:
        refs.append("mfa")
    return list(dict.fromkeys(refs))


def acr_of(method: str | None) -> str:
    """``2`` when the sign-in used two factors or a passkey (which is one), else ``1``."""
    refs = amr_of(method)
    return "2" if "mfa" in refs or "hwk" in refs else "1"


def org_claim(user: User, session_id: str | None) -> dict[str, Any] | None:
    """The ``org`` claim: the active organisation of the session the app's tokens came from, if any."""
    session = db.session.get(Session, session_id) if session_id else None
    if session is None or session.user_id != user.id:
        return None
    org = active_org(session)
    return org.as_json() if org is not None else None


def user_claims(user: User, scopes: list[str], session_id: str | None = None) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": str(user.id)}
    if "profile" in scopes:
        claims["preferred_username"] = user.username
        claims["name"] = user.username
    if "email" in scopes and user.email:
        claims["email"] = user.email
        claims["email_verified"] = user.email_verified_at is not None
    if "roles" in scopes:
        claims["roles"] = list(user.roles or [])
    org = org_claim(user, session_id)
    if org is not None:
        claims["org"] = org
    return claims

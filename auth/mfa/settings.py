"""The second-factor settings: WebAuthn relying party, the roles that must enrol, and the limits.

``MFA_FAILURE_CAP``: wrong codes in a row (across attempts) after which a
user's second step is closed until an operator unlocks it; NIST SP 800-63B
allows at most 100. ``RATELIMIT_PASSKEY_OPTIONS_IP``: passkey sign-in
options per client address (each writes a challenge row).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from limits import parse_many

from auth.core.settings import ConfigError, Settings
from auth.core.urls import origin_of


@dataclass(frozen=True)
class MfaSettings:
    """``rp_id`` None means the API's own host; ``origins`` empty means ``FRONTEND_URL`` plus the API's origin."""

    rp_id: str | None
    origins: tuple[str, ...]
    required_roles: frozenset[str]
    rp_name: str = "flask-auth"
    failure_cap: int = 100
    options_limit: str = "30 per minute"

    @classmethod
    def from_env(cls, env: Mapping[str, str], settings: Settings) -> MfaSettings:
        return cls(
            rp_id=_rp_id(env.get("WEBAUTHN_RP_ID"), settings),
            origins=_origins(env.get("WEBAUTHN_ORIGINS")),
            required_roles=frozenset(r.strip() for r in (env.get("MFA_REQUIRED_ROLES") or "").split(",") if r.strip()),
            failure_cap=_failure_cap(env.get("MFA_FAILURE_CAP")),
            options_limit=_limit(env, "RATELIMIT_PASSKEY_OPTIONS_IP", "30 per minute"),
        )


def _failure_cap(value: str | None) -> int:
    if not value or not value.strip():
        return 100
    try:
        cap = int(value.strip())
    except ValueError:
        raise ConfigError(f"MFA_FAILURE_CAP must be a whole number from 5 to 100, not {value!r}") from None
    if not 5 <= cap <= 100:
        raise ConfigError(f"MFA_FAILURE_CAP must be from 5 to 100 (NIST SP 800-63B allows at most 100), not {cap}")
    return cap


def _limit(env: Mapping[str, str], name: str, default: str) -> str:
    value = (env.get(name) or "").strip() or default
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{name} must be a rate limit such as '30 per minute', not {value!r}") from None
    return value


def _rp_id(value: str | None, settings: Settings) -> str | None:
    if not value or not value.strip():
        return settings.cookie_domain
    rp_id = value.strip().lower()
    if "/" in rp_id or ":" in rp_id or rp_id.startswith(".") or not rp_id:
        raise ConfigError(f"WEBAUTHN_RP_ID must be a domain such as example.com (no scheme or port), not {value!r}")
    return rp_id


def _origins(value: str | None) -> tuple[str, ...]:
    origins = []
    for item in (value or "").split(","):
        entry = item.strip()
        if not entry:
            continue
        parts = urlsplit(entry)
        origin = origin_of(entry)
        if origin is None or parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ConfigError(f"WEBAUTHN_ORIGINS entry {entry!r} is not an origin such as https://app.example.com")
        origins.append(origin)
    return tuple(origins)

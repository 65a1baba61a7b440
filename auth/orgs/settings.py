"""The organisations' settings: custom roles, who may create, how many, how long an invitation lives."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from auth.core.settings import ConfigError
from models.org import BUILT_IN_ROLES

ROLE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class OrgSettings:
    roles: tuple[str, ...]
    """Every role a membership may have: owner, admin, member, then ORG_ROLES."""
    create_roles: frozenset[str]
    """User roles that may create organisations; empty: any signed-in user."""
    per_user: int
    invite_ttl: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OrgSettings:
        custom = _names(env.get("ORG_ROLES"))
        for role in custom:
            if not ROLE_NAME.match(role):
                raise ConfigError(f"ORG_ROLES entry {role!r} must be lower-case letters, digits, _ or - (max 32)")
        return cls(
            roles=BUILT_IN_ROLES + tuple(r for r in custom if r not in BUILT_IN_ROLES),
            create_roles=frozenset(_names(env.get("ORG_CREATE_ROLES"))),
            per_user=_whole(env, "ORGS_PER_USER", 10, 0, 100_000),
            invite_ttl=_whole(env, "ORG_INVITE_TTL", 7 * 86400, 60, 90 * 86400),
        )


def _names(value: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item.strip() for item in (value or "").split(",") if item.strip()))


def _whole(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, not {value}")
    return value

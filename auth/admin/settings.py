"""The admin console's settings: who is an admin, what they need, how long traces last."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from auth.core.settings import Settings, _Reader


@dataclass(frozen=True)
class AdminSettings:
    roles: frozenset[str]
    require_mfa: bool
    impersonation_ttl: int
    audit_retention_days: int

    @classmethod
    def from_env(cls, env: Mapping[str, str], settings: Settings) -> AdminSettings:
        reader = _Reader(env)
        roles = frozenset(r.strip() for r in (reader.raw("ADMIN_ROLES") or "admin").split(",") if r.strip())
        return cls(
            roles=roles,
            require_mfa=reader.boolean("ADMIN_REQUIRE_MFA", not settings.is_dev),
            impersonation_ttl=reader.integer("IMPERSONATION_TTL", 3600, minimum=60),
            audit_retention_days=reader.integer("AUDIT_RETENTION_DAYS", 365, minimum=1),
        )

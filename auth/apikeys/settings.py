"""API key settings: how many keys a user may hold, and each key's rate limit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from limits import parse_many

from auth.core.settings import ConfigError

DEFAULT_PER_USER = 100
DEFAULT_RATE_LIMIT = "600 per minute"


@dataclass(frozen=True)
class ApiKeySettings:
    per_user: int = DEFAULT_PER_USER
    rate_limit: str = DEFAULT_RATE_LIMIT

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ApiKeySettings:
        raw = (env.get("API_KEYS_PER_USER") or "").strip() or str(DEFAULT_PER_USER)
        try:
            per_user = int(raw)
        except ValueError:
            raise ConfigError(f"API_KEYS_PER_USER must be a whole number, not {raw!r}") from None
        if per_user < 1:
            raise ConfigError("API_KEYS_PER_USER must be at least 1")
        rate_limit = (env.get("RATELIMIT_API_KEY") or "").strip() or DEFAULT_RATE_LIMIT
        try:
            parse_many(rate_limit)
        except ValueError:
            raise ConfigError(
                f"RATELIMIT_API_KEY must be a rate limit such as '600 per minute', not {rate_limit!r}"
            ) from None
        return cls(per_user=per_user, rate_limit=rate_limit)

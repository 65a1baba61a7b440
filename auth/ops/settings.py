"""Operations settings: who may read the metrics, how stale the revocation view may serve."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from auth.core.settings import ConfigError

MIN_TOKEN_CHARS = 16
DEFAULT_MAX_STALE = 10.0
"""Seconds; or twice ``REVOCATION_POLL_SECONDS`` when that is longer (a slow poll with Redis)."""


@dataclass(frozen=True)
class OpsSettings:
    metrics_token: str | None
    """``METRICS_TOKEN``: when set, ``/metrics`` needs ``Authorization: Bearer <it>``."""
    revocation_max_stale_seconds: float
    """``REVOCATION_MAX_STALE_SECONDS``: with the database away, access tokens are
    checked against the last revocations read for at most this long; then they
    are refused with 503 (fail closed) until the database answers again."""

    @classmethod
    def from_env(cls, env: Mapping[str, str], poll_seconds: float) -> OpsSettings:
        token = (env.get("METRICS_TOKEN") or "").strip() or None
        if token is not None and len(token) < MIN_TOKEN_CHARS:
            raise ConfigError(f"METRICS_TOKEN must be at least {MIN_TOKEN_CHARS} characters (use a random value).")
        raw = (env.get("REVOCATION_MAX_STALE_SECONDS") or "").strip() or str(max(DEFAULT_MAX_STALE, 2 * poll_seconds))
        try:
            stale = float(raw)
        except ValueError:
            raise ConfigError(f"REVOCATION_MAX_STALE_SECONDS must be a number of seconds, not {raw!r}.") from None
        if not poll_seconds <= stale <= max(300, 2 * poll_seconds):
            raise ConfigError(
                f"REVOCATION_MAX_STALE_SECONDS must be between REVOCATION_POLL_SECONDS ({poll_seconds:g}) and 300."
            )
        return cls(metrics_token=token, revocation_max_stale_seconds=stale)

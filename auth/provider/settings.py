"""The OpenID provider's settings, read once from the environment.

``OIDC_PROVIDER_ENABLED=true`` turns the provider on; ``OIDC_PROVIDER_ISSUER``
names it (default: the origin the request came to, which suits a single
public URL); ``OIDC_PROVIDER_KEY_FILE`` holds the PEM private key that signs
ID tokens (RS256 for an RSA key; ES256 or EdDSA for those keys). Without it,
the server's own asymmetric key signs, and with ``JWT_ALGORITHM=HS256``
there is none, so the file is required.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from auth.core.settings import ConfigError, Settings

CODE_TTL = 60
ID_TOKEN_TTL = 3600


@dataclass(frozen=True)
class ProviderSettings:
    issuer: str | None
    key_file: str | None
    access_token_ttl: int
    refresh_token_ttl: int

    @classmethod
    def from_env(cls, env: Mapping[str, str], settings: Settings) -> ProviderSettings | None:
        """The settings, or None when the provider is off."""
        enabled = (env.get("OIDC_PROVIDER_ENABLED") or "false").strip().lower()
        if enabled not in ("true", "false", "1", "0", "yes", "no"):
            raise ConfigError("OIDC_PROVIDER_ENABLED must be true or false")
        if enabled in ("false", "0", "no"):
            return None
        issuer = (env.get("OIDC_PROVIDER_ISSUER") or "").strip().rstrip("/") or None
        if issuer is not None:
            parts = urlsplit(issuer)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
                raise ConfigError("OIDC_PROVIDER_ISSUER must be an http(s) URL without query or fragment")
        key_file = (env.get("OIDC_PROVIDER_KEY_FILE") or "").strip() or None
        if key_file is None and settings.jwt_algorithm == "HS256":
            raise ConfigError(
                "OIDC_PROVIDER_KEY_FILE is required when JWT_ALGORITHM is HS256 (ID tokens need an asymmetric key)"
            )
        return cls(
            issuer=issuer,
            key_file=key_file or settings.jwt_private_key_file,
            access_token_ttl=settings.access_token_ttl,
            refresh_token_ttl=settings.refresh_token_ttl,
        )

"""The identity providers, read once from the environment.

``OIDC_PROVIDERS=google,github,corp`` names them; each reads
``OIDC_<NAME>_ISSUER``, ``_CLIENT_ID``, ``_CLIENT_SECRET`` and ``_SCOPES``.
``google`` and ``microsoft`` know their issuer; ``github`` is plain OAuth 2
(no discovery, no ID token) and reads ``OIDC_GITHUB_WEB_URL`` and
``OIDC_GITHUB_API_URL`` only to point at GitHub Enterprise or a test double.
A provider that cannot work is named at start with a ConfigError.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from auth.core.settings import ConfigError

NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_SCOPES = "openid email profile"


@dataclass(frozen=True)
class Preset:
    label: str
    issuer: str | None = None
    kind: str = "oidc"
    scopes: str = DEFAULT_SCOPES
    issuer_aliases: tuple[str, ...] = ()  # other spellings of the issuer its ID tokens may carry


PRESETS = {
    # Google documents "accounts.google.com" without the scheme as a valid iss too.
    "google": Preset("Google", issuer="https://accounts.google.com", issuer_aliases=("accounts.google.com",)),
    # "common" takes work and personal accounts; its ID tokens name the
    # tenant they come from, see ``expected_issuer`` in auth.oidc.client.
    "microsoft": Preset("Microsoft", issuer="https://login.microsoftonline.com/common/v2.0"),
    "github": Preset("GitHub", kind="github", scopes="read:user user:email"),
}


@dataclass(frozen=True)
class ProviderConfig:
    name: str
    label: str
    kind: str  # "oidc" (discovery, ID token) or "github" (OAuth 2 and its REST API)
    client_id: str
    client_secret: str
    scopes: str
    issuer: str | None = None
    issuer_aliases: tuple[str, ...] = ()
    web_url: str = "https://github.com"
    api_url: str = "https://api.github.com"


@dataclass(frozen=True)
class OidcSettings:
    providers: dict[str, ProviderConfig]
    create_users: bool = True
    link_verified_email: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OidcSettings:
        names = [part.strip().lower() for part in (env.get("OIDC_PROVIDERS") or "").split(",") if part.strip()]
        providers: dict[str, ProviderConfig] = {}
        for name in names:
            if not NAME.match(name):
                raise ConfigError(
                    f"OIDC_PROVIDERS entry {name!r} must be a lower-case name of letters, digits and _ (such as google)"
                )
            if name in providers:
                raise ConfigError(f"OIDC_PROVIDERS names {name!r} twice")
            providers[name] = _provider(env, name)
        return cls(
            providers=providers,
            create_users=_boolean(env, "OIDC_CREATE_USERS", True),
            link_verified_email=_boolean(env, "OIDC_LINK_VERIFIED_EMAIL", False),
        )


def _provider(env: Mapping[str, str], name: str) -> ProviderConfig:
    prefix = f"OIDC_{name.upper()}_"
    preset = PRESETS.get(name, Preset(name.replace("_", " ").title()))

    def value(key: str) -> str | None:
        raw = env.get(prefix + key)
        return raw.strip() if raw and raw.strip() else None

    client_id, client_secret = value("CLIENT_ID"), value("CLIENT_SECRET")
    for key, found in (("CLIENT_ID", client_id), ("CLIENT_SECRET", client_secret)):
        if found is None:
            raise ConfigError(f"{prefix}{key} is not set: provider {name!r} in OIDC_PROVIDERS needs its registration")
    scopes = value("SCOPES") or preset.scopes
    if preset.kind == "github":
        return ProviderConfig(
            name=name,
            label=preset.label,
            kind="github",
            client_id=client_id or "",
            client_secret=client_secret or "",
            scopes=scopes,
            web_url=_url(prefix + "WEB_URL", value("WEB_URL") or "https://github.com"),
            api_url=_url(prefix + "API_URL", value("API_URL") or "https://api.github.com"),
        )
    issuer = value("ISSUER") or preset.issuer
    if issuer is None:
        raise ConfigError(f"{prefix}ISSUER is not set: provider {name!r} is not a preset (google, microsoft, github)")
    if "openid" not in scopes.split():
        raise ConfigError(f"{prefix}SCOPES must include openid for an OpenID Connect provider, not {scopes!r}")
    return ProviderConfig(
        name=name,
        label=preset.label,
        kind="oidc",
        client_id=client_id or "",
        client_secret=client_secret or "",
        scopes=scopes,
        issuer=_url(prefix + "ISSUER", issuer),
        issuer_aliases=preset.issuer_aliases if issuer == preset.issuer else (),
    )


def _url(variable: str, url: str) -> str:
    """An https URL, or http on this machine only (a provider in a test or a laptop)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"{variable} must be an https URL such as https://accounts.example.com, not {url!r}")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise ConfigError(f"{variable} must use https (http only for 127.0.0.1 or localhost), not {url!r}")
    return url.rstrip("/")


def _boolean(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")

"""The mail capability's settings, read once at start like the core's.

``MAIL_URL`` names where mail goes (see ``auth.mail.transport``); in DEV it
defaults to ``console:`` so ``flask run`` works without a mail server, and in
PROD leaving it unset switches the email endpoints off (they answer 404).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from limits import parse

from auth.core.addresses import check_email
from auth.core.errors import BadRequest
from auth.core.settings import ConfigError, Settings
from auth.mail.transport import Destination, parse_mail_url


@dataclass(frozen=True)
class MailSettings:
    destination: Destination | None
    """None: mail is off (PROD without MAIL_URL)."""
    sender: str | None
    """MAIL_FROM; None: ``no-reply@<the API's host>``."""
    link_url: str | None
    """EMAIL_LINK_URL, the frontend's base for mailed links; None: the built-in pages."""
    allow_magic_links: bool
    token_ttl: int
    limit_ip: str
    limit_address: str

    @property
    def enabled(self) -> bool:
        return self.destination is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str], settings: Settings) -> MailSettings:
        url = _raw(env, "MAIL_URL") or ("console:" if settings.is_dev else None)
        return cls(
            destination=parse_mail_url(url) if url else None,
            sender=_sender(_raw(env, "MAIL_FROM")),
            link_url=_link_url(_raw(env, "EMAIL_LINK_URL")),
            allow_magic_links=_boolean(env, "ALLOW_MAGIC_LINKS"),
            token_ttl=_ttl(_raw(env, "EMAIL_TOKEN_TTL")),
            limit_ip=_limit(env, "RATELIMIT_MAIL_IP", "30 per hour"),
            limit_address=_limit(env, "RATELIMIT_MAIL_ADDRESS", "5 per hour"),
        )


def _raw(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return value.strip() if value and value.strip() else None


def _boolean(env: Mapping[str, str], name: str) -> bool:
    value = (_raw(env, name) or "false").lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def _ttl(value: str | None) -> int:
    if value is None:
        return 1800
    try:
        seconds = int(value)
    except ValueError:
        raise ConfigError(f"EMAIL_TOKEN_TTL must be a whole number of seconds, not {value!r}") from None
    if not 60 <= seconds <= 7 * 86400:
        raise ConfigError(f"EMAIL_TOKEN_TTL must be between 60 and 604800 seconds, not {seconds}")
    return seconds


def _sender(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_email(value)
    except BadRequest as error:
        raise ConfigError(f"MAIL_FROM {value!r}: {error.message}") from None


def _link_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"EMAIL_LINK_URL {value!r} must be an http(s) URL without query or fragment, "
            "such as https://app.example.com (links open <it>/reset-password?token=...)"
        )
    return value.rstrip("/")


def _limit(env: Mapping[str, str], name: str, default: str) -> str:
    value = _raw(env, name) or default
    try:
        parse(value)
    except ValueError:
        raise ConfigError(f"{name} must be a rate limit such as '5 per hour', not {value!r}") from None
    return value

"""The environment, read once into a typed, validated object.

Every option is checked when the app starts; a bad value stops the server with
one sentence that names the variable (``ConfigError``), never later on the
first request.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many

from auth.core.urls import origin_of

DEV = "DEV"
PROD = "PROD"
MIN_SECRET_BYTES = 32
SECRET_FILE = "jwt_secret"
DEFAULT_HIBP_URL = "https://api.pwnedpasswords.com"


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the variable."""


@dataclass(frozen=True)
class Limits:
    """Rate limits in flask-limiter notation (``"5 per minute"``, several joined by ``;``).

    The login limits count failed attempts only; ``auth.web.limits`` says
    which applies to known and to unknown devices.
    """

    login_ip: str = "30 per minute"
    login_user_ip: str = "5 per minute"
    login_user: str = "50 per hour"
    login_user_per_address: str = "5 per hour"
    login_device: str = "10 per hour"
    refresh_ip: str = "120 per minute"
    register_ip: str = "10 per hour"
    password_user: str = "5 per minute"


@dataclass(frozen=True)
class Settings:
    environment: str
    jwt_secret: bytes
    frontend_origins: tuple[str, ...]
    database_url: str
    redis_url: str | None
    cookie_domain: str | None
    cookie_samesite: str
    cookie_secure: bool
    cookie_partitioned: bool
    access_token_ttl: int
    refresh_token_ttl: int
    refresh_grace_seconds: int
    allow_registration: bool
    trusted_proxy_count: int
    csrf_mode: str
    ratelimit_enabled: bool
    jwt_algorithm: str = "HS256"
    jwt_private_key_file: str | None = None
    jwt_previous_secrets: tuple[bytes, ...] = ()
    jwt_previous_key_files: tuple[str, ...] = ()
    device_token_ttl: int = 365 * 24 * 3600
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    jwt_issuer: str = "flask-auth"
    max_body_bytes: int = 16 * 1024
    revocation_poll_seconds: float = 0.5
    hash_concurrency: int = 2
    hash_queue: int = 32
    db_pool_size: int = 5
    db_max_overflow: int = 10
    reauth_seconds: int = 300
    hibp_url: str | None = DEFAULT_HIBP_URL
    session_limit_per_user: int = 50
    limits: Limits = field(default_factory=Limits)

    @property
    def is_dev(self) -> bool:
        return self.environment == DEV

    @classmethod
    def from_env(cls, env: Mapping[str, str], instance_path: str) -> Settings:
        """Build settings from environment-style strings; raise ConfigError."""
        reader = _Reader(env)
        environment = reader.choice("ENVIRONMENT", (DEV, PROD), PROD)
        dev = environment == DEV
        samesite = reader.choice("COOKIE_SAMESITE", ("Lax", "Strict", "None"), "Lax" if dev else "None")
        secure = reader.boolean("COOKIE_SECURE", not dev)
        partitioned = reader.boolean("COOKIE_PARTITIONED", False)
        if reader.boolean("UNSAFE_TEST_COOKIE_SAMESITE_NONE_INSECURE", False):
            # Reproduces the tutorial's bug for the browser tests; DEV only.
            if not dev:
                raise ConfigError("UNSAFE_TEST_COOKIE_SAMESITE_NONE_INSECURE is only allowed with ENVIRONMENT=DEV")
            samesite, secure = "None", False
        elif samesite == "None" and not secure:
            raise ConfigError(
                "COOKIE_SAMESITE=None needs COOKIE_SECURE=true: browsers drop a SameSite=None cookie without Secure"
            )
        if partitioned and not secure:
            raise ConfigError("COOKIE_PARTITIONED=true needs COOKIE_SECURE=true (Partitioned cookies must be Secure)")
        algorithm = reader.choice("JWT_ALGORITHM", ("HS256", "EdDSA", "ES256"), "HS256")
        access_ttl = reader.integer("ACCESS_TOKEN_TTL", 900, minimum=1)
        refresh_ttl = reader.integer("REFRESH_TOKEN_TTL", 2_592_000, minimum=1)
        if refresh_ttl < access_ttl:
            raise ConfigError("REFRESH_TOKEN_TTL must be at least ACCESS_TOKEN_TTL")
        return cls(
            environment=environment,
            jwt_secret=_jwt_secret(env.get("JWT_SECRET"), dev, instance_path),
            frontend_origins=_origins(env.get("FRONTEND_URL"), dev),
            database_url=env.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'auth.sqlite3'}",
            redis_url=env.get("REDIS_URL") or None,
            cookie_domain=_cookie_domain(env.get("COOKIE_DOMAIN")),
            cookie_samesite=samesite,
            cookie_secure=secure,
            cookie_partitioned=partitioned,
            access_token_ttl=access_ttl,
            refresh_token_ttl=refresh_ttl,
            refresh_grace_seconds=reader.integer("REFRESH_GRACE_SECONDS", 10, minimum=0),
            allow_registration=reader.boolean("ALLOW_REGISTRATION", False),
            trusted_proxy_count=reader.integer("TRUSTED_PROXY_COUNT", 0, minimum=0),
            csrf_mode=reader.choice("CSRF_MODE", ("origin", "double-submit"), "origin"),
            ratelimit_enabled=reader.boolean("RATELIMIT_ENABLED", True),
            hash_concurrency=reader.integer("HASH_CONCURRENCY", 2, minimum=1),
            hash_queue=reader.integer("HASH_QUEUE", 32, minimum=0),
            reauth_seconds=reader.integer("REAUTH_SECONDS", 300, minimum=1),
            db_pool_size=reader.integer("DB_POOL_SIZE", 5, minimum=1),
            db_max_overflow=reader.integer("DB_MAX_OVERFLOW", 10, minimum=0),
            revocation_poll_seconds=_poll_seconds(reader, bool(env.get("REDIS_URL"))),
            jwt_algorithm=algorithm,
            jwt_private_key_file=_private_key_file(algorithm, reader.raw("JWT_PRIVATE_KEY_FILE")),
            jwt_previous_secrets=_previous_secrets(reader.raw("JWT_PREVIOUS_SECRETS")),
            jwt_previous_key_files=_previous_key_files(reader.raw("JWT_PREVIOUS_KEY_FILES")),
            device_token_ttl=reader.integer("DEVICE_TOKEN_TTL", 365 * 24 * 3600, minimum=60),
            argon2_time_cost=reader.integer("ARGON2_TIME_COST", 3, minimum=1),
            argon2_memory_kib=reader.integer("ARGON2_MEMORY_KIB", 65536, minimum=8),
            argon2_parallelism=reader.integer("ARGON2_PARALLELISM", 4, minimum=1),
            hibp_url=_hibp_url(reader.raw("HIBP_URL")),
            session_limit_per_user=reader.integer("SESSION_LIMIT_PER_USER", 50, minimum=1),
            limits=_limits(reader),
        )


class _Reader:
    """Typed access to string settings; every failure names the variable."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def raw(self, name: str) -> str | None:
        value = self.env.get(name)
        return value.strip() if value is not None and value.strip() else None

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.raw(name)
        if value is None:
            return default
        for option in allowed:
            if value.lower() == option.lower():
                return option
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name} must be true or false, not {value!r}")

    def integer(self, name: str, default: int, *, minimum: int) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
        if number < minimum:
            raise ConfigError(f"{name} must be at least {minimum}, not {number}")
        return number

    def number(self, name: str, default: float, *, minimum: float, maximum: float) -> float:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(f"{name} must be a number, not {value!r}") from None
        if not minimum <= number <= maximum:
            raise ConfigError(f"{name} must be between {minimum} and {maximum}, not {number}")
        return number


def _poll_seconds(reader: _Reader, has_redis: bool) -> float:
    """Without Redis the poll is what makes revocation reach every process within a second."""
    seconds = reader.number("REVOCATION_POLL_SECONDS", 0.5, minimum=0.05, maximum=60.0)
    if seconds > 1.0 and not has_redis:
        raise ConfigError(
            "REVOCATION_POLL_SECONDS above 1 needs REDIS_URL: revocation must reach every process within 1 s"
        )
    return seconds


def _jwt_secret(value: str | None, dev: bool, instance_path: str) -> bytes:
    if value:
        secret = value.encode()
        if len(secret) < MIN_SECRET_BYTES:
            raise ConfigError(
                f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes; "
                'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        return secret
    if not dev:
        raise ConfigError(
            "JWT_SECRET is not set: in PROD the server refuses to start without a secret of at least "
            f"{MIN_SECRET_BYTES} bytes"
        )
    return _dev_secret(Path(instance_path) / SECRET_FILE)


def _dev_secret(path: Path) -> bytes:
    """Generate a DEV secret once and keep it, so a restart logs nobody out."""
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret)
    return secret


def _limits(reader: _Reader) -> Limits:
    values = {}
    for name, default in vars(Limits()).items():
        variable = f"RATELIMIT_{name.upper()}"
        value = reader.raw(variable) or default
        try:
            parse_many(value)
        except ValueError:
            raise ConfigError(f"{variable} must be a rate limit such as '5 per minute', not {value!r}") from None
        values[name] = value
    return Limits(**values)


def _previous_secrets(value: str | None) -> tuple[bytes, ...]:
    """Retired HS256 secrets, verify-only; each as long as a current one must be."""
    secrets_ = tuple(item.strip().encode() for item in (value or "").split(",") if item.strip())
    for secret in secrets_:
        if len(secret) < MIN_SECRET_BYTES:
            raise ConfigError(f"every JWT_PREVIOUS_SECRETS entry must be at least {MIN_SECRET_BYTES} bytes")
    return secrets_


def _previous_key_files(value: str | None) -> tuple[str, ...]:
    paths = tuple(item.strip() for item in (value or "").split(",") if item.strip())
    for path in paths:
        if not Path(path).is_file():
            raise ConfigError(f"JWT_PREVIOUS_KEY_FILES entry {path!r} does not exist")
    return paths


def _private_key_file(algorithm: str, path: str | None) -> str | None:
    if algorithm == "HS256":
        return None
    if not path:
        raise ConfigError(f"JWT_ALGORITHM={algorithm} needs JWT_PRIVATE_KEY_FILE, a PEM private key")
    if not Path(path).is_file():
        raise ConfigError(f"JWT_PRIVATE_KEY_FILE {path!r} does not exist")
    return path


def _origins(value: str | None, dev: bool) -> tuple[str, ...]:
    if not value:
        return ("http://localhost:3000",) if dev else ()
    origins = []
    for item in value.split(","):
        origin = item.strip()
        if not origin:
            continue
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"FRONTEND_URL entry {origin!r} is not an http(s) origin such as https://app.example.com")
        if parts.path or parts.query or parts.fragment or parts.username:
            raise ConfigError(
                f"FRONTEND_URL entry {origin!r} must be a bare origin (scheme, host and port) "
                "without a path or trailing slash"
            )
        if "*" in origin:
            raise ConfigError(f"FRONTEND_URL entry {origin!r}: wildcards are not allowed with credentials")
        origins.append(origin_of(origin) or origin)
    return tuple(origins)


def _hibp_url(value: str | None) -> str | None:
    """The breached-password range API's base URL, or None for ``off``."""
    if value is None:
        return DEFAULT_HIBP_URL
    if value.lower() == "off":
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"HIBP_URL must be an http(s) URL such as {DEFAULT_HIBP_URL}, or off, not {value!r}")
    return value.rstrip("/")


def _cookie_domain(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    domain = value.strip().lower().lstrip(".")
    if "/" in domain or ":" in domain or ("." not in domain and domain != "localhost"):
        raise ConfigError(f"COOKIE_DOMAIN must be a parent domain such as example.com, not {value!r}")
    return domain

"""The one place that knows the auth cookies' names and attributes.

Every set and every clear goes through here, so Path, Domain, SameSite,
Secure and Partitioned always match: a browser only removes a cookie when the
clearing ``Set-Cookie`` names the same Path, Domain and partition.
"""

from __future__ import annotations

from flask import Request, Response

from auth.core.settings import Settings

ACCESS_COOKIE = "access_token"
REFRESH_COOKIE = "refresh_token"
CSRF_COOKIE = "csrf_token"
DEVICE_COOKIE = "device_token"
MFA_PENDING_COOKIE = "mfa_pending"
REFRESH_PATH = "/auth"
MFA_PENDING_SECONDS = 300


def set_auth_cookies(
    response: Response, settings: Settings, *, access: str, refresh: str, refresh_max_age: int, csrf: str | None
) -> None:
    _set(response, settings, ACCESS_COOKIE, access, settings.access_token_ttl, "/", http_only=True)
    _set(response, settings, REFRESH_COOKIE, refresh, refresh_max_age, REFRESH_PATH, http_only=True)
    if csrf is not None:
        _set(response, settings, CSRF_COOKIE, csrf, refresh_max_age, "/", http_only=False)


def set_access_cookie(response: Response, settings: Settings, access: str) -> None:
    """Only a new access token (the session's refresh token stays as it is)."""
    _set(response, settings, ACCESS_COOKIE, access, settings.access_token_ttl, "/", http_only=True)


def clear_auth_cookies(response: Response, settings: Settings) -> None:
    for name, path in ((ACCESS_COOKIE, "/"), (REFRESH_COOKIE, REFRESH_PATH), (CSRF_COOKIE, "/")):
        _set(response, settings, name, "", 0, path, http_only=name != CSRF_COOKIE, expires=0)


def set_device_cookie(response: Response, settings: Settings, token: str) -> None:
    """The device cookie (``auth.core.devices``): only /auth reads it, and logout keeps it."""
    _set(response, settings, DEVICE_COOKIE, token, settings.device_token_ttl, REFRESH_PATH, http_only=True)


def read_device(request: Request) -> str | None:
    return request.cookies.get(DEVICE_COOKIE) or None


def set_mfa_pending(response: Response, settings: Settings, token: str) -> None:
    """The sign-in waiting for its second factor: HttpOnly, ``Path=/auth``, five minutes."""
    _set(response, settings, MFA_PENDING_COOKIE, token, MFA_PENDING_SECONDS, REFRESH_PATH, http_only=True)


def clear_mfa_pending(response: Response, settings: Settings) -> None:
    _set(response, settings, MFA_PENDING_COOKIE, "", 0, REFRESH_PATH, http_only=True, expires=0)


def read_mfa_pending(request: Request) -> str | None:
    return request.cookies.get(MFA_PENDING_COOKIE) or None


def read_access(request: Request) -> str | None:
    """The access token from the cookie or an ``Authorization: Bearer`` header."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(ACCESS_COOKIE) or None


def read_refresh(request: Request) -> str | None:
    return request.cookies.get(REFRESH_COOKIE) or None


def carries_auth_cookies(request: Request) -> bool:
    return ACCESS_COOKIE in request.cookies or REFRESH_COOKIE in request.cookies


def _set(
    response: Response,
    settings: Settings,
    name: str,
    value: str,
    max_age: int,
    path: str,
    *,
    http_only: bool,
    expires: int | None = None,
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        expires=expires,
        path=path,
        domain=settings.cookie_domain,
        secure=settings.cookie_secure,
        httponly=http_only,
        samesite=settings.cookie_samesite,
        partitioned=settings.cookie_partitioned,
    )

"""Mail settings: is mail on, can the server reach the mail server, and where do mailed links lead.

A link that lands on a page the API does not trust (neither a FRONTEND_URL
origin nor the API itself) cannot spend its token: the page's request is
refused as cross-site. The connection check uses the real SMTP dialogue
(TLS and login included) with a short timeout, and never prints the password.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from auth.core.settings import DEV, ConfigError, Settings
from auth.core.urls import origin_of
from auth.mail.settings import MailSettings
from auth.mail.transport import Destination, connect
from auth.ops.doctor.cookies import DEV_API_URL
from auth.ops.doctor.findings import Finding
from auth.ops.doctor.sites import is_loopback

CONNECT_TIMEOUT = 5.0


def diagnose_mail(mail: MailSettings, settings: Settings, api_url: str | None) -> list[Finding]:
    destination = mail.destination
    if destination is None:
        return [
            Finding(
                "warn",
                "MAIL_URL is unset: email verification, password reset and magic links answer 404.",
                "Set MAIL_URL=smtp://user:pass@mail.example.com:587 (or smtps://...:465).",
            )
        ]
    findings = [_connection(destination, settings)]
    findings.append(_links(mail, settings, api_url))
    if mail.allow_magic_links:
        findings.append(Finding("ok", "ALLOW_MAGIC_LINKS=true: verified addresses can sign in by mailed link."))
    return findings


def diagnose_mail_env(env: Mapping[str, str], api_url: str | None) -> list[Finding]:
    """``diagnose_mail`` from raw environment strings (``python -m auth.ops.doctor``).

    When the core settings themselves are refused, ``diagnose_env`` already says so; nothing is added.
    """
    patched = dict(env)
    dev = (patched.get("ENVIRONMENT") or "").strip().upper() == DEV
    if not (patched.get("JWT_SECRET") or "").strip() and dev:
        patched["JWT_SECRET"] = "doctor-placeholder-" + "x" * 32  # never write the DEV secret file
    instance_path = patched.get("INSTANCE_PATH") or str(Path(__file__).resolve().parents[3] / "instance")
    try:
        settings = Settings.from_env(patched, instance_path)
    except ConfigError:
        return []
    try:
        mail = MailSettings.from_env(patched, settings)
    except ConfigError as error:
        return [
            Finding(
                "error", f"The server refuses to start: {str(error).rstrip('.')}.", "Correct the variable named above."
            )
        ]
    return diagnose_mail(mail, settings, api_url or (DEV_API_URL if settings.is_dev else None))


def _connection(destination: Destination, settings: Settings) -> Finding:
    if destination.scheme == "console":
        if settings.is_dev:
            return Finding("ok", "MAIL_URL=console: mail is printed on the server's console (DEV).")
        return Finding(
            "warn",
            "MAIL_URL=console: in PROD: mail is printed on the server's console, nobody receives it.",
            "Set MAIL_URL to your SMTP server.",
        )
    probe = replace(destination, timeout=min(destination.timeout, CONNECT_TIMEOUT))
    try:
        client = connect(probe)
    except (OSError, smtplib.SMTPException) as error:
        return Finding(
            "error",
            f"Cannot send mail through {destination.describe()}: {error.__class__.__name__}: {error}.",
            "Check MAIL_URL's host, port, user and password, and that this host may reach the mail server.",
        )
    encrypted = isinstance(client.sock, ssl.SSLSocket)
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()
    if not encrypted and not is_loopback(destination.host):
        return Finding(
            "warn",
            f"Connected to {destination.describe()}, but it offers no STARTTLS: mail and the SMTP password "
            "travel unencrypted.",
            "Use smtps:// or a server that offers STARTTLS, and add ?starttls=required.",
        )
    return Finding("ok", f"Connected to {destination.describe()}{' over TLS' if encrypted else ''}.")


def _links(mail: MailSettings, settings: Settings, api_url: str | None) -> Finding:
    if mail.link_url is None:
        if settings.is_dev:
            return Finding("ok", "EMAIL_LINK_URL is unset: mailed links open the API's built-in pages.")
        return Finding(
            "warn",
            "EMAIL_LINK_URL is unset: mailed links open the built-in pages at the host the request named, "
            "so a proxy that passes any Host header lets a forged one point reset links elsewhere.",
            "Set EMAIL_LINK_URL to your frontend (https://app.example.com) or the API's public URL.",
        )
    origin = origin_of(mail.link_url)
    trusted = set(settings.frontend_origins) | {o for o in [origin_of(api_url or "")] if o}
    if origin in trusted:
        return Finding("ok", f"EMAIL_LINK_URL {mail.link_url} is on an allowed origin.")
    return Finding(
        "error",
        f"EMAIL_LINK_URL {mail.link_url} is neither a FRONTEND_URL origin nor the API: the page a link "
        "opens cannot spend its token (its requests are refused as cross-site).",
        "Point EMAIL_LINK_URL at your frontend (one of FRONTEND_URL), or add its origin to FRONTEND_URL.",
    )

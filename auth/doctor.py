"""``flask auth doctor``: will real browsers store and send the auth cookies?

Most "login returns 200 but I am not logged in" reports are not bugs in the
server but a configuration that Chromium or Firefox quietly refuses: a
``SameSite=None`` cookie without ``Secure``, a ``Secure`` cookie from a plain
http host, a ``Domain`` that does not cover the host that sets it, a
cross-site frontend with ``SameSite=Lax``, or a third-party cookie that a
fresh Chromium profile blocks unless it is ``Partitioned``. The browser says
so only in its developer tools. This module says it up front, in plain words,
from the configuration and the API's public URL alone.

``diagnose`` is a pure function of the settings and the API URL (no request,
no network) so every rule is testable on its own. The ``doctor`` command uses
the running app's settings when ``flask`` could build the app; when the
configuration is so wrong that ``Settings`` refuses it (and so ``flask``
cannot load the app at all), ``python -m auth.doctor`` reads the raw
environment itself and reports the refusal as a finding instead of a crash.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import SplitResult, urlsplit

import click
from flask import current_app, has_app_context
from flask.cli import ScriptInfo

from auth.origins import origin_of
from auth.settings import DEV, ConfigError, Settings

Level = Literal["ok", "warn", "error"]

DEV_API_URL = "http://localhost:3001"
"""Where ``.flaskenv`` serves the API in development (the tutorial's port)."""

MULTI_LABEL_SUFFIXES = frozenset(
    {
        "co.uk",
        "org.uk",
        "ac.uk",
        "gov.uk",
        "com.au",
        "net.au",
        "org.au",
        "co.nz",
        "co.jp",
        "com.br",
        "co.in",
        "github.io",
        "gitlab.io",
        "vercel.app",
        "netlify.app",
        "herokuapp.com",
        "pages.dev",
        "workers.dev",
        "fly.dev",
        "onrender.com",
        "web.app",
        "firebaseapp.com",
        "azurewebsites.net",
    }
)
"""Public suffixes of more than one label that frontends commonly live under.

Browsers use the whole Public Suffix List; this short list covers the cases
that bite in practice (two apps on ``*.vercel.app`` are different sites) without
shipping the list. Anything else falls back to "the last two labels".
"""


@dataclass(frozen=True)
class Finding:
    """One observation: ``level`` is ok, warn or error; ``fix`` says what to change."""

    level: Level
    message: str
    fix: str = ""


# --- hosts, sites and cookie domains -------------------------------------------------------


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    """Hosts that Chromium and Firefox treat as a secure context even over http."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def registrable_domain(host: str) -> str:
    """The "site" part of a host name, as browsers compute it for SameSite.

    ``localhost`` and IP addresses are their own site; otherwise the last two
    labels, or three under a multi-label public suffix (``example.co.uk``).
    """
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or _is_ip(host):
        return host
    labels = host.split(".")
    if len(labels) <= 2:
        return host
    if ".".join(labels[-2:]) in MULTI_LABEL_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def site_of(parts: SplitResult) -> str:
    """Schemeful site: ``https://example.com``; http and https of one host are two sites."""
    return f"{parts.scheme}://{registrable_domain(parts.hostname or '')}"


def domain_matches(host: str, domain: str) -> bool:
    """Whether a cookie with ``Domain=domain`` is stored for and sent to ``host`` (RFC 6265 5.1.3)."""
    host, domain = host.strip("[]").lower(), domain.lower().lstrip(".")
    if host == domain:
        return True
    return not _is_ip(host) and host.endswith("." + domain)


def _is_public_suffix(domain: str) -> bool:
    domain = domain.lower().lstrip(".")
    return domain in MULTI_LABEL_SUFFIXES or ("." not in domain and domain != "localhost")


# --- the rules ----------------------------------------------------------------------------------


def diagnose(settings: Settings, api_url: str) -> list[Finding]:
    """Every finding for the API at ``api_url`` and each origin in FRONTEND_URL.

    Judged as Chromium and Firefox behave today: schemeful same-site, Secure
    cookies allowed from http://localhost, third-party cookies blocked by a
    fresh Chromium profile unless Partitioned, partitioned by Firefox itself.
    """
    api = urlsplit(api_url.strip())
    if api.scheme not in ("http", "https") or not api.hostname:
        return [
            Finding(
                "error",
                f"The API URL {api_url!r} is not an http(s) URL.",
                "Pass the URL browsers use for the API, e.g. --api-url https://api.example.com.",
            )
        ]
    findings = [_summary(settings, api), *_api_findings(settings, api)]
    if not settings.frontend_origins:
        findings.append(
            Finding(
                "error",
                "FRONTEND_URL is empty: no frontend may call the API with credentials (CORS), "
                "and the API refuses logins from every browser page but its own.",
                "Set FRONTEND_URL to the frontend's origin, e.g. FRONTEND_URL=https://app.example.com.",
            )
        )
    for origin in settings.frontend_origins:
        findings.extend(_origin_findings(settings, api, origin))
    return findings


def _summary(settings: Settings, api: SplitResult) -> Finding:
    """What is being checked: the API, the environment and the cookies it will send."""
    attributes = [f"SameSite={settings.cookie_samesite}"]
    attributes += ["Secure"] if settings.cookie_secure else []
    attributes += ["Partitioned"] if settings.cookie_partitioned else []
    attributes += [f"Domain={settings.cookie_domain}"] if settings.cookie_domain else ["host-only"]
    frontends = ", ".join(settings.frontend_origins) or "(none)"
    return Finding(
        "ok",
        f"API {origin_of(api.geturl()) or api.geturl()}, ENVIRONMENT={settings.environment}, "
        f"cookies {'; '.join(attributes)}, FRONTEND_URL {frontends}.",
    )


def _api_findings(settings: Settings, api: SplitResult) -> list[Finding]:
    """Rules about the API host and the cookie attributes, whatever the frontend."""
    host = api.hostname or ""
    api_origin = origin_of(api.geturl()) or api.geturl()
    findings: list[Finding] = []
    if settings.is_dev and not is_loopback(host):
        findings.append(
            Finding(
                "warn",
                f"ENVIRONMENT=DEV but the API is at {api_origin}, not on localhost: DEV cookie defaults "
                "(SameSite=Lax, no Secure) and the generated JWT secret are meant for a developer machine.",
                "Set ENVIRONMENT=PROD for a server that other people reach.",
            )
        )
    if api.path not in ("", "/"):
        findings.append(
            Finding(
                "warn",
                f"The API is served under the path {api.path!r}: the refresh_token cookie has Path=/auth, "
                f"so browsers do not send it to {api.path.rstrip('/')}/auth/refresh and sessions end with "
                "the access token.",
                "Serve the API at the root of its own host (e.g. https://api.example.com).",
            )
        )
    if settings.cookie_samesite == "None" and not settings.cookie_secure:
        findings.append(
            Finding(
                "error",
                "Cookies are SameSite=None without Secure: Chrome and Firefox drop such a cookie, "
                "so the login answers 200 and nothing is stored.",
                "Set COOKIE_SECURE=true (Chrome and Firefox accept Secure cookies from http://localhost too), "
                "or COOKIE_SAMESITE=Lax when the frontend is on the same site as the API.",
            )
        )
    if settings.cookie_partitioned and not settings.cookie_secure:
        findings.append(
            Finding(
                "error",
                "COOKIE_PARTITIONED=true without Secure: browsers reject a Partitioned cookie that is not Secure.",
                "Set COOKIE_SECURE=true.",
            )
        )
    if settings.cookie_secure and api.scheme == "http":
        if is_loopback(host):
            findings.append(
                Finding(
                    "ok",
                    f"Secure cookies from {api_origin}: Chrome and Firefox treat http://localhost and loopback "
                    "addresses as a secure context and accept Secure cookies from them (other hosts over "
                    "http would be refused).",
                )
            )
        else:
            findings.append(
                Finding(
                    "error",
                    f"Cookies are Secure but the API is on plain http ({api_origin}): Chrome and Firefox "
                    "refuse to store Secure cookies from an http host other than localhost.",
                    "Serve the API over https (TLS at a proxy, with TRUSTED_PROXY_COUNT=1), "
                    "or in development use http://localhost.",
                )
            )
    elif not settings.cookie_secure and api.scheme == "https":
        findings.append(
            Finding(
                "warn",
                f"The API is on https ({api_origin}) but COOKIE_SECURE=false: the browser would also "
                "send the session cookies over plain http to the same host.",
                "Set COOKIE_SECURE=true (the PROD default).",
            )
        )
    domain = settings.cookie_domain
    if domain is not None:
        if _is_public_suffix(domain):
            findings.append(
                Finding(
                    "error",
                    f"COOKIE_DOMAIN={domain} is a public suffix: browsers refuse cookies for a whole "
                    "public suffix, so no cookie is stored.",
                    f"Set COOKIE_DOMAIN to your own parent domain (e.g. {registrable_domain(host)}), "
                    "or unset it for host-only cookies.",
                )
            )
        elif not domain_matches(host, domain):
            findings.append(
                Finding(
                    "error",
                    f"COOKIE_DOMAIN={domain} does not cover the API host {host}: browsers reject a "
                    "Set-Cookie whose Domain is not the host itself or a parent of it, so no cookie is stored.",
                    f"Set COOKIE_DOMAIN={registrable_domain(host)} (a parent of both the API and the "
                    "frontend), or unset it for host-only cookies.",
                )
            )
        else:
            findings.append(Finding("ok", f"COOKIE_DOMAIN={domain} covers the API host {host}."))
    return findings


def _origin_findings(settings: Settings, api: SplitResult, origin: str) -> list[Finding]:
    """Rules for one frontend origin: same-site or not, and who gets to see the cookies."""
    front = urlsplit(origin)
    findings: list[Finding] = []
    if front.scheme == "https" and api.scheme == "http" and not is_loopback(api.hostname or ""):
        findings.append(
            Finding(
                "error",
                f"{origin} is https but the API is http: browsers block an https page's requests to "
                "an http URL (mixed content).",
                "Serve the API over https.",
            )
        )
    same_site = site_of(front) == site_of(api)
    if same_site:
        findings.append(
            Finding("ok", f"{origin} and the API are the same site ({site_of(api)}): the cookies are first-party.")
        )
    else:
        findings.extend(_cross_site_findings(settings, api, origin, front))
    if same_site and settings.cookie_samesite == "Strict":
        findings.append(
            Finding(
                "warn",
                f"COOKIE_SAMESITE=Strict: when a visitor follows a link from another site to {origin}, "
                "the browser does not send the cookies on that navigation, so proxy.ts sees no session "
                "and redirects a signed-in user to the login page.",
                "Use COOKIE_SAMESITE=Lax (sent on top-level navigations, still not on cross-site requests).",
            )
        )
    findings.append(_server_side_finding(settings, api, origin, front, same_site))
    return findings


_SAME_SCHEME_FIX = "Serve the frontend over https like the API, which makes them one site. Failing that: "


def _cross_site_findings(settings: Settings, api: SplitResult, origin: str, front: SplitResult) -> list[Finding]:
    """A frontend on another site makes the API's cookies third-party cookies in its pages."""
    why = f"{origin} and the API ({site_of(api)}) are different sites"
    only_scheme = registrable_domain(front.hostname or "") == registrable_domain(api.hostname or "")
    if only_scheme:
        why += " (same domain, but http and https are different sites to the browser)"
    if settings.cookie_samesite != "None":
        return [
            Finding(
                "error",
                f"{why}, and COOKIE_SAMESITE={settings.cookie_samesite}: Chrome and Firefox neither store "
                "nor send these cookies on the frontend's fetch/axios calls to the API, so the login "
                "does not stick.",
                _SAME_SCHEME_FIX
                * only_scheme
                + "Put the frontend and the API on one site (app.example.com + api.example.com, "
                "COOKIE_DOMAIN=example.com), or set COOKIE_SAMESITE=None, COOKIE_SECURE=true and "
                "COOKIE_PARTITIONED=true over https.",
            )
        ]
    if not settings.cookie_partitioned:
        return [
            Finding(
                "error",
                f"{why}, so the API's cookies are third-party cookies there and are not Partitioned: "
                "Chromium in a fresh profile (and Chrome in incognito) blocks them and the login does "
                "not stick; Firefox partitions them by itself and works.",
                _SAME_SCHEME_FIX * only_scheme
                + "Set COOKIE_PARTITIONED=true (CHIPS), or put the frontend and the API on one site.",
            )
        ]
    return [
        Finding(
            "ok",
            f"{why}; the cookies are SameSite=None; Secure; Partitioned: Chromium keeps them although it "
            "blocks third-party cookies, Firefox partitions them by itself.",
        )
    ]


def _server_side_finding(
    settings: Settings, api: SplitResult, origin: str, front: SplitResult, same_site: bool
) -> Finding:
    """Does the browser send the API's cookies to the frontend host, for proxy.ts to forward?"""
    front_host, api_host = front.hostname or "", api.hostname or ""
    domain = settings.cookie_domain
    covered = domain_matches(front_host, domain) if domain else front_host == api_host
    insecure_front = settings.cookie_secure and front.scheme == "http" and not is_loopback(front_host)
    if covered and not insecure_front and same_site:
        return Finding(
            "ok",
            f"The browser also sends the cookies to {origin}, so the Next.js server (proxy.ts) can "
            "forward them to /auth/is-authenticated.",
        )
    consequence = (
        f"so the Next.js server at {origin} never sees them: proxy.ts (middleware) gating will not work "
        "(it would redirect everyone to the login page); only client-side checks (GET /auth/me with "
        "credentials) can tell who is signed in."
    )
    if not same_site:
        return Finding(
            "warn",
            f"The cookies belong to the API's site ({site_of(api)}), not to the frontend's ({site_of(front)}), "
            + consequence,
            "Gate pages in the browser, or put both on one site (app.example.com + api.example.com with "
            "COOKIE_DOMAIN=example.com), or let Next.js proxy the API under its own origin (rewrites).",
        )
    if insecure_front:
        return Finding(
            "warn",
            f"The cookies are Secure and {origin} is plain http, so the browser does not send them there, "
            f"{consequence}",
            "Serve the frontend over https.",
        )
    parent = registrable_domain(api_host)
    if domain:
        reason = f"COOKIE_DOMAIN={domain} does not cover {front_host},"
    else:
        reason = f"The cookies are host-only for {api_host} (no COOKIE_DOMAIN), not for {front_host},"
    return Finding("warn", f"{reason} {consequence}", f"Set COOKIE_DOMAIN={parent} so both hosts share the cookies.")


# --- from the environment ------------------------------------------------------------------


def check(settings: Settings, api_url: str | None) -> list[Finding]:
    """``diagnose`` with the API URL defaulted: DEV means the tutorial's localhost:3001."""
    if api_url:
        return diagnose(settings, api_url)
    if settings.is_dev:
        return diagnose(settings, DEV_API_URL)
    return [
        Finding(
            "error",
            "No API URL: in PROD the doctor needs the public URL browsers use to reach the API.",
            "Pass --api-url https://api.example.com (or set API_URL).",
        )
    ]


def frontend_url_findings(raw: str | None) -> tuple[list[Finding], str | None]:
    """Report every malformed FRONTEND_URL entry, and the value with those entries repaired.

    Settings stops at the first bad entry with one sentence; here each entry
    gets its own finding, and the repaired origins let the cookie rules still
    run on what the operator meant.
    """
    if raw is None:
        return [], None
    findings: list[Finding] = []
    kept: list[str] = []
    for item in raw.split(","):
        entry = item.strip()
        if not entry:
            continue
        try:
            parts = urlsplit(entry)
            origin = origin_of(entry)
        except ValueError:
            parts, origin = None, None
        if parts is None or origin is None or "*" in entry:
            findings.append(
                Finding(
                    "error",
                    f"FRONTEND_URL entry {entry!r} is not an origin (http(s), a host, no wildcard); "
                    "the server refuses to start.",
                    "List exact origins, comma-separated, e.g. FRONTEND_URL=https://app.example.com.",
                )
            )
            continue
        if parts.path == "/" and not (parts.query or parts.fragment):
            findings.append(
                Finding(
                    "error",
                    f"FRONTEND_URL entry {entry!r} ends with a slash: a browser's Origin header never does, "
                    "so it would never match (the server refuses to start with it).",
                    f"Write {origin} instead.",
                )
            )
        elif parts.path or parts.query or parts.fragment or parts.username:
            findings.append(
                Finding(
                    "error",
                    f"FRONTEND_URL entry {entry!r} has a path: an origin is only scheme, host and port "
                    "(the server refuses to start with it).",
                    f"Write {origin} instead.",
                )
            )
        kept.append(origin)
    return findings, ",".join(kept)


_CONFIG_FIXES = {
    "COOKIE_SAMESITE=None needs COOKIE_SECURE": (
        "Set COOKIE_SECURE=true (Chrome and Firefox accept Secure cookies from http://localhost too), "
        "or COOKIE_SAMESITE=Lax when the frontend is on the same site as the API."
    ),
    "COOKIE_PARTITIONED=true needs COOKIE_SECURE": "Set COOKIE_SECURE=true, or COOKIE_PARTITIONED=false.",
}


def diagnose_env(env: Mapping[str, str], api_url: str | None) -> list[Finding]:
    """Findings from raw environment strings, including the ones Settings refuses outright."""
    findings, frontend_url = frontend_url_findings(env.get("FRONTEND_URL"))
    patched = dict(env)
    if frontend_url is not None:
        patched["FRONTEND_URL"] = frontend_url
    if not (patched.get("JWT_SECRET") or "").strip() and (patched.get("ENVIRONMENT") or "").strip().upper() == DEV:
        # A stand-in, so the doctor never writes the DEV secret file as a side effect.
        patched["JWT_SECRET"] = "doctor-placeholder-" + "x" * 32
    instance_path = patched.get("INSTANCE_PATH") or str(Path(__file__).resolve().parent.parent / "instance")
    try:
        settings = Settings.from_env(patched, instance_path)
    except ConfigError as error:
        text = str(error)
        fix = next((fix for key, fix in _CONFIG_FIXES.items() if key in text), "Correct the variable named above.")
        return [*findings, Finding("error", f"The server refuses to start: {text.rstrip('.')}.", fix)]
    return findings + check(settings, api_url)


# --- output and the command ------------------------------------------------------------------

_TAGS = {"ok": ("ok   ", "green"), "warn": ("WARN ", "yellow"), "error": ("ERROR", "red")}


def render(findings: list[Finding]) -> list[str]:
    """One line per finding; an error or warning is followed by an indented ``fix:`` line."""
    lines = []
    for finding in findings:
        tag, colour = _TAGS[finding.level]
        lines.append(f"{click.style(tag, fg=colour, bold=finding.level != 'ok')} {finding.message}")
        if finding.level != "ok" and finding.fix:
            lines.append(f"      fix: {finding.fix}")
    errors = sum(f.level == "error" for f in findings)
    warnings = sum(f.level == "warn" for f in findings)
    if errors:
        lines.append(f"{errors} error(s), {warnings} warning(s): browsers will not keep this login working.")
    else:
        lines.append(f"No errors, {warnings} warning(s): Chrome and Firefox will store and send the cookies.")
    return lines


doctor_group = click.Group("auth", help="Check the auth server's deployment.")


@doctor_group.command("doctor")
@click.option(
    "--api-url",
    envvar="API_URL",
    metavar="URL",
    help="The API's public URL as browsers see it (default: $API_URL; in DEV http://localhost:3001).",
)
@click.pass_context
def doctor(ctx: click.Context, api_url: str | None) -> None:
    """Tell whether browsers will accept and send the auth cookies; exit 1 on any error.

    Inside ``flask`` the loaded app's settings are checked; run standalone
    (``python -m auth.doctor``) it reads the environment itself, so it can
    explain a configuration the server refuses to start with.
    """
    settings = _app_settings(ctx)
    findings = diagnose_env(os.environ, api_url) if settings is None else check(settings, api_url)
    for line in render(findings):
        click.echo(line)
    ctx.exit(1 if any(f.level == "error" for f in findings) else 0)


def _app_settings(ctx: click.Context) -> Settings | None:
    """The loaded app's settings under ``flask`` (or its test runner); None when run standalone."""
    if has_app_context() and "auth" in current_app.extensions:
        return current_app.extensions["auth"].settings
    info = ctx.find_object(ScriptInfo)
    if info is None:
        return None
    return info.load_app().extensions["auth"].settings


def main() -> None:
    """``python -m auth.doctor [--api-url URL]``: read ``.env``/``.flaskenv`` as ``flask`` does, then check."""
    from flask.cli import load_dotenv

    load_dotenv()
    doctor.main(args=sys.argv[1:], prog_name="python -m auth.doctor")


if __name__ == "__main__":
    main()

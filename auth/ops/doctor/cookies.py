"""Will browsers store and send the auth cookies? Rules as pure functions of the settings and the API URL."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from auth.core.settings import Settings
from auth.core.urls import origin_of
from auth.ops.doctor.findings import Finding
from auth.ops.doctor.sites import domain_matches, is_loopback, is_public_suffix, registrable_domain, site_of

DEV_API_URL = "http://localhost:3001"


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
        if is_public_suffix(domain):
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

"""The raw environment, read when Settings itself refuses it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from auth.core.settings import DEV, ConfigError, Settings
from auth.core.urls import origin_of
from auth.ops.doctor.cookies import check
from auth.ops.doctor.findings import Finding


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
    instance_path = patched.get("INSTANCE_PATH") or str(Path(__file__).resolve().parents[2] / "instance")
    try:
        settings = Settings.from_env(patched, instance_path)
    except ConfigError as error:
        text = str(error)
        fix = next((fix for key, fix in _CONFIG_FIXES.items() if key in text), "Correct the variable named above.")
        return [*findings, Finding("error", f"The server refuses to start: {text.rstrip('.')}.", fix)]
    return findings + check(settings, api_url)


# --- output and the command ------------------------------------------------------------------

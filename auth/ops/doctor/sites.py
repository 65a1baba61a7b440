"""Hosts, sites and registrable domains, the way browsers group them for cookies."""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult

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


def is_public_suffix(domain: str) -> bool:
    domain = domain.lower().lstrip(".")
    return domain in MULTI_LABEL_SUFFIXES or ("." not in domain and domain != "localhost")


# --- the rules ----------------------------------------------------------------------------------

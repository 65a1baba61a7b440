"""URL shapes the server reasons about, as pure functions (no request needed).

``parse_next`` reads a post-sign-in ``next`` target the way a browser's URL
parser (the WHATWG URL standard) would, then writes it back out in one
canonical, unambiguous form. What the server checks is then exactly what it
sends in ``Location``, so the tricks that make a checker and a browser
disagree (tabs and newlines the browser drops, ``\\`` read as ``/``,
``https:host`` without slashes, userinfo, encoded or dot-segment slashes)
either resolve to the same place for both or are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])$")
_C0_OR_SPACE = "".join(chr(code) for code in range(0x21))
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What the canonical form leaves as it is: printable ASCII but the URL standard's
# percent-encode sets for paths, special-scheme queries and fragments.
_PRINTABLE = "".join(chr(code) for code in range(0x21, 0x7F))
_PATH_SAFE = "".join(c for c in _PRINTABLE if c not in '"#<>?`{}')
_QUERY_SAFE = "".join(c for c in _PRINTABLE if c not in "\"#<>'")
_FRAGMENT_SAFE = "".join(c for c in _PRINTABLE if c not in '"<>`')
_SINGLE_DOT = frozenset({".", "%2e"})
_DOUBLE_DOT = frozenset({"..", ".%2e", "%2e.", "%2e%2e"})


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower-cased, or None if it has none."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = DEFAULT_PORTS[parts.scheme]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


@dataclass(frozen=True)
class NextTarget:
    """A redirect target in canonical form.

    ``origin`` is None for a path on this server (``url`` starts with exactly
    one ``/``); otherwise ``url`` is an absolute http(s) URL on ``origin``.
    """

    url: str
    origin: str | None


def parse_next(target: str) -> NextTarget | None:
    """The canonical form of ``target``, or None when it is not a path or an http(s) URL.

    Refused: other schemes (``javascript:``, ``data:``, ...), scheme-relative
    ``//host`` and ``/\\host``, relative paths, userinfo, hosts a browser
    would rewrite, and paths whose start turns into ``//`` once dot segments
    are removed or percent-encoded slashes are decoded.
    """
    text = target.strip(_C0_OR_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    before, query, fragment = _split(text)
    before = before.replace("\\", "/")  # http(s) are special schemes: a browser reads \ as /
    scheme = _SCHEME.match(before)
    if scheme is None:
        path = _canonical_path(before, query, fragment)
        return NextTarget(path, None) if path is not None else None
    name = scheme.group(1).lower()
    if name not in DEFAULT_PORTS:
        return None
    return _absolute(name, before[scheme.end() :], query, fragment)


def _absolute(scheme: str, rest: str, query: str | None, fragment: str | None) -> NextTarget | None:
    """``rest`` is what follows ``scheme:``; like a browser, any number of slashes may lead the host."""
    rest = rest.lstrip("/")
    authority, slash, tail = rest.partition("/")
    if "@" in authority:
        return None
    host, _, port_text = authority.rpartition(":") if not authority.endswith("]") else (authority, "", "")
    if not host:
        host, port_text = authority, ""
    host = host.lower()
    if not _HOST.match(host) or not (port_text == "" or port_text.isdigit()):
        return None
    port = int(port_text) if port_text else DEFAULT_PORTS[scheme]
    if port > 65535:
        return None
    origin = f"{scheme}://{host}" + ("" if port == DEFAULT_PORTS[scheme] else f":{port}")
    path = _canonical_path(slash + tail or "/", query, fragment)
    return NextTarget(origin + path, origin) if path is not None else None


def _canonical_path(path: str, query: str | None, fragment: str | None) -> str | None:
    """``path`` (``\\`` already read as ``/``) and the rest as one canonical absolute path, or None.

    Dot segments are resolved (``%2e`` counts as a dot, as browsers count it);
    the result must start with exactly one ``/``, also after percent-decoding,
    so no later hop that decodes it can read it as ``//host``.
    """
    if not path.startswith("/") or path.startswith("//"):
        return None
    canonical = "/" + "/".join(_encode(segment, _PATH_SAFE) for segment in _resolve(path))
    if not _starts_cleanly(canonical):
        return None
    if query is not None:
        canonical += "?" + _encode(query, _QUERY_SAFE)
    if fragment is not None:
        canonical += "#" + _encode(fragment, _FRAGMENT_SAFE)
    return canonical


def _resolve(path: str) -> list[str]:
    """The segments of an absolute path once ``.`` and ``..`` are applied, as a browser applies them."""
    segments: list[str] = []
    parts = path[1:].split("/")
    for index, segment in enumerate(parts):
        dots = segment.lower()
        if dots in _DOUBLE_DOT and segments:
            segments.pop()
        if dots in _DOUBLE_DOT or dots in _SINGLE_DOT:
            if index == len(parts) - 1:
                segments.append("")
        else:
            segments.append(segment)
    return segments


def _encode(text: str, safe: str) -> str:
    return quote(text, safe=safe, errors="surrogatepass")


def _split(text: str) -> tuple[str, str | None, str | None]:
    fragment = None
    if "#" in text:
        text, fragment = text.split("#", 1)
    query = None
    if "?" in text:
        text, query = text.split("?", 1)
    return text, query, fragment


def _starts_cleanly(path: str) -> bool:
    """No ``//`` at the start nor a control character, however often the path is decoded."""
    for _ in range(4):
        if path.startswith("//") or _CONTROL.search(path):
            return False
        decoded = unquote(path, encoding="latin-1").replace("\\", "/")
        if decoded == path:
            return True
        if not decoded.startswith("/"):
            return False
        path = "/" + "/".join(_resolve(decoded))
    return False

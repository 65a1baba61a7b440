"""A person's name for a browser: "Firefox on Linux" from a raw User-Agent string.

Only for display on the account page's session list; nothing decides on it.
The order matters: Edge and Opera say "Chrome" too, Chrome says "Safari",
and Android says "Linux".
"""

from __future__ import annotations

import re

from flask_babel import gettext

BROWSERS: tuple[tuple[str, str], ...] = (
    (r"\bEdg(?:e|A|iOS)?/", "Edge"),
    (r"\bOPR/|\bOpera\b", "Opera"),
    (r"\bSamsungBrowser/", "Samsung Internet"),
    (r"\bFirefox/|\bFxiOS/", "Firefox"),
    (r"\b(?:Headless)?Chrom(?:e|ium)/|\bCriOS/", "Chrome"),
    (r"\bVersion/[\d.]+.*\bSafari/", "Safari"),
    (r"\bcurl/", "curl"),
    (r"\bpython-requests/|\bpython-httpx/|\bPython-urllib/", "a Python script"),
    (r"\bnode-fetch\b|\bundici\b|^node\b", "a Node.js script"),
)
SYSTEMS: tuple[tuple[str, str], ...] = (
    (r"\bAndroid\b", "Android"),
    (r"\biPhone\b|\biPad\b|\biPod\b", "iOS"),
    (r"\bCrOS\b", "ChromeOS"),
    (r"\bWindows\b", "Windows"),
    (r"\bMac OS X\b|\bMacintosh\b", "macOS"),
    (r"\bLinux\b|\bX11\b", "Linux"),
)


def _first(patterns: tuple[tuple[str, str], ...], text: str) -> str | None:
    return next((label for pattern, label in patterns if re.search(pattern, text)), None)


def device_label(user_agent: str | None) -> str:
    """``"Firefox on Linux"``, ``"Chrome on Android"``, ``"Safari"``, or ``"an unknown device"``."""
    text = (user_agent or "")[:512]
    browser, system = _first(BROWSERS, text), _first(SYSTEMS, text)
    if browser and system:
        return gettext("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or (gettext("a browser on %(system)s", system=system) if system else gettext("an unknown device"))

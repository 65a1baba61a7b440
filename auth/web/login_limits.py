"""Login rate limits that one address cannot turn against a user (OWASP "device cookies").

Only failed attempts count (400 and 401), and while a limit holds even the
right password gets 429: the checks run before the password. Which limits
apply depends on whether the browser presents a *known device*: a valid
``device_token`` cookie (``auth.core.devices``) issued to the username being
tried, whose own limit still holds.

=========================== ============================= ==========================
limit (setting)             counts failures of            applies to
=========================== ============================= ==========================
RATELIMIT_LOGIN_IP          one client address            every attempt
RATELIMIT_LOGIN_USER_IP     one username from one address unknown devices
RATELIMIT_LOGIN_USER        one username, all addresses,  unknown devices
                            each address counting at most
                            RATELIMIT_LOGIN_USER_PER_ADDRESS
RATELIMIT_LOGIN_DEVICE      one known device              known devices
=========================== ============================= ==========================

So one address guessing as fast as it may adds at most its per-address share
to the username's ceiling and cannot lock the user out anywhere: not on a
browser that signed in before (not held by the username limits at all) nor
on a new browser elsewhere (the ceiling needs many addresses to fill). A run
over many addresses fills the ceiling and throttles the username for unknown
devices while known devices still sign in. A stolen device cookie buys its
thief the device's own limit, after which it counts as unknown. An address
for the per-address share is an IPv4 address or an IPv6 /64 (what one
subscriber usually holds).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time

from flask import Response, after_this_request, current_app, g, request
from limits import RateLimitItem, parse_many

from auth.web.cookies import read_device
from auth.web.limits import limiter
from auth.web.payload import json_body
from models.user import username_key

log = logging.getLogger(__name__)
PREFIX = "flask-auth"


def _limits_setting(name: str) -> str:
    return getattr(current_app.extensions["auth"].settings.limits, name)


def _items(name: str) -> list[RateLimitItem]:
    return parse_many(_limits_setting(name))


def _failed(response: Response) -> bool:
    return response.status_code in (400, 401)


def _submitted_key() -> str | None:
    """The normalised username of the attempt, or None when there is none."""
    data = json_body() if request.is_json else request.form
    name = data.get("username") if isinstance(data, dict) or hasattr(data, "getlist") else None
    return username_key(name) if isinstance(name, str) else None


def _username() -> str:
    """A digest of the normalised username: any text, bounded, safe in a Redis key."""
    key = _submitted_key()
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32] if key is not None else "-"


def _address() -> str:
    """The client's address for the per-address share: IPv4 as is, IPv6 by its /64."""
    raw = request.remote_addr or "-"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def known_device() -> str | None:
    """The nonce of the known device making this attempt, or None (an unknown device).

    Decided once per request. A known device's failures are counted against
    its own limit after the reply; once that is spent it is unknown.
    """
    if "login_device" not in g:
        g.login_device = _known_device()
    return g.login_device


def _known_device() -> str | None:
    token, key = read_device(request), _submitted_key()
    if token is None or key is None:
        return None
    nonce = current_app.extensions["auth"].devices.verify(token, key, now=time.time())
    if nonce is None:
        return None
    items = _items("login_device")
    if not _storage(lambda: all(limiter.limiter.test(item, PREFIX, "device", nonce) for item in items), False):
        return None

    @after_this_request
    def _count_failure(response: Response) -> Response:
        if _failed(response):
            _storage(lambda: [limiter.limiter.hit(item, PREFIX, "device", nonce) for item in items], None)
        return response

    return nonce


def _counts_toward_user(response: Response) -> bool:
    """A failure counts toward the username's ceiling while its address's share lasts."""
    if not _failed(response):
        return False
    items, user, address = _items("login_user_per_address"), _username(), _address()
    return _storage(lambda: all([limiter.limiter.hit(item, PREFIX, "share", user, address) for item in items]), True)


def _storage(call, fallback):
    """The limiter's storage, or ``fallback`` when it is away (flask-limiter's own checks fall back to memory)."""
    try:
        return call()
    except Exception:  # noqa: BLE001 - a storage outage must not turn a login into a 500
        log.warning("rate-limit storage unavailable for a login limit")
        return fallback


def _limit(name: str):
    return lambda: _limits_setting(name)


login_limits = [
    limiter.limit(_limit("login_ip"), key_func=lambda: f"ip:{request.remote_addr}", deduct_when=_failed),
    limiter.limit(
        _limit("login_user_ip"),
        key_func=lambda: f"user-ip:{_username()}|{request.remote_addr}",
        deduct_when=_failed,
        exempt_when=lambda: known_device() is not None,
    ),
    limiter.limit(
        _limit("login_user"),
        key_func=lambda: f"user:{_username()}",
        deduct_when=_counts_toward_user,
        exempt_when=lambda: known_device() is not None,
    ),
]

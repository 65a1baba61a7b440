"""Rate limits of the mail endpoints: per client IP and per address asked about.

The address key is a digest of the case-folded address, so a flood aimed at
one mailbox meets the same limit whatever its spelling, and no address ends
up in the limiter's storage. Every request counts, not only failures: the
point is to bound the mail sent, and a 202 is all a caller ever sees.
"""

from __future__ import annotations

import hashlib

from flask import current_app, request

from auth.core.addresses import email_key
from auth.web.limits import limiter
from auth.web.payload import json_body


def _address() -> str:
    data = json_body() if request.is_json else request.form
    value = data.get("email") if isinstance(data, dict) or hasattr(data, "getlist") else None
    if not isinstance(value, str):
        return "mail-address:-"
    digest = hashlib.sha256(email_key(value).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"mail-address:{digest}"


def _ip() -> str:
    return f"mail-ip:{request.remote_addr}"


mail_ip_limit = limiter.limit(lambda: current_app.extensions["mail"].settings.limit_ip, key_func=_ip)
mail_address_limit = limiter.limit(lambda: current_app.extensions["mail"].settings.limit_address, key_func=_address)

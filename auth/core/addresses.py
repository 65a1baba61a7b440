"""Email addresses: what the server accepts, and the form it compares them in.

Deliberately plain rules rather than RFC 5322 in full (quoted local parts,
comments and IP literals are legal and never what a person means): at most
254 characters, one ``@``, a local part of 1 to 64 characters without spaces,
controls or the characters mail headers treat specially, and a domain of
dot-separated labels of letters, digits and hyphens (international letters
allowed) with a top-level label that is not all digits. Nothing is looked up
in DNS: validation works offline and takes the same time for every address.
"""

from __future__ import annotations

import re
import unicodedata

from auth.core.errors import BadRequest

MAX_ADDRESS = 254
MAX_LOCAL = 64
_FORBIDDEN_LOCAL = set(' "(),:;<>[\\]@')
_LABEL = re.compile(r"^(?!-)[\w-]{1,63}(?<!-)$")


def email_key(address: str) -> str:
    """The form addresses are compared in: NFKC, then case-folded."""
    return unicodedata.normalize("NFKC", address).strip().casefold()


def check_email(text: str) -> str:
    """The address as stored (NFC, trimmed), or BadRequest saying what is wrong."""
    address = unicodedata.normalize("NFC", text).strip()
    if not address or len(address) > MAX_ADDRESS:
        raise BadRequest(f"The email address must be 1 to {MAX_ADDRESS} characters long.")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in address):
        raise BadRequest("The email address contains control characters.")
    if address.count("@") != 1:
        raise BadRequest("The email address must contain exactly one @.")
    local, domain = address.split("@")
    if not local or len(local) > MAX_LOCAL or any(ch in _FORBIDDEN_LOCAL or ch.isspace() for ch in local):
        raise BadRequest("The part of the email address before the @ is not valid.")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise BadRequest("The part of the email address before the @ is not valid.")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) and "_" not in label for label in labels):
        raise BadRequest("The domain of the email address is not valid.")
    if labels[-1].isdigit():
        raise BadRequest("The domain of the email address is not valid.")
    return address

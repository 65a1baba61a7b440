"""What a new username and password must be.

Passwords: 8 to 1024 characters, not the username, not one of the common
passwords shipped in ``common_passwords.txt``, and not one known from a data
breach (``auth.core.breaches``, asked last and only when the rest holds):
NIST SP 800-63B's advice, a length floor and block lists, no composition rules.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from auth.core.breaches import BreachedPasswords
from auth.core.errors import BadRequest
from auth.core.texts import N_
from models.user import username_key

MIN_PASSWORD = 8
MAX_USERNAME = 64
USERNAME = re.compile(rf"^[\w.@+-]{{3,{MAX_USERNAME}}}$")


@cache
def _common() -> frozenset[str]:
    text = (Path(__file__).with_name("common_passwords.txt")).read_text()
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())


def check_username(name: str) -> str:
    """The username as stored (NFKC, trimmed), or BadRequest.

    The length is checked on the comparison key too: case folding can lengthen
    a name ("ß" folds to "ss"), and the key has the same 64-character column.
    """
    normalised = unicodedata.normalize("NFKC", name).strip()
    if not USERNAME.match(normalised):
        raise BadRequest(f"The username must be 3 to {MAX_USERNAME} letters, digits or . _ @ + - characters.")
    if len(username_key(normalised)) > MAX_USERNAME:
        raise BadRequest(
            f"The username is too long once case is folded (ß counts as ss); use at most {MAX_USERNAME} characters."
        )
    return normalised


def check_password(password: str, username: str, breaches: BreachedPasswords) -> None:
    """BadRequest saying why ``password`` may not be set for ``username``; every new password passes here."""
    if len(password) < MIN_PASSWORD:
        raise BadRequest(f"The password must be at least {MIN_PASSWORD} characters long.")
    folded = password.casefold()
    if username_key(username) in folded or folded in username_key(username):
        raise BadRequest(N_("The password must not contain the username."))
    if folded in _common():
        raise BadRequest(N_("This password is too common; choose another."))
    if breaches.seen(password):
        raise BadRequest(N_("This password has appeared in a data breach, so attackers try it; choose another."))

"""What second factors a user has, and checking a code for one of them.

Used by the second step of a sign-in (``POST /auth/mfa/verify``), by
reauthentication (``totp``, ``recovery_code``) and by the enrolment rule.
"""

from __future__ import annotations

import time

from sqlalchemy import exists, select

from auth.mfa import totp
from auth.mfa.state import mfa_state
from models import Passkey, User, db

TOTP, RECOVERY_CODE, PASSKEY = "totp", "recovery_code", "passkey"
CODE_METHODS = (TOTP, RECOVERY_CODE)


def has_passkey(user_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Passkey.user_id == user_id))))


def methods_for(user_id: int) -> list[str]:
    """The ways this user can give a second proof after a password (empty: no second factor)."""
    methods = [TOTP, RECOVERY_CODE] if totp.is_active(user_id) else []
    if has_passkey(user_id):
        methods.append(PASSKEY)
    return methods


def is_enrolled(user_id: int) -> bool:
    return totp.is_active(user_id) or has_passkey(user_id)


def check_totp(user: User, code: str) -> bool:
    return totp.check_code(mfa_state().box, user.id, code, now=time.time())


def check_recovery_code(user: User, code: str) -> bool:
    return totp.is_active(user.id) and mfa_state().recovery.use(user.id, code, now=time.time())


def check_code(method: str, user: User, code: str) -> bool:
    if method == TOTP:
        return check_totp(user, code)
    if method == RECOVERY_CODE:
        return check_recovery_code(user, code)
    return False


REFUSALS = {
    (TOTP, False): "That code is not right: check the app shows this account's code, and type the current one.",
    (TOTP, True): "That code was already used: wait for the next code in your app.",
    (RECOVERY_CODE, False): "That recovery code is not right: check it against your saved list.",
    (RECOVERY_CODE, True): "That recovery code was already used: each one works once; use another.",
}


def refusal(method: str, user: User, code: str) -> str:
    """The sentence for a refused code: wrong, or right but already used (a replayed
    authenticator code, a spent recovery code), so a person knows what to do next."""
    if method == TOTP:
        spent = totp.was_spent(mfa_state().box, user.id, code, now=time.time())
    else:
        spent = method == RECOVERY_CODE and mfa_state().recovery.was_used(user.id, code)
    return REFUSALS.get((method, spent), "That code is not right.")

"""Authenticator-app codes (RFC 6238, 30-second steps, six digits) with pyotp.

A code is accepted for the current step or one step either side (clock
skew), and only for a step later than the last one accepted: the same code
never works twice, and neither does an older one once a newer was used.
"""

from __future__ import annotations

import hmac
import io
from dataclasses import dataclass

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from sqlalchemy import delete, update

from auth.core.errors import Conflict
from auth.mfa.secrets_box import SecretBox
from models import TotpSecret, User, db

SKEW_STEPS = 1
DIGITS = 6


@dataclass(frozen=True)
class Setup:
    secret: str
    otpauth_uri: str
    qr_svg: str


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS)


def begin_setup(box: SecretBox, user: User, *, issuer: str, now: float) -> Setup:
    """A new secret for ``user``, not yet active; replaces an unconfirmed one, never an active one."""
    row = db.session.get(TotpSecret, user.id)
    if row is not None and row.confirmed_at is not None:
        raise Conflict("An authenticator app is already active; remove it first (DELETE /auth/mfa/totp).")
    secret = pyotp.random_base32()
    if row is None:
        row = TotpSecret(user_id=user.id, secret_enc="", created_at=now, last_step=0)
        db.session.add(row)
    row.secret_enc = box.seal(secret, user.id)
    row.created_at = now
    row.last_step = 0
    db.session.commit()
    uri = _totp(secret).provisioning_uri(name=user.username, issuer_name=issuer)
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, nl=False)
    return Setup(secret, uri, buffer.getvalue().decode())


def is_active(user_id: int) -> bool:
    row = db.session.get(TotpSecret, user_id)
    return row is not None and row.confirmed_at is not None


def check_code(box: SecretBox, user_id: int, code: str, *, now: float, pending: bool = False) -> bool:
    """True and the step is spent when ``code`` is right; ``pending`` checks the unconfirmed secret."""
    row = db.session.get(TotpSecret, user_id)
    if row is None or (row.confirmed_at is None) != pending:
        return False
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return False
    try:
        totp = _totp(box.open(row.secret_enc, user_id))
    except (InvalidTag, ValueError):
        return False
    current = totp.timecode(now)
    for step in range(current - SKEW_STEPS, current + SKEW_STEPS + 1):
        if step <= row.last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            # Spend the step atomically: of two requests racing with one code, one wins.
            spent = db.session.execute(
                update(TotpSecret)
                .where(TotpSecret.user_id == user_id, TotpSecret.last_step < step)
                .values(last_step=step)
            ).rowcount
            db.session.commit()
            return spent == 1
    db.session.rollback()
    return False


def was_spent(box: SecretBox, user_id: int, code: str, *, now: float) -> bool:
    """After a refusal: was ``code`` right for a step inside the window that is already spent?

    Only for telling a person "that code was already used" apart from "that code is wrong".
    """
    row = db.session.get(TotpSecret, user_id)
    code = code.strip().replace(" ", "")
    if row is None or len(code) != DIGITS or not code.isdigit():
        return False
    try:
        totp = _totp(box.open(row.secret_enc, user_id))
    except (InvalidTag, ValueError):
        return False
    current = totp.timecode(now)
    return any(
        hmac.compare_digest(totp.generate_otp(step), code)
        for step in range(current - SKEW_STEPS, current + SKEW_STEPS + 1)
        if step <= row.last_step
    )


def confirm(box: SecretBox, user_id: int, code: str, *, now: float) -> bool:
    if not check_code(box, user_id, code, now=now, pending=True):
        return False
    db.session.execute(update(TotpSecret).where(TotpSecret.user_id == user_id).values(confirmed_at=now))
    db.session.commit()
    return True


def remove(user_id: int) -> bool:
    removed = db.session.execute(delete(TotpSecret).where(TotpSecret.user_id == user_id)).rowcount
    db.session.commit()
    return removed > 0

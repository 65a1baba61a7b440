"""Recovery codes: ten per set, shown once, single-use, stored as keyed hashes.

Why HMAC-SHA256 and not argon2: each code is 50 random bits, not a
person-chosen secret, so there is no dictionary to try, and the key (derived
from JWT_SECRET) is not in the database: a stolen table of hashes cannot be
searched offline at all. A slow hash would only cost a hash per stored code
on every attempt, since a salted slow hash cannot be looked up.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import delete, func, select, update

from auth.mfa.secrets_box import derive_key
from models import RecoveryCode, db

COUNT = 10
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
GROUP = 5


def _normalise(code: str) -> str:
    return code.strip().lower().replace("-", "").replace(" ", "")


class RecoveryCodes:
    def __init__(self, server_secret: bytes) -> None:
        self._key = derive_key(server_secret, b"recovery code")

    def _hash(self, user_id: int, code: str) -> str:
        return hmac.new(self._key, f"{user_id}:{_normalise(code)}".encode(), hashlib.sha256).hexdigest()

    def regenerate(self, user_id: int, *, now: float) -> list[str]:
        """A new set; every code of the old set stops working."""
        codes = ["".join(secrets.choice(ALPHABET) for _ in range(2 * GROUP)) for _ in range(COUNT)]
        codes = [f"{c[:GROUP]}-{c[GROUP:]}" for c in codes]
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        db.session.add_all(
            RecoveryCode(user_id=user_id, code_hash=self._hash(user_id, c), created_at=now) for c in codes
        )
        db.session.commit()
        return codes

    def use(self, user_id: int, code: str, *, now: float) -> bool:
        """True once per code: the row is claimed with a conditional update, so two racing uses get one True."""
        if not 8 <= len(code) <= 32:
            return False
        claimed = db.session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user_id,
                RecoveryCode.code_hash == self._hash(user_id, code),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=now)
        ).rowcount
        db.session.commit()
        return claimed == 1

    def was_used(self, user_id: int, code: str) -> bool:
        """After a refusal: is ``code`` one of the user's codes that was already used?"""
        if not 8 <= len(code) <= 32:
            return False
        used = db.session.scalar(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user_id,
                RecoveryCode.code_hash == self._hash(user_id, code),
                RecoveryCode.used_at.is_not(None),
            )
        )
        return used is not None

    @staticmethod
    def left(user_id: int) -> int:
        return (
            db.session.scalar(
                select(func.count()).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
            )
            or 0
        )

    @staticmethod
    def remove_all(user_id: int) -> None:
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        db.session.commit()

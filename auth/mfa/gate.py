"""The second step of a sign-in: opened by ``complete_sign_in`` when the user has a second factor."""

from __future__ import annotations

import time

from auth.mfa import attempts
from auth.mfa.factors import PASSKEY, methods_for
from auth.web.signin_flow import SecondStep
from models import User


class MfaGate:
    """``begin`` opens an attempt unless the proof given already counts as two factors.

    A passkey with user verification is two (the device and the PIN or
    biometric): ``method="passkey"`` signs in at once. A passkey without it
    (``passkey-unverified``) is one: the user's other factors are asked for,
    and a user who has no other signs in with it alone.
    """

    def begin(self, user: User, method: str, next_url: str | None) -> SecondStep | None:
        if method == PASSKEY:
            return None
        methods = methods_for(user.id)
        if method.startswith(PASSKEY):
            methods = [m for m in methods if m != PASSKEY]
        if not methods:
            return None
        opened = attempts.open_attempt(user.id, method, next_url, now=time.time())
        return SecondStep(opened.token, methods)

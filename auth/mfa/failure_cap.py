"""``MFA_FAILURE_CAP``: a user's wrong second-factor codes in a row, wherever a code is tried.

The per-attempt budget (five codes, ``auth.mfa.attempts``) renews with every
password sign-in after five minutes; this count does not. It lives in
``users.mfa_failures``, is taken before a code is checked (one conditional
UPDATE, so concurrent tries cannot pass it), and starts again at 0 after a
right code or ``flask users unlock`` / ``reset-mfa``. NIST SP 800-63B allows
at most 100 consecutive failures per authenticator.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import update

from auth.core.audit import audit
from auth.core.errors import AuthError
from auth.mfa.state import mfa_state
from models import User, db


class FailuresCapped(AuthError):
    """No code is checked until an operator unlocks the user."""

    status = 423
    message = (
        "Too many wrong codes in a row for this account: its second step is closed. "
        "Ask an administrator to unlock it (flask users unlock NAME)."
    )
    code = "mfa_failures_capped"


def take(user_id: int) -> None:
    """Count one code against the user before it is checked; FailuresCapped once the cap is used up."""
    cap = mfa_state().settings.failure_cap
    taken = db.session.execute(
        update(User).where(User.id == user_id, User.mfa_failures < cap).values(mfa_failures=User.mfa_failures + 1)
    ).rowcount
    db.session.commit()
    if taken != 1:
        audit("mfa_failures_capped", user_id=user_id)
        raise FailuresCapped()


def clear(user_id: int) -> None:
    """A right code (or an operator) starts the count again."""
    db.session.execute(update(User).where(User.id == user_id).values(mfa_failures=0))
    db.session.commit()


def counted(check: Callable[[User, str], bool]) -> Callable[[User, str], bool]:
    """``check`` (a code check for reauthentication) under the same cap."""

    def counted_check(user: User, code: str) -> bool:
        take(user.id)
        if not check(user, code):
            return False
        clear(user.id)
        return True

    return counted_check

"""The second-factor capability's per-app objects, built once in ``init_mfa``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from auth.mfa.recovery import RecoveryCodes
from auth.mfa.secrets_box import SecretBox
from auth.mfa.settings import MfaSettings

EXTENSION = "mfa"


@dataclass(frozen=True)
class MfaState:
    settings: MfaSettings
    box: SecretBox
    recovery: RecoveryCodes


def mfa_state() -> MfaState:
    return current_app.extensions[EXTENSION]

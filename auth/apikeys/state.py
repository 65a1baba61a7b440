"""The API-key capability's per-app objects, built once in ``init_api_keys``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from auth.apikeys.check import Usage, VerifiedKeys
from auth.apikeys.settings import ApiKeySettings

EXTENSION = "api_keys"


@dataclass(frozen=True)
class ApiKeyState:
    settings: ApiKeySettings
    verified: VerifiedKeys
    usage: Usage


def api_key_state() -> ApiKeyState:
    return current_app.extensions[EXTENSION]

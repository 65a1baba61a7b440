"""The auth server's per-app objects, built once in the factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app

from auth.core.admission import HashGate
from auth.core.breaches import BreachedPasswords
from auth.core.devices import DeviceTokens
from auth.core.live_sessions import LiveSessions
from auth.core.passwords import Passwords
from auth.core.polling import PollLoop
from auth.core.revocation import RevocationView
from auth.core.sessions import SessionStore
from auth.core.settings import Settings
from auth.core.token_cache import VerifiedTokens
from auth.core.tokens import AccessClaims, Keys


@dataclass(frozen=True)
class AuthState:
    settings: Settings
    keys: Keys
    passwords: Passwords
    gate: HashGate
    revocations: RevocationView
    sessions: SessionStore
    static_headers: tuple[tuple[str, str], ...]
    verified_tokens: VerifiedTokens
    breaches: BreachedPasswords
    live_sessions: LiveSessions
    devices: DeviceTokens
    poll_loop: PollLoop
    """Keeps the in-memory views fresh from a background thread; ``add`` a view's poller to it."""
    # More checks of a token that passed the core's (each raises Unauthorized to refuse); capabilities append.
    access_checks: list[Callable[[AccessClaims, float], None]] = field(default_factory=list)


def auth_state() -> AuthState:
    return current_app.extensions["auth"]

"""The access-token check every request makes: signature, age, revocation, a live session.

No HTTP here: ``auth.web.guard`` reads the token from the request and calls
``check_access``. In order, each step cheaper than the next on the common path:

1. the signature and claims, skipped for a token string this process already
   verified (``VerifiedTokens``);
2. the age: refused once ``exp`` passes, and also once today's
   ``ACCESS_TOKEN_TTL`` has passed since ``iat``, so lowering the TTL at a
   restart shortens tokens already in flight instead of outliving the
   revocation view's memory (which spans today's TTL);
3. the revocation view (memory, refreshed by poll and Redis);
4. the session it names must exist, be live and belong to ``sub``
   (``LiveSessions``: the database on first sight, memory after), so a
   signing key alone, without a session row, lets nobody in;
5. the checks capabilities add (``AuthState.access_checks``: the
   organisations' membership view refuses an ``org`` claim whose membership
   was removed or whose role changed).
"""

from __future__ import annotations

from auth.core.errors import Unauthorized
from auth.core.state import AuthState
from auth.core.tokens import AccessClaims, TokenError, TokenExpired, decode_access


def check_access(state: AuthState, token: str, now: float) -> AccessClaims:
    """The claims of a token that may act now, or Unauthorized with a reason."""
    claims = state.verified_tokens.get(token)
    if claims is None:
        try:
            claims = decode_access(token, state.keys, issuer=state.settings.jwt_issuer, now=now)
        except TokenExpired:
            raise Unauthorized("The access token has expired.") from None
        except TokenError:
            raise Unauthorized("The access token is not valid.") from None
        state.verified_tokens.put(token, claims)
    if now >= min(claims.expires_at, claims.issued_at + state.settings.access_token_ttl):
        raise Unauthorized("The access token has expired.")
    if state.revocations.refuses(claims.session_id, claims.version, now):
        raise Unauthorized("The session behind this token has ended or changed; refresh or sign in again.")
    if not state.live_sessions.confirms(claims.session_id, claims.user_id, now):
        raise Unauthorized("The session behind this token has ended; sign in again.")
    for check in state.access_checks:
        check(claims, now)
    return claims

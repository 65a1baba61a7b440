"""Access tokens (JWT): plain functions of claims, keys and the clock.

No request or app access here, so every rule is testable on its own. The
algorithm is pinned by configuration and the ``alg`` header is never trusted:
``none``, a different algorithm or a key confusion is refused. The ``kid``
header picks the key, and each key carries its own pinned algorithm.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

REQUIRED_CLAIMS = ("sub", "sid", "jti", "iat", "exp", "iss", "roles", "sv")


class TokenError(Exception):
    """The token is not one of ours, or no longer valid."""


class TokenExpired(TokenError):
    pass


@dataclass(frozen=True)
class VerifyingKey:
    """A key that verifies tokens, and the one algorithm it verifies."""

    algorithm: str
    key: Any


@dataclass(frozen=True)
class Keys:
    """The key that signs (named ``kid``) and every key that verifies, by kid."""

    algorithm: str
    signing_key: Any
    kid: str
    verifiers: Mapping[str, VerifyingKey]

    @property
    def verifying_key(self) -> Any:
        """The current key's verifying half."""
        return self.verifiers[self.kid].key

    def for_token(self, token: str) -> tuple[str, VerifyingKey]:
        """The kid a token must name and the key that verifies it.

        With one key there is nothing to choose, and the header is read once,
        by the verification itself (the probe's common case). With previous
        keys configured, the header's ``kid`` picks; a token without one
        (minted before kids) gets the current key.
        """
        if len(self.verifiers) == 1:
            return self.kid, self.verifiers[self.kid]
        try:
            kid = jwt.get_unverified_header(token).get("kid", self.kid)
        except jwt.PyJWTError as error:
            raise TokenError(str(error)) from None
        verifier = self.verifiers.get(kid) if isinstance(kid, str) else None
        if verifier is None:
            raise TokenError("unknown key id")
        return kid, verifier


@dataclass(frozen=True)
class OrgClaim:
    """The ``org`` claim: the session's active organisation and the user's role in it at issue."""

    id: str
    slug: str
    role: str

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "slug": self.slug, "role": self.role}


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    session_id: str
    version: int
    roles: tuple[str, ...]
    issued_at: int
    expires_at: int
    token_id: str
    # RFC 8693 section 4.1 ``act.sub``: the admin acting as ``sub`` (impersonation), else None.
    actor_id: str | None = None
    org: OrgClaim | None = None


def encode_access(
    keys: Keys,
    *,
    user_id: int | str,
    session_id: str,
    version: int,
    roles: list[str] | tuple[str, ...],
    issuer: str,
    now: float,
    ttl: int,
    actor_id: int | str | None = None,
    org: OrgClaim | None = None,
) -> str:
    issued = int(now)
    claims = {
        "sub": str(user_id),
        "sid": session_id,
        "sv": version,
        "jti": secrets.token_urlsafe(12),
        "iat": issued,
        "exp": issued + ttl,
        "iss": issuer,
        "roles": list(roles),
    }
    if actor_id is not None:
        claims["act"] = {"sub": str(actor_id)}
    if org is not None:
        claims["org"] = org.as_json()
    return jwt.encode(claims, keys.signing_key, algorithm=keys.algorithm, headers={"kid": keys.kid})


def decode_access(token: str, keys: Keys, *, issuer: str, now: float) -> AccessClaims:
    """Verify signature, algorithm, issuer and expiry against ``now``."""
    claims = _verified(token, keys, issuer=issuer, required=REQUIRED_CLAIMS)
    if not _well_typed(claims):
        raise TokenError("malformed claims")
    if now >= claims["exp"]:
        raise TokenExpired("token expired")
    return AccessClaims(
        user_id=claims["sub"],
        session_id=claims["sid"],
        version=claims["sv"],
        roles=tuple(claims["roles"]),
        issued_at=claims["iat"],
        expires_at=claims["exp"],
        token_id=claims["jti"],
        actor_id=claims["act"]["sub"] if "act" in claims else None,
        org=_org(claims.get("org")),
    )


def _org(value: Any) -> OrgClaim | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(value.get(key), str) for key in ("id", "slug", "role")):
        raise TokenError("malformed org claim")
    return OrgClaim(id=value["id"], slug=value["slug"], role=value["role"])


def _well_typed(claims: dict[str, Any]) -> bool:
    return (
        isinstance(claims["sub"], str)
        and isinstance(claims["sid"], str)
        and isinstance(claims["jti"], str)
        and type(claims["sv"]) is int
        and type(claims["exp"]) is int
        and type(claims["iat"]) is int
        and isinstance(claims["roles"], list)
        and all(isinstance(role, str) for role in claims["roles"])
        and ("act" not in claims or (isinstance(claims["act"], dict) and isinstance(claims["act"].get("sub"), str)))
    )


def session_of(token: str, keys: Keys, *, issuer: str) -> str | None:
    """The ``sid`` of a token we signed, even if expired (for logout); else None."""
    try:
        claims = _verified(token, keys, issuer=issuer, required=("sid",))
    except TokenError:
        return None
    return claims["sid"] if isinstance(claims["sid"], str) else None


def _verified(token: str, keys: Keys, *, issuer: str, required: tuple[str, ...]) -> dict[str, Any]:
    """Signature, pinned algorithm and issuer checked; expiry is the caller's, against its ``now``."""
    kid, verifier = keys.for_token(token)
    try:
        verified = jwt.decode_complete(
            token,
            verifier.key,
            algorithms=[verifier.algorithm],
            issuer=issuer,
            options={"require": list(required), "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError as error:
        raise TokenError(str(error)) from None
    if verified["header"].get("kid", keys.kid) != kid:
        raise TokenError("unknown key id")
    return verified["payload"]

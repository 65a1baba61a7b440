"""Passkeys (WebAuthn) with py_webauthn: options, registration, sign-in.

Attestation ``none`` (no vendor certificates to trust or maintain), user
verification preferred, resident keys required so a passkey can sign in
without a username. Each challenge is stored server side, found again by the
hash of the challenge the authenticator signed, and deleted on first use:
a replayed response finds nothing. A sign count that does not grow (for an
authenticator that counts) is refused as a possible clone.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from auth.core.errors import BadRequest, Unauthorized
from auth.core.texts import N_
from models import Passkey, User, WebAuthnChallenge, db

CHALLENGE_SECONDS = 300
TIMEOUT_MS = 120_000
REGISTER, LOGIN = "register", "login"
ID_BYTES = 12
ID_LENGTH = 16  # characters of token_urlsafe(ID_BYTES): never "login" or "register" in the URL


class PasskeyRejected(Unauthorized):
    message = N_("The passkey could not be verified.")
    code = "passkey_rejected"


@dataclass(frozen=True)
class RelyingParty:
    id: str
    name: str
    origins: tuple[str, ...]


@dataclass(frozen=True)
class SignedIn:
    passkey: Passkey
    user_verified: bool


def user_handle(user_id: int) -> bytes:
    """The WebAuthn user handle: the user id, which names nobody outside this server."""
    return str(user_id).encode()


def _challenge_hash(challenge: bytes) -> str:
    return hashlib.sha256(challenge).hexdigest()


def _remember(challenge: bytes, purpose: str, user_id: int | None, now: float) -> None:
    db.session.execute(delete(WebAuthnChallenge).where(WebAuthnChallenge.created_at < now - CHALLENGE_SECONDS))
    db.session.add(
        WebAuthnChallenge(challenge_hash=_challenge_hash(challenge), purpose=purpose, user_id=user_id, created_at=now)
    )
    db.session.commit()


def _spend_challenge(credential: dict[str, Any], purpose: str, user_id: int | None, now: float) -> bytes | None:
    """The challenge the response signed, if it is one we issued for this purpose (and user): used up either way."""
    try:
        client_data = json.loads(base64url_to_bytes(credential["response"]["clientDataJSON"]))
        challenge = base64url_to_bytes(client_data["challenge"])
    except (KeyError, TypeError, ValueError):
        return None
    key = _challenge_hash(challenge)
    row = db.session.get(WebAuthnChallenge, key)
    if row is None:
        return None
    valid = row.purpose == purpose and row.user_id == user_id and now - row.created_at <= CHALLENGE_SECONDS
    spent = db.session.execute(delete(WebAuthnChallenge).where(WebAuthnChallenge.challenge_hash == key)).rowcount
    db.session.commit()
    return challenge if spent == 1 and valid else None


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    transports = []
    for name in passkey.transports or []:
        try:
            transports.append(AuthenticatorTransport(name))
        except ValueError:
            continue
    return PublicKeyCredentialDescriptor(id=base64url_to_bytes(passkey.credential_id), transports=transports or None)


def passkey_json(passkey: Passkey) -> dict[str, object]:
    return {
        "id": passkey.id,
        "name": passkey.name,
        "created_at": _iso(passkey.created_at),
        "last_used_at": _iso(passkey.last_used_at) if passkey.last_used_at else None,
    }


def _iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def passkeys_of(user_id: int) -> list[Passkey]:
    return list(db.session.scalars(select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.created_at)))


def registration_options(rp: RelyingParty, user: User, *, now: float) -> dict[str, Any]:
    challenge = secrets.token_bytes(32)
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_name=user.username,
        user_id=user_handle(user.id),
        user_display_name=user.username,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[_descriptor(p) for p in passkeys_of(user.id)],
    )
    _remember(challenge, REGISTER, user.id, now)
    return json.loads(options_to_json(options))


def register(rp: RelyingParty, user: User, credential: dict[str, Any], name: str, *, now: float) -> Passkey:
    challenge = _spend_challenge(credential, REGISTER, user.id, now)
    if challenge is None:
        raise BadRequest("The registration does not answer a current challenge; ask for new options.")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
        )
    except (WebAuthnException, KeyError, TypeError, ValueError) as error:
        raise BadRequest(f"The passkey registration could not be verified: {error}") from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)) is not None:
        raise BadRequest("This passkey is already registered.")
    transports = credential.get("response", {}).get("transports") or []
    passkey = Passkey(
        id=secrets.token_urlsafe(ID_BYTES),
        user_id=user.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name,
        transports=[t for t in transports if isinstance(t, str)][:8],
        created_at=now,
    )
    db.session.add(passkey)
    db.session.commit()
    return passkey


def authentication_options(rp: RelyingParty, *, now: float) -> dict[str, Any]:
    """Request options for any discoverable passkey: the same for everyone.

    No username is looked up and no credential listed: every passkey here is
    discoverable (registration requires a resident key), and a list would tell
    anyone asking whether a username has passkeys, and which.
    """
    challenge = secrets.token_bytes(32)
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        allow_credentials=None,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _remember(challenge, LOGIN, None, now)
    return json.loads(options_to_json(options))


def authenticate(rp: RelyingParty, credential: dict[str, Any], *, now: float) -> SignedIn:
    """The passkey that signed this response; PasskeyRejected for anything else."""
    challenge = _spend_challenge(credential, LOGIN, None, now)
    credential_id = credential.get("id") if isinstance(credential, dict) else None
    passkey = (
        db.session.scalar(select(Passkey).where(Passkey.credential_id == credential_id))
        if isinstance(credential_id, str)
        else None
    )
    if challenge is None or passkey is None:
        raise PasskeyRejected()
    handle = credential.get("response", {}).get("userHandle")
    if handle and handle != bytes_to_base64url(user_handle(passkey.user_id)):
        raise PasskeyRejected()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
        )
    except (WebAuthnException, KeyError, TypeError, ValueError):
        raise PasskeyRejected() from None
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = now
    db.session.commit()
    return SignedIn(passkey, verified.user_verified)


def remove(user_id: int, passkey_id: str) -> Passkey | None:
    passkey = db.session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != user_id:
        return None
    db.session.delete(passkey)
    db.session.commit()
    return passkey


def remove_all(user_id: int) -> int:
    removed = db.session.execute(delete(Passkey).where(Passkey.user_id == user_id)).rowcount
    db.session.commit()
    return removed

"""Which user an account at a provider signs in as: find, link, create, unlink.

Rules:

- a known ``(provider, subject)`` signs in as the user it is linked to;
- an address the provider does not say is verified claims nothing: it is
  never looked up, and a user made from it keeps it as an unverified address
  (no ``email_key``), which blocks nobody and receives no mailed link. GitHub
  accounts with an unverified primary address and Microsoft's ``common``
  tenant (no ``email_verified`` at all) give such addresses; taking them at
  their word would let anyone pre-claim another person's address;
- with ``OIDC_LINK_VERIFIED_EMAIL``, a new one is linked to the user whose
  email matches, only when the provider says the address is verified *and*
  this server verified it for that user too (otherwise whoever registers an
  address first could capture the account of whoever owns it);
- a provider-verified address that a verified user already holds, without
  linking, is refused with ``email_in_use``. Only someone the provider vouches
  owns the address can see that, so it tells a stranger nothing;
- otherwise, with ``OIDC_CREATE_USERS``, a user without a password is made;
- unlinking never removes a user's last way to sign in.
"""

from __future__ import annotations

import re
import secrets
import time

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from auth.core.accounts import find_by_verified_email
from auth.core.addresses import email_key
from auth.core.errors import Conflict, NotFound
from auth.oidc.client import Profile
from auth.oidc.settings import OidcSettings
from models import Identity, User, db
from models.user import username_key

NOT_IN_USERNAME = re.compile(r"[^\w.@+-]+")
HANDLE = re.compile(r"[A-Za-z][\w.-]*")  # letters first: not a numeric or random-looking id


class LinkRefused(Exception):
    """The identity cannot sign in or be linked; ``code`` goes to the sign-in page."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def find_identity(provider: str, subject: str) -> Identity | None:
    return db.session.scalar(select(Identity).where(Identity.provider == provider, Identity.subject == subject))


def user_for_sign_in(settings: OidcSettings, provider: str, profile: Profile) -> User:
    """The user this sign-in is for, linking or creating as the settings allow; or LinkRefused."""
    identity = find_identity(provider, profile.subject)
    if identity is not None:
        if profile.email and identity.email != profile.email:
            identity.email = profile.email
            db.session.commit()
        user = db.session.get(User, identity.user_id)
        if user is None:
            raise LinkRefused("no_account")
        return user
    owner = find_by_verified_email(profile.email) if profile.email and profile.email_verified else None
    if owner is not None and settings.link_verified_email:
        _add_identity(owner, provider, profile)
        return owner
    if owner is not None:
        raise LinkRefused("email_in_use")
    if not settings.create_users:
        raise LinkRefused("no_account")
    return _create_user(provider, profile)


def link(user: User, provider: str, profile: Profile) -> Identity:
    """Link the identity to ``user``; refused when it belongs to someone else."""
    identity = find_identity(provider, profile.subject)
    if identity is not None:
        if identity.user_id != user.id:
            raise LinkRefused("identity_in_use")
        return identity
    return _add_identity(user, provider, profile)


def identities_of(user_id: int) -> list[Identity]:
    return list(db.session.scalars(select(Identity).where(Identity.user_id == user_id).order_by(Identity.id)))


def unlink(user: User, identity_id: int) -> Identity:
    """Remove one of the user's identities: 404 if not theirs, 409 if it is their last way in."""
    identity = db.session.get(Identity, identity_id)
    if identity is None or identity.user_id != user.id:
        raise NotFound("No such linked identity.")
    others = db.session.scalar(
        select(func.count()).select_from(Identity).where(Identity.user_id == user.id, Identity.id != identity.id)
    )
    if not user.has_password and not others:
        raise Conflict("This is your last way to sign in: set a password or link another provider before unlinking it.")
    db.session.delete(identity)
    db.session.commit()
    return identity


def _add_identity(user: User, provider: str, profile: Profile) -> Identity:
    identity = Identity(provider=provider, subject=profile.subject, email=profile.email, user_id=user.id)
    db.session.add(identity)
    try:
        db.session.commit()
    except IntegrityError:  # the same identity linked at the same moment by another request
        db.session.rollback()
        raise LinkRefused("identity_in_use") from None
    return identity


def _create_user(provider: str, profile: Profile) -> User:
    """A user without a password, named after the person (see ``username_base``).

    The address counts (``email_key`` set) only when the provider says it is
    verified; otherwise it is kept as the user's unverified address, which
    they can confirm with ``POST /auth/email`` like any other.
    """
    verified = bool(profile.email and profile.email_verified)
    user = User(
        username=_free_username(profile, provider),
        password_hash="",
        roles=[],
        email=profile.email,
        email_key=email_key(profile.email) if verified and profile.email else None,
        email_verified_at=time.time() if verified else None,
    )
    user.username_key = username_key(user.username)
    try:
        db.session.add(user)
        db.session.flush()
        db.session.add(Identity(provider=provider, subject=profile.subject, email=profile.email, user_id=user.id))
        db.session.commit()
    except IntegrityError:  # a concurrent first sign-in took the name, the email or the identity
        db.session.rollback()
        raise LinkRefused("identity_in_use") from None
    return user


def username_base(profile: Profile, provider: str) -> str:
    """The person's name for a new user: the provider's preferred username, else the
    email's local part, else their name, else a subject that reads like a handle
    (a test provider's "alice"; never an opaque id such as Google's digits);
    sanitised to what a username may hold. The provider's own name only when
    it gave none of them."""
    handle = profile.subject if len(profile.subject) <= 32 and HANDLE.fullmatch(profile.subject) else None
    local_part = profile.email.split("@")[0] if profile.email else None
    for candidate in (profile.preferred_username, local_part, profile.name, handle):
        base = NOT_IN_USERNAME.sub("-", (candidate or "").strip()).strip("-.@+")[:48]
        if len(base) >= 3:
            return base
        if base:
            return f"{base}-{provider}"[:48]
    return provider


def _free_username(profile: Profile, provider: str) -> str:
    """``alice`` from alice@example.com; ``alice-3f9a`` when ``alice`` is taken."""
    base = username_base(profile, provider)
    candidate = base
    while db.session.scalar(select(User.id).where(User.username_key == username_key(candidate))) is not None:
        candidate = f"{base}-{secrets.token_hex(2)}"
    return candidate

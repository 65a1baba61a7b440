"""Consent: remembered per user and client, asked again only for new scopes.

The scope sentences are marked with ``N_``; the consent page translates them.
"""

from __future__ import annotations

import time

from auth.core.texts import N_
from auth.provider.clients import Client
from models import OAuthConsent, db

SENTENCES = {
    "openid": N_("know who you are on this server"),
    "profile": N_("see your username"),
    "email": N_("see your email address"),
    "roles": N_("see your roles"),
    "offline_access": N_("stay signed in while you are signed in here"),
}


def needs_consent(user_id: int, client: Client, scopes: list[str], prompt: list[str]) -> bool:
    """Trusted clients never ask; ``prompt=consent`` always asks; else ask for scopes not yet allowed."""
    if client.row.trusted:
        return False
    if "consent" in prompt:
        return True
    row = db.session.get(OAuthConsent, (user_id, client.get_client_id()))
    return row is None or not set(scopes) <= set(row.scopes)


def remember(user_id: int, client: Client, scopes: list[str]) -> None:
    """Add ``scopes`` to what the user allowed this client."""
    row = db.session.get(OAuthConsent, (user_id, client.get_client_id()))
    if row is None:
        row = OAuthConsent(user_id=user_id, client_id=client.get_client_id(), scopes=[], created_at=time.time())
        db.session.add(row)
    row.scopes = sorted(set(row.scopes) | set(scopes))
    db.session.commit()


def sentences(scopes: list[str]) -> list[str]:
    return [SENTENCES[s] for s in scopes if s in SENTENCES]

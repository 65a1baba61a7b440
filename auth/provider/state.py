"""The OpenID provider of one app: its settings, ID-token key and authorization server."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from auth.core.urls import origin_of
from auth.provider.keys import IdTokenKey
from auth.provider.server import Server
from auth.provider.settings import ProviderSettings

EXTENSION = "provider"


@dataclass(frozen=True)
class ProviderState:
    settings: ProviderSettings
    key: IdTokenKey
    server: Server


def provider_state() -> ProviderState:
    return current_app.extensions[EXTENSION]


def issuer() -> str:
    """``OIDC_PROVIDER_ISSUER``, else the origin this request came to."""
    configured = provider_state().settings.issuer
    return configured or origin_of(request.host_url) or request.host_url.rstrip("/")

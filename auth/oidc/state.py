"""The identity providers of one app: their settings and clients, built at start."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from auth.oidc.client import OidcClient
from auth.oidc.github import GithubClient
from auth.oidc.settings import OidcSettings


@dataclass
class OidcState:
    settings: OidcSettings
    clients: dict[str, OidcClient | GithubClient] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: OidcSettings) -> OidcState:
        clients: dict[str, OidcClient | GithubClient] = {
            name: GithubClient(config) if config.kind == "github" else OidcClient(config)
            for name, config in settings.providers.items()
        }
        return cls(settings, clients)

    def providers(self) -> list[dict[str, str]]:
        return [{"name": name, "label": config.label} for name, config in self.settings.providers.items()]

    def label(self, name: str) -> str:
        config = self.settings.providers.get(name)
        return config.label if config else name


def oidc_state() -> OidcState:
    return current_app.extensions["oidc"]

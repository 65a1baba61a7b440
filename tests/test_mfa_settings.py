"""The second-factor settings: defaults from the SPEC, and bad values named at start."""

from __future__ import annotations

import pytest

from app import create_app
from auth.core.settings import ConfigError, Settings
from auth.mfa.settings import MfaSettings
from tests.conftest import base_env


def settings_for(tmp_path, **env: str) -> tuple[Settings, dict[str, str]]:
    full = {**base_env(tmp_path), **env}
    return Settings.from_env(full, str(tmp_path)), full


def test_defaults_follow_the_cookie_domain_and_frontend(tmp_path) -> None:
    settings, env = settings_for(tmp_path)
    mfa = MfaSettings.from_env(env, settings)
    assert mfa.rp_id is None and mfa.origins == () and mfa.required_roles == frozenset()
    settings, env = settings_for(tmp_path, COOKIE_DOMAIN="example.com", MFA_REQUIRED_ROLES="admin, ops,")
    mfa = MfaSettings.from_env(env, settings)
    assert mfa.rp_id == "example.com" and mfa.required_roles == {"admin", "ops"}


def test_explicit_values_are_read(tmp_path) -> None:
    settings, env = settings_for(
        tmp_path, WEBAUTHN_RP_ID="Example.COM", WEBAUTHN_ORIGINS="https://app.example.com, https://example.com:8443"
    )
    mfa = MfaSettings.from_env(env, settings)
    assert mfa.rp_id == "example.com"
    assert mfa.origins == ("https://app.example.com", "https://example.com:8443")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEBAUTHN_RP_ID", "https://example.com"),
        ("WEBAUTHN_RP_ID", "example.com:443"),
        ("WEBAUTHN_ORIGINS", "example.com"),
        ("WEBAUTHN_ORIGINS", "https://app.example.com/login"),
    ],
)
def test_bad_values_stop_the_server_naming_the_variable(tmp_path, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        create_app({**base_env(tmp_path), name: value})

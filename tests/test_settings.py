"""Configuration is validated at start; PROD refuses to run without a proper secret."""

from __future__ import annotations

import subprocess

import pytest

from auth.core.settings import ConfigError, Settings
from tests.servers import BIN, ROOT, flask_cli, server_env

SECRET = {"JWT_SECRET": "x" * 32}


def settings(tmp_path, **env: str) -> Settings:
    return Settings.from_env(env, str(tmp_path))


def test_prod_defaults_are_secure(tmp_path):
    s = settings(tmp_path, JWT_SECRET="x" * 32, FRONTEND_URL="https://app.example.com")
    assert s.environment == "PROD"
    assert (s.cookie_samesite, s.cookie_secure, s.cookie_partitioned) == ("None", True, False)
    assert s.access_token_ttl == 900 and s.refresh_token_ttl == 2_592_000
    assert s.refresh_grace_seconds == 10 and s.csrf_mode == "origin"
    assert not s.allow_registration and s.ratelimit_enabled and s.trusted_proxy_count == 0


def test_dev_defaults_work_on_plain_http(tmp_path):
    s = settings(tmp_path, ENVIRONMENT="DEV")
    assert (s.cookie_samesite, s.cookie_secure) == ("Lax", False)
    assert s.frontend_origins == ("http://localhost:3000",)
    assert s.database_url == f"sqlite:///{tmp_path / 'auth.sqlite3'}"


def test_dev_secret_is_generated_once_and_kept(tmp_path):
    first = settings(tmp_path, ENVIRONMENT="DEV").jwt_secret
    second = settings(tmp_path, ENVIRONMENT="DEV").jwt_secret
    assert first == second and len(first) >= 32
    assert (tmp_path / "jwt_secret").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({}, "JWT_SECRET"),
        ({"JWT_SECRET": "short"}, "JWT_SECRET"),
        ({**SECRET, "ENVIRONMENT": "STAGING"}, "ENVIRONMENT"),
        ({**SECRET, "COOKIE_SAMESITE": "None", "COOKIE_SECURE": "false"}, "COOKIE_SAMESITE"),
        ({**SECRET, "COOKIE_SAMESITE": "sometimes"}, "COOKIE_SAMESITE"),
        ({**SECRET, "ACCESS_TOKEN_TTL": "soon"}, "ACCESS_TOKEN_TTL"),
        ({**SECRET, "ACCESS_TOKEN_TTL": "0"}, "ACCESS_TOKEN_TTL"),
        ({**SECRET, "FRONTEND_URL": "https://app.example.com/"}, "FRONTEND_URL"),
        ({**SECRET, "FRONTEND_URL": "app.example.com"}, "FRONTEND_URL"),
        ({**SECRET, "FRONTEND_URL": "*"}, "FRONTEND_URL"),
        (
            {**SECRET, "COOKIE_PARTITIONED": "true", "COOKIE_SECURE": "false", "COOKIE_SAMESITE": "Lax"},
            "COOKIE_PARTITIONED",
        ),
        ({**SECRET, "CSRF_MODE": "none"}, "CSRF_MODE"),
        ({**SECRET, "TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT"),
        ({**SECRET, "RATELIMIT_ENABLED": "maybe"}, "RATELIMIT_ENABLED"),
        ({**SECRET, "COOKIE_DOMAIN": "https://example.com"}, "COOKIE_DOMAIN"),
        ({**SECRET, "JWT_ALGORITHM": "EdDSA"}, "JWT_PRIVATE_KEY_FILE"),
        ({**SECRET, "UNSAFE_TEST_COOKIE_SAMESITE_NONE_INSECURE": "true"}, "UNSAFE_TEST"),
        ({**SECRET, "RATELIMIT_LOGIN_DEVICE": "lots"}, "RATELIMIT_LOGIN_DEVICE"),
        ({**SECRET, "JWT_PREVIOUS_KEY_FILES": "/no/such/old.pem"}, "JWT_PREVIOUS_KEY_FILES"),
        ({**SECRET, "DEVICE_TOKEN_TTL": "5"}, "DEVICE_TOKEN_TTL"),
    ],
    ids=[
        "prod-without-secret",
        "secret-under-32-bytes",
        "unknown-environment",
        "samesite-none-without-secure",
        "unknown-samesite",
        "ttl-not-a-number",
        "ttl-zero",
        "origin-with-trailing-slash",
        "origin-without-scheme",
        "wildcard-origin",
        "partitioned-without-secure",
        "unknown-csrf-mode",
        "negative-proxy-count",
        "boolean-typo",
        "cookie-domain-is-a-url",
        "asymmetric-without-key",
        "unsafe-test-switch-outside-dev",
        "rate-limit-not-a-limit",
        "previous-key-file-missing",
        "device-cookie-life-too-short",
    ],
)
def test_bad_settings_name_the_variable(tmp_path, env, names):
    with pytest.raises(ConfigError, match=names):
        settings(tmp_path, **env)


def test_prod_server_refuses_to_start_without_secret(tmp_path):
    env = server_env(tmp_path, ENVIRONMENT="PROD")
    env.pop("JWT_SECRET")
    result = flask_cli(env, "users", "list")
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[0]] and "JWT_SECRET" in lines[0], result.stderr


def test_gunicorn_refuses_to_start_with_short_secret(tmp_path):
    env = server_env(tmp_path, ENVIRONMENT="PROD", JWT_SECRET="too-short")
    result = subprocess.run(
        [str(BIN / "gunicorn"), "--bind", "127.0.0.1:0", "app:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "JWT_SECRET must be at least 32 bytes" in result.stderr


def test_dev_restart_keeps_everyone_signed_in(live_server, tmp_path):
    env = live_server.env()
    env.pop("JWT_SECRET")
    live_server.prepare(env, {"alice": "correct horse battery staple"})
    import requests

    first = live_server.start(env)
    browser = requests.Session()
    assert browser.post(
        first + "/auth/login", json={"username": "alice", "password": "correct horse battery staple"}
    ).ok
    live_server.stop_all()
    second = live_server.start(env)
    token = browser.cookies.get("access_token")
    reply = requests.get(second + "/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200, reply.text

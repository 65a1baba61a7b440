"""`flask auth doctor`: each configuration below is one a user really writes.

Configurations the server accepts run twice: through the app's own CLI
(`make_app` + `test_cli_runner`, the settings the server runs with) and from
the raw environment (`click.testing.CliRunner(env=...)` on the bare command,
as `python -m auth.ops.doctor` does). Configurations that `Settings` refuses can
only run the second way, because no app can be built from them; the doctor
must still explain them instead of crashing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask

from auth.core.settings import Settings
from auth.ops.doctor import Finding, diagnose, doctor_group, domain_matches, registrable_domain
from tests.conftest import SECRET, base_env

ROOT = Path(__file__).resolve().parent.parent
PROD = {"ENVIRONMENT": "PROD", "JWT_SECRET": SECRET}
SAME_SITE = {**PROD, "FRONTEND_URL": "https://app.example.com", "COOKIE_DOMAIN": "example.com"}
CROSS_SITE = {**PROD, "FRONTEND_URL": "https://app.frontend.test"}
DOCTOR_VARS = (
    "API_URL",
    "COOKIE_SAMESITE",
    "COOKIE_SECURE",
    "COOKIE_PARTITIONED",
    "UNSAFE_TEST_COOKIE_SAMESITE_NONE_INSECURE",
)

# (env, --api-url or None, exit code, phrases the output must contain, the server refuses it)
CASES = [
    pytest.param({}, "http://localhost:3001", 0, ["same site (http://localhost)", "can forward"], False,
                 id="tutorial-dev-localhost-3000-to-3001-passes"),
    pytest.param(SAME_SITE, "https://api.example.com", 0, ["same site (https://example.com)", "can forward"], False,
                 id="prod-sibling-subdomains-with-cookie-domain-passes"),
    pytest.param({**CROSS_SITE, "COOKIE_PARTITIONED": "true"}, "https://api.backend.test", 0,
                 ["different sites", "Partitioned: Chromium keeps them", "proxy.ts (middleware) gating will not work"],
                 False, id="prod-cross-site-partitioned-passes-but-warns-proxy-cannot-gate"),
    pytest.param({"COOKIE_SAMESITE": "None", "COOKIE_SECURE": "false"}, "http://localhost:3001", 1,
                 ["refuses to start", "SameSite=None", "Set COOKIE_SECURE=true"], True,
                 id="samesite-none-without-secure-refused-by-settings-is-reported"),
    pytest.param({"UNSAFE_TEST_COOKIE_SAMESITE_NONE_INSECURE": "true"}, "http://localhost:3001", 1,
                 ["SameSite=None without Secure", "drop such a cookie"], False,
                 id="tutorial-bug-samesite-none-without-secure-fails"),
    pytest.param(CROSS_SITE, "https://api.backend.test", 1,
                 ["different sites", "not Partitioned", "Chromium in a fresh profile", "COOKIE_PARTITIONED=true"],
                 False, id="cross-site-without-partitioned-fails"),
    pytest.param({**CROSS_SITE, "COOKIE_SAMESITE": "Lax"}, "https://api.backend.test", 1,
                 ["COOKIE_SAMESITE=Lax", "neither store nor send"], False, id="cross-site-with-samesite-lax-fails"),
    pytest.param({**PROD, "FRONTEND_URL": "https://my-app.vercel.app"}, "https://my-api.vercel.app", 1,
                 ["different sites", "https://my-app.vercel.app"], False,
                 id="two-vercel-apps-are-different-sites"),
    pytest.param({**PROD, "FRONTEND_URL": "http://example.com:3000"}, "https://example.com", 1,
                 ["same domain, but http and https are different sites"], False,
                 id="http-frontend-https-api-same-host-is-cross-site-schemeful"),
    pytest.param(SAME_SITE, "https://api.other.com", 1, ["does not cover the API host api.other.com"], False,
                 id="cookie-domain-not-covering-api-host-fails"),
    pytest.param({**SAME_SITE, "COOKIE_DOMAIN": "api.example.com"}, "https://api.example.com", 0,
                 ["does not cover app.example.com", "proxy.ts (middleware) gating will not work"], False,
                 id="cookie-domain-not-covering-frontend-warns-proxy-cannot-gate"),
    pytest.param({**SAME_SITE, "COOKIE_DOMAIN": ""}, "https://api.example.com", 0,
                 ["host-only for api.example.com", "Set COOKIE_DOMAIN=example.com"], False,
                 id="sibling-subdomains-without-cookie-domain-warns"),
    pytest.param({**PROD, "FRONTEND_URL": "https://a.vercel.app", "COOKIE_DOMAIN": "vercel.app"},
                 "https://a.vercel.app", 1, ["COOKIE_DOMAIN=vercel.app is a public suffix"], False,
                 id="cookie-domain-on-a-public-suffix-fails"),
    pytest.param({**SAME_SITE, "FRONTEND_URL": "http://app.example.com"}, "http://api.example.com", 1,
                 ["refuse to store Secure cookies from an http host"], False,
                 id="http-api-with-secure-cookies-on-non-localhost-fails"),
    pytest.param({"COOKIE_SAMESITE": "None", "COOKIE_SECURE": "true"}, "http://localhost:3001", 0,
                 ["Chrome and Firefox treat http://localhost", "accept Secure cookies"], False,
                 id="secure-cookies-from-http-localhost-are-accepted"),
    pytest.param({**SAME_SITE, "FRONTEND_URL": "https://app.example.com"}, "http://api.example.com", 1,
                 ["mixed content"], False, id="https-frontend-calling-http-api-is-mixed-content"),
    pytest.param({**SAME_SITE, "COOKIE_SAMESITE": "Strict"}, "https://api.example.com", 0,
                 ["COOKIE_SAMESITE=Strict", "follows a link from another site"], False,
                 id="strict-same-site-warns-about-arriving-links"),
    pytest.param({"FRONTEND_URL": "http://localhost:3000/"}, "http://localhost:3001", 1,
                 ["'http://localhost:3000/' ends with a slash", "Write http://localhost:3000 instead"], True,
                 id="frontend-url-trailing-slash-reported-not-crashed"),
    pytest.param({**SAME_SITE, "FRONTEND_URL": "https://app.example.com/login,https://b.example.com/"},
                 "https://api.example.com", 1,
                 ["'https://app.example.com/login' has a path", "'https://b.example.com/' ends with a slash"], True,
                 id="frontend-url-every-bad-entry-reported"),
    pytest.param({**PROD, "FRONTEND_URL": ""}, "https://api.example.com", 1, ["FRONTEND_URL is empty"], False,
                 id="frontend-url-empty-in-prod-fails"),
    pytest.param(SAME_SITE, None, 1, ["No API URL", "--api-url"], False, id="prod-without-api-url-fails"),
    pytest.param({"FRONTEND_URL": "http://dev.example.com:3000"}, "http://dev.example.com:3001", 0,
                 ["ENVIRONMENT=DEV but the API is at http://dev.example.com:3001"], False,
                 id="dev-with-non-localhost-api-warns"),
    pytest.param(SAME_SITE, "https://example.com/api", 0, ["Path=/auth"], False, id="api-under-a-path-warns"),
    pytest.param({**PROD, "JWT_SECRET": ""}, "https://api.example.com", 1, ["refuses to start", "JWT_SECRET"], True,
                 id="prod-without-jwt-secret-reported"),
]  # fmt: skip
ACCEPTED = [case for case in CASES if not case.values[4]]


def raw_env(tmp_path: Path, overrides: dict[str, str]) -> dict[str, str | None]:
    """The test app's environment, with the doctor's own variables unset unless given."""
    return {**dict.fromkeys(DOCTOR_VARS), **base_env(tmp_path), **overrides}


def api_args(api_url: str | None) -> list[str]:
    return ["--api-url", api_url] if api_url else []


def run_raw(tmp_path: Path, env: dict[str, str], api_url: str | None) -> Result:
    return CliRunner().invoke(doctor_group, ["doctor", *api_args(api_url)], env=raw_env(tmp_path, env))


def run_app(make_app: Callable[..., Flask], env: dict[str, str], api_url: str | None) -> Result:
    runner = make_app(**env).test_cli_runner()
    return runner.invoke(args=["auth", "doctor", *api_args(api_url)], env=dict.fromkeys(DOCTOR_VARS))


def assert_report(result: Result, code: int, phrases: list[str]) -> None:
    assert result.exit_code == code, result.output
    for phrase in phrases:
        assert phrase in result.output, (phrase, result.output)
    lines = result.output.splitlines()
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        if line.startswith(("ERROR", "WARN")):
            assert following.startswith("      fix: "), line


@pytest.mark.parametrize(("env", "api_url", "code", "phrases", "refused"), CASES)
def test_doctor_from_raw_environment(tmp_path, env, api_url, code, phrases, refused):
    assert_report(run_raw(tmp_path, env, api_url), code, phrases)


@pytest.mark.parametrize(("env", "api_url", "code", "phrases", "refused"), ACCEPTED)
def test_flask_auth_doctor_on_the_built_app(make_app, env, api_url, code, phrases, refused):
    """The settings come from the app (e.g. the test-only switch exists only in make_app's config)."""
    assert_report(run_app(make_app, env, api_url), code, phrases)


def test_api_url_comes_from_the_environment(tmp_path):
    result = CliRunner().invoke(
        doctor_group, ["doctor"], env=raw_env(tmp_path, {**SAME_SITE, "API_URL": "https://api.example.com"})
    )
    assert_report(result, 0, ["API https://api.example.com, ENVIRONMENT=PROD"])


def test_dev_without_api_url_checks_the_tutorial_port(tmp_path):
    assert_report(run_raw(tmp_path, {}, None), 0, ["API http://localhost:3001, ENVIRONMENT=DEV"])


def test_dev_without_jwt_secret_writes_no_secret_file(tmp_path):
    assert_report(run_raw(tmp_path, {"JWT_SECRET": ""}, None), 0, [])
    assert not (tmp_path / "instance").exists()


def test_python_m_auth_doctor_explains_a_config_the_server_refuses(tmp_path):
    """`flask` cannot load an app whose settings are refused; the module entry point still reports."""
    env = {
        key: value
        for key, value in {**os.environ, **raw_env(tmp_path, {"FRONTEND_URL": "http://localhost:3000/"})}.items()
        if value is not None
    }
    done = subprocess.run(
        [sys.executable, "-m", "auth.ops.doctor", "--api-url", "http://localhost:3001"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ends with a slash" in done.stdout and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("host", "site"),
    [
        ("localhost", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("api.example.com", "example.com"),
        ("a.b.example.com", "example.com"),
        ("api.example.co.uk", "example.co.uk"),
        ("my-app.vercel.app", "my-app.vercel.app"),
        ("me.github.io", "me.github.io"),
        ("example.com", "example.com"),
    ],
)
def test_registrable_domain(host, site):
    assert registrable_domain(host) == site


@pytest.mark.parametrize(
    ("host", "domain", "matches"),
    [
        ("api.example.com", "example.com", True),
        ("example.com", "example.com", True),
        ("badexample.com", "example.com", False),
        ("api.other.com", "example.com", False),
        ("127.0.0.1", "0.0.1", False),
    ],
)
def test_domain_matches(host, domain, matches):
    assert domain_matches(host, domain) is matches


def test_diagnose_is_a_pure_function_of_settings(tmp_path):
    """No app, no request context: the rules can be called from anywhere."""
    settings = Settings.from_env({**base_env(tmp_path), **CROSS_SITE}, str(tmp_path))
    findings = diagnose(settings, "https://api.backend.test")
    assert all(isinstance(finding, Finding) for finding in findings)
    assert [f.level for f in findings if "Partitioned" in f.message] == ["error"]

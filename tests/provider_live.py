"""A live OpenID provider for relying-party tests, and the person at the browser.

``live_provider`` starts a real server (gunicorn) with the provider on, a
user and a registered confidential client; ``sign_in_and_consent`` plays the
person: it follows the authorize URL, posts the built-in sign-in form (with
the Origin a browser sends), allows the consent page and returns the URL the
app is sent back to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import urljoin

import requests

from tests.conftest import PASSWORD
from tests.provider_flow import rsa_key_file
from tests.servers import LiveServers, flask_cli

RP_REDIRECT = "http://localhost:8765/callback"
RP_AFTER_LOGOUT = "http://localhost:8765/signed-out"


@dataclass(frozen=True)
class LiveProvider:
    url: str
    client_id: str
    client_secret: str
    env: dict[str, str]


def live_provider(servers: LiveServers, *extra_client_args: str) -> LiveProvider:
    env = servers.env(OIDC_PROVIDER_ENABLED="true", OIDC_PROVIDER_KEY_FILE=rsa_key_file(servers.tmp))
    servers.prepare(env, {"alice": PASSWORD})
    created = flask_cli(
        env,
        "clients",
        "create",
        "Relying party",
        "--redirect-uri",
        RP_REDIRECT,
        "--post-logout-redirect-uri",
        RP_AFTER_LOGOUT,
        *extra_client_args,
    )
    assert created.returncode == 0, created.stderr
    lines = dict(line.split(": ", 1) for line in created.stdout.splitlines() if ": " in line)
    url = servers.start(env)
    return LiveProvider(url, lines["client_id"], lines.get("client_secret", ""), env)


def sign_in_and_consent(browser: requests.Session, provider_url: str, authorize_url: str) -> str:
    """From the app's authorize URL to the app's callback URL (with code, state and iss)."""
    origin = {"Origin": provider_url}
    reply = browser.get(authorize_url, allow_redirects=False)
    if reply.status_code == 303:  # not signed in here yet: the built-in sign-in page
        next_url = re.search(
            r'name="next" value="([^"]*)"', browser.get(urljoin(provider_url, reply.headers["Location"])).text
        )
        assert next_url, "the sign-in page carries next"
        signed = browser.post(
            provider_url + "/auth/login",
            data={"username": "alice", "password": PASSWORD, "next": unescape(next_url.group(1))},
            headers=origin,
            allow_redirects=False,
        )
        assert signed.status_code == 303, signed.text[:300]
        reply = browser.get(urljoin(provider_url, signed.headers["Location"]), allow_redirects=False)
    if reply.status_code == 200 and "consent-allow" in reply.text:
        action = unescape(re.search(r'<form method="post" action="([^"]+)"', reply.text).group(1))
        reply = browser.post(
            urljoin(provider_url, action), data={"decision": "allow"}, headers=origin, allow_redirects=False
        )
    assert reply.status_code == 302, reply.text[:300]
    return reply.headers["Location"]

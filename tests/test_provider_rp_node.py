"""A relying party nobody here wrote signs in for real: ``openid-client`` 6
(OpenID certified, in ``tests/rp``) run by node against a running server.

The node side does discovery, code + PKCE with its own ID token validation
(signature from the JWKS, iss, aud, nonce, state), userinfo, refresh
(rotated; the old one refused), revocation and the end-session URL; this
side plays the person at the browser and checks what node reports.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.provider_live import RP_AFTER_LOGOUT, RP_REDIRECT, LiveProvider, live_provider, sign_in_and_consent
from tests.servers import ROOT, LiveServers, missing

RP_DIR = ROOT / "tests" / "rp"


@pytest.fixture
def node_rp() -> Path:
    if shutil.which("node") is None:
        missing("node is not installed")
    if not (RP_DIR / "node_modules" / "openid-client").is_dir():
        missing("tests/rp has no node_modules: run `npm ci` there")
    return RP_DIR


class NodeRp:
    """The node process, one JSON line at a time."""

    def __init__(self, provider: LiveProvider) -> None:
        env = {
            "PATH": str(Path(shutil.which("node") or "node").parent),
            "ISSUER": provider.url,
            "CLIENT_ID": provider.client_id,
            "CLIENT_SECRET": provider.client_secret,
            "REDIRECT_URI": RP_REDIRECT,
            "POST_LOGOUT_REDIRECT_URI": RP_AFTER_LOGOUT,
        }
        self.process = subprocess.Popen(
            ["node", "rp.mjs"], cwd=RP_DIR, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def read(self, step: str) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, f"node ended before {step!r} (exit {self.process.wait(timeout=30)})"
        message = json.loads(line)
        assert message["step"] == step, message
        return message

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


def test_openid_client_signs_in_refreshes_revokes_and_logs_out(
    node_rp: Path, tmp_path: Path, live_server: LiveServers
) -> None:
    provider = live_provider(live_server)
    rp = NodeRp(provider)
    browser = requests.Session()
    try:
        rp.send(sign_in_and_consent(browser, provider.url, rp.read("authorize")["url"]))
        tokens = rp.read("tokens")
        claims = tokens["claims"]
        assert claims["iss"] == provider.url and claims["preferred_username"] == "alice"
        assert claims["amr"] == ["pwd"] and claims["sid"] and claims["auth_time"]
        assert tokens["userinfo"]["sub"] == claims["sub"]
        assert tokens["rotated"] is True and tokens["reuse"] == "invalid_grant"
        rp.send(sign_in_and_consent(browser, provider.url, rp.read("authorize")["url"]))
        assert rp.read("revoked")["afterRevoke"] == "invalid_grant"
        rp.send(sign_in_and_consent(browser, provider.url, rp.read("authorize")["url"]))
        logout = browser.get(rp.read("logout")["url"], allow_redirects=False)
        assert logout.status_code == 302 and logout.headers["Location"] == RP_AFTER_LOGOUT + "?state=bye"
        rp.send("signed out")
        assert rp.read("done")["afterLogout"] == "invalid_grant"
    finally:
        rp.close()

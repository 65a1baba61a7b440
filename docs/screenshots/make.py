"""Regenerate the screenshots of the built-in pages: ``python docs/screenshots/make.py``.

Starts the API (``flask run``, DEV, SQLite in a temporary folder, mail
printed to the console, registration and magic links on) and
oidc-provider-mock as the provider "mock", creates the users the pages need,
then drives headless Chromium through every page with ``shoot.mjs``
(playwright-core from ``tests/e2e/node_modules``). The PNGs land beside this
file; docs/pages.md shows them.

Needs: the project's virtualenv (flask, pyotp, oidc-provider-mock), node,
``npm ci`` in tests/e2e, and Chromium (``CHROMIUM_PATH``, default
``/usr/bin/chromium``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyotp
import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "Violet-Harbor-Lantern-42"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"{what} did not answer at {url}")


def flask(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=env, input=stdin, text=True, check=True)


def mailed_link(log: Path, kind: str, since: int) -> str:
    """The newest link of ``kind`` the console mail printed after byte ``since`` of the log."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = re.findall(rf"http://\S+/auth/{kind}\?token=[\w-]+", log.read_text(errors="replace")[since:])
        if found:
            return found[-1]
        time.sleep(0.2)
    raise SystemExit(f"no {kind} link was printed")


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="flask-auth-screenshots-"))
    api_port, idp_port = free_port(), free_port()
    api = f"http://localhost:{api_port}"
    issuer = f"http://127.0.0.1:{idp_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "MAIL_", "JWT_"))}
    env.update(
        FLASK_SKIP_DOTENV="1",
        ENVIRONMENT="DEV",
        DATABASE_URL=f"sqlite:///{tmp / 'auth.sqlite3'}",
        INSTANCE_PATH=str(tmp / "instance"),
        JWT_SECRET=secrets.token_hex(32),
        FRONTEND_URL="http://localhost:3000",
        MAIL_URL="console:",
        ALLOW_REGISTRATION="true",
        ALLOW_MAGIC_LINKS="true",
        HIBP_URL="off",
        RATELIMIT_ENABLED="false",
        OIDC_PROVIDERS="mock",
        OIDC_MOCK_ISSUER=issuer,
        OIDC_MOCK_CLIENT_ID="screenshots",
        OIDC_MOCK_CLIENT_SECRET=secrets.token_hex(16),
        PYTHONUNBUFFERED="1",
    )
    flask(env, "db", "upgrade")
    flask(env, "users", "create", "alice", "--email", "alice@example.com", "--password-stdin", stdin=PASSWORD + "\n")
    flask(env, "users", "create", "bob", "--password-stdin", stdin=PASSWORD + "\n")
    log = tmp / "api.log"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with log.open("wb") as out:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "oidc_provider_mock", "--port", str(idp_port)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            procs.append(
                subprocess.Popen(
                    [str(BIN / "flask"), "--app", "app", "run", "--host", "127.0.0.1", "--port", str(api_port)],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        wait_for(f"{issuer}/.well-known/openid-configuration", procs[0], "oidc-provider-mock")
        wait_for(f"http://127.0.0.1:{api_port}/healthz", procs[1], "the API")

        # bob has an authenticator app, so his sign-in shows the code step.
        bob = requests.Session()
        assert bob.post(f"{api}/auth/login", json={"username": "bob", "password": PASSWORD}).ok
        secret = bob.post(f"{api}/auth/mfa/totp/setup").json()["secret"]
        assert bob.post(f"{api}/auth/mfa/totp/confirm", json={"code": pyotp.TOTP(secret).now()}).ok

        start = log.stat().st_size
        requests.post(f"{api}/auth/password/forgot", json={"email": "alice@example.com"}, timeout=10)
        reset = mailed_link(log, "password/reset", start)
        start = log.stat().st_size
        requests.post(f"{api}/auth/magic-link", json={"email": "alice@example.com"}, timeout=10)
        magic = mailed_link(log, "magic-link", start)

        config = {
            "api": api,
            "out": str(HERE),
            "password": PASSWORD,
            "resetLink": reset,
            "magicLink": magic,
            "chromium": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        }
        subprocess.run(["node", str(HERE / "shoot.mjs"), json.dumps(config)], cwd=ROOT / "tests" / "e2e", check=True)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)


if __name__ == "__main__":
    main()

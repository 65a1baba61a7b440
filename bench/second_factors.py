"""What a second factor costs the server per sign-in, beside the argon2 password check.

    .venv/bin/python bench/second_factors.py

CPU time of this process (``time.process_time``: every thread, so argon2's
lanes count; the machine's other load does not), through Flask's test client (the whole request: routing,
database, session start, cookies), over a fresh SQLite file, with
production settings and default argon2 parameters:

- a password sign-in (argon2 verification, then the session);
- a passkey sign-in: request options, then the assertion's verification
  (ECDSA P-256 via py_webauthn) and the session. The authenticator's
  signing, the client's work, is done by ``tests/webauthn_authenticator.py``
  outside the timed part;
- the TOTP second step: ``POST /auth/mfa/verify`` with a right code (the
  pending attempt is opened, and the used step reset, outside the timed part).

``bench/run.py`` prints these rows in its table too.
"""

from __future__ import annotations

import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

USER, PASSWORD = "bench-2fa", "mauve otter quartz lantern 917"
API, APP = "https://api.example.com", "https://app.example.com"


def _median_ms(run: Callable[[], float], times: int) -> float:
    return statistics.median(run() for _ in range(times)) * 1000


def second_factor_rows(password_runs: int = 8, runs: int = 60) -> list[tuple[str, ...]]:
    import pyotp
    from sqlalchemy import update

    from app import create_app
    from auth.core.accounts import create_user
    from auth.mfa import attempts
    from models import TotpSecret, db
    from tests.webauthn_authenticator import SoftAuthenticator

    with tempfile.TemporaryDirectory(prefix="auth-bench-2fa-") as tmp:
        app = create_app(
            {
                "ENVIRONMENT": "PROD",
                "JWT_SECRET": secrets.token_urlsafe(48),
                "FRONTEND_URL": APP,
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                "INSTANCE_PATH": str(Path(tmp) / "instance"),
                "RATELIMIT_ENABLED": "false",
                "REDIS_URL": "",
                "COOKIE_DOMAIN": "",
            }
        )
        with app.app_context():
            db.create_all()
            create_user(app.extensions["auth"], USER, PASSWORD)
            user_id = create_user(app.extensions["auth"], USER + "-totp", PASSWORD).id
        client = app.test_client()

        def password_login() -> float:
            started = time.process_time()
            reply = client.post("/auth/login", base_url=API, json={"username": USER, "password": PASSWORD})
            elapsed = time.process_time() - started
            assert reply.status_code == 200 and "mfa_required" not in reply.get_json()
            return elapsed

        password_ms = _median_ms(password_login, password_runs)

        authenticator = SoftAuthenticator("api.example.com", APP)
        options = client.post("/auth/passkeys/register/options", base_url=API).get_json()["options"]
        added = client.post(
            "/auth/passkeys/register", base_url=API, json={"credential": authenticator.register(options)}
        )
        assert added.status_code == 201, added.get_json()

        def passkey_login() -> float:
            browser = app.test_client()
            started = time.process_time()
            options = browser.post("/auth/passkeys/login/options", base_url=API, json={}).get_json()["options"]
            asked = time.process_time() - started
            credential = authenticator.assert_(options)
            started = time.process_time()
            reply = browser.post("/auth/passkeys/login", base_url=API, json={"credential": credential})
            elapsed = time.process_time() - started + asked
            assert reply.status_code == 200, reply.get_json()
            return elapsed

        passkey_ms = _median_ms(passkey_login, runs)

        enrolling = app.test_client()
        enrolling.post("/auth/login", base_url=API, json={"username": USER + "-totp", "password": PASSWORD})
        totp = pyotp.TOTP(enrolling.post("/auth/mfa/totp/setup", base_url=API).get_json()["secret"])
        assert enrolling.post("/auth/mfa/totp/confirm", base_url=API, json={"code": totp.now()}).status_code == 200

        def totp_step() -> float:
            browser = app.test_client()
            with app.app_context():
                db.session.execute(update(TotpSecret).where(TotpSecret.user_id == user_id).values(last_step=0))
                db.session.commit()
                token = attempts.open_attempt(user_id, "password", None, now=time.time()).token
            browser.set_cookie("mfa_pending", token, domain="api.example.com", path="/auth")
            code = totp.now()
            started = time.process_time()
            reply = browser.post("/auth/mfa/verify", base_url=API, json={"method": "totp", "code": code})
            elapsed = time.process_time() - started
            assert reply.status_code == 200, reply.get_json()
            return elapsed

        totp_ms = _median_ms(totp_step, runs)

    return [
        ("password sign-in, CPU ms (argon2 verify + session)", f"{password_ms:.1f}", "", "1.00", "", ""),
        (
            "passkey sign-in, CPU ms: options + assertion + session (password sign-in)",
            f"{passkey_ms:.1f}",
            f"{password_ms:.1f}",
            f"{passkey_ms / password_ms:.2f}",
            "",
            "",
        ),
        (
            "TOTP second step, CPU ms: POST /auth/mfa/verify + session (password sign-in)",
            f"{totp_ms:.1f}",
            f"{password_ms:.1f}",
            f"{totp_ms / password_ms:.2f}",
            "",
            "",
        ),
    ]


def main() -> None:
    for row in second_factor_rows():
        print(" | ".join(row[:4]))


if __name__ == "__main__":
    main()

"""What the ``org`` claim costs the probe: the same request with and without one, in one run.

    .venv/bin/python bench/orgs.py

In this process, over a fresh SQLite file with production settings: one
user signed in twice, one session with an active organisation (its access
tokens carry ``org``), one without. The membership view is first filled with
100,000 recent changes of other users (a busy server's worst case: every
change younger than ``ACCESS_TOKEN_TTL`` is held), so the lookup is not made
against an empty map.

Each figure is a median over alternated rounds (a burst of other load on
the machine hits both sides), with the ratio org / no org:

- the probe, ``GET /auth/is-authenticated`` through Flask's test client
  (routing, cookies, the whole access check): CPU time per request, with the
  same token every time (as a browser sends it) and with a token the
  process has never seen on every request (signature checked each time);
- the access check alone (``auth.core.access.check_access``), microseconds
  per call, which is where the claim is looked at: with tokens new to the
  process (signature verification and claim parsing included), and with a
  token it has already verified. For information: PyJWT's decoding grows
  with the token's length (any 45 more bytes cost the same 2-3 us), and a
  verified token's check is under a microsecond, so these ratios are of
  small numbers; the probe rows say what a request costs.

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

USER, PASSWORD = "bench-orgs", "mauve otter quartz lantern 917"
API, APP = "https://api.example.com", "https://app.example.com"
TARGET = 1.1


def _per_call(run: Callable[[], None], calls: int) -> float:
    started = time.process_time()
    for _ in range(calls):
        run()
    return (time.process_time() - started) / calls


def _alternated(
    with_org: Callable[[], None], without: Callable[[], None], calls: int, rounds: int
) -> tuple[float, float, float]:
    """Median seconds per call of each side, and the median of the rounds' own ratios."""
    timed_org, timed_plain, ratios = [], [], []
    for _ in range(rounds):
        plain = _per_call(without, calls)
        org = _per_call(with_org, calls)
        timed_plain.append(plain)
        timed_org.append(org)
        ratios.append(org / plain)
    return statistics.median(timed_org), statistics.median(timed_plain), statistics.median(ratios)


def org_claim_rows(
    rounds: int = 7, probe_calls: int = 2000, check_calls: int = 50_000, fresh_calls: int = 3000
) -> list[tuple[str, ...]]:
    import logging

    from app import create_app
    from auth.core.access import check_access
    from auth.core.accounts import create_user
    from auth.core.tokens import encode_access
    from models import db

    logging.getLogger("auth.audit").setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory(prefix="auth-bench-orgs-") as tmp:
        app = create_app(
            {
                "ENVIRONMENT": "PROD",
                "JWT_SECRET": secrets.token_urlsafe(48),
                "FRONTEND_URL": APP,
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                "INSTANCE_PATH": str(Path(tmp) / "instance"),
                "RATELIMIT_ENABLED": "false",
                "REDIS_URL": "",
                "HIBP_URL": "off",
            }
        )
        with app.app_context():
            db.create_all()
            create_user(app.extensions["auth"], USER, PASSWORD)
        headers = {"Origin": APP}
        base = f"{API}"
        plain_client, org_client = app.test_client(), app.test_client()
        for client in (plain_client, org_client):
            reply = client.post(f"{base}/auth/login", json={"username": USER, "password": PASSWORD}, headers=headers)
            assert reply.status_code == 200, reply.text
        assert (
            org_client.post(f"{base}/auth/orgs", json={"slug": "acme", "name": "Acme"}, headers=headers).status_code
            == 201
        )
        assert org_client.post(f"{base}/auth/orgs/active", json={"org": "acme"}, headers=headers).status_code == 200
        view = app.extensions["orgs"].view
        now = time.time()
        view.merge((str(10_000 + n), "1", "member", now) for n in range(100_000))

        def probe(client) -> Callable[[], None]:
            def run() -> None:
                assert client.get(f"{base}/auth/is-authenticated").status_code == 200

            return run

        probe_org, probe_plain, probe_ratio = _alternated(probe(org_client), probe(plain_client), probe_calls, rounds)

        state = app.extensions["auth"]
        org_token = org_client.get_cookie("access_token", domain="api.example.com").value
        plain_token = plain_client.get_cookie("access_token", domain="api.example.com").value
        with app.test_request_context():
            claims = check_access(state, org_token, time.time())
            plain_claims = check_access(state, plain_token, time.time())
            assert claims.org is not None and claims.org.slug == "acme" and plain_claims.org is None

            def check(token: str) -> Callable[[], None]:
                return lambda: check_access(state, token, time.time())

            check_org, check_plain, check_ratio = _alternated(check(org_token), check(plain_token), check_calls, rounds)

            def minted(claims_of, org) -> list[str]:
                return [
                    encode_access(
                        state.keys,
                        user_id=claims_of.user_id,
                        session_id=claims_of.session_id,
                        version=claims_of.version,
                        roles=claims_of.roles,
                        issuer=state.settings.jwt_issuer,
                        now=time.time(),
                        ttl=state.settings.access_token_ttl,
                        org=org,
                    )
                    for _ in range(fresh_calls * rounds)
                ]

            def fresh(claims_of, org) -> Callable[[], None]:
                tokens = iter(minted(claims_of, org))
                return lambda: check_access(state, next(tokens), time.time())

            new_org, new_plain, new_ratio = _alternated(
                fresh(claims, claims.org), fresh(plain_claims, None), fresh_calls, rounds
            )

        def fresh_probe(claims_of, org) -> Callable[[], None]:
            tokens = iter(minted(claims_of, org))

            def run() -> None:
                bearer = {"Authorization": f"Bearer {next(tokens)}"}
                assert app.test_client().get(f"{base}/auth/is-authenticated", headers=bearer).status_code == 200

            return run

        new_probe_org, new_probe_plain, new_probe_ratio = _alternated(
            fresh_probe(claims, claims.org), fresh_probe(plain_claims, None), fresh_calls // 2, rounds
        )

    def row(name: str, org: float, plain: float, ratio: float, target: bool = True) -> tuple[str, ...]:
        met = ("yes" if ratio <= TARGET else "NO") if target else ""
        limit = f"<= {TARGET}" if target else ""
        return (f"{name} (without org)", f"{org * 1e6:.2f}", f"{plain * 1e6:.2f}", f"{ratio:.3f}", limit, met)

    return [
        row("issue 20: probe with an org claim, CPU us per request, one token", probe_org, probe_plain, probe_ratio),
        row(
            "issue 20: probe with an org claim, CPU us per request, every token new",
            new_probe_org,
            new_probe_plain,
            new_probe_ratio,
        ),
        row("issue 20: access check alone, org claim, tokens new, us", new_org, new_plain, new_ratio, False),
        row(
            "issue 20: access check alone, org claim, token verified before, us",
            check_org,
            check_plain,
            check_ratio,
            False,
        ),
    ]


def main() -> None:
    rows = org_claim_rows()
    header = ("measure", "with org", "without", "ratio", "target", "met")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for line in [header, *rows]:
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) + " |")


if __name__ == "__main__":
    main()

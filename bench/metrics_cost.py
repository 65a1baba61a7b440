"""What the per-request metrics cost the probe, in process, without HTTP.

    .venv/bin/python bench/metrics_cost.py [--probes 4000] [--rounds 5]

Builds the app as gunicorn runs it (prometheus-client in multiprocess mode,
values in memory-mapped files in a temporary directory), signs in once, then
times (CPU time) ``GET /auth/is-authenticated`` through the test client with the
request-metrics hooks and with them taken off, alternating rounds; prints the
median time per probe of each and the difference. The HTTP view of the same
cost is ``bench/run.py``'s probe rows; this isolates the hooks from the noise
of a shared machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--probes", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(Path(tmp) / "metrics")  # before the app imports the client
        from app import create_app
        from auth.web.request_metrics import _observe, _start
        from models import db

        app = create_app(
            {
                "ENVIRONMENT": "PROD",
                "JWT_SECRET": "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
                "FRONTEND_URL": "https://app.example.com",
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                "INSTANCE_PATH": str(Path(tmp) / "instance"),
                "RATELIMIT_ENABLED": "false",
                "REDIS_URL": "",
                "ARGON2_TIME_COST": "1",
                "ARGON2_MEMORY_KIB": "64",
                "ARGON2_PARALLELISM": "1",
            }
        )
        with app.app_context():
            db.create_all()
        runner = app.test_cli_runner()
        created = runner.invoke(
            args=["users", "create", "bench", "--password-stdin"], input="correct horse battery staple\n"
        )
        assert created.exit_code == 0, created.output
        client = app.test_client()
        reply = client.post("/auth/login", json={"username": "bench", "password": "correct horse battery staple"})
        assert reply.status_code == 200, reply.get_data(as_text=True)
        token = client.get_cookie("access_token").value
        headers = {"Authorization": f"Bearer {token}"}

        def per_probe() -> float:
            started = time.process_time()  # CPU time: a busy machine stretches wall time, not this
            for _ in range(options.probes):
                client.get("/auth/is-authenticated", headers=headers)
            return (time.process_time() - started) / options.probes * 1e6

        before_hooks = app.before_request_funcs[None]
        after_hooks = app.after_request_funcs[None]
        with_metrics, without = [], []
        per_probe()  # warm up
        for _ in range(options.rounds):
            with_metrics.append(per_probe())
            before_hooks.remove(_start)
            after_hooks.remove(_observe)
            without.append(per_probe())
            before_hooks.insert(0, _start)
            after_hooks.append(_observe)
        on, off = statistics.median(with_metrics), statistics.median(without)
        print(f"probe in process, CPU time, median of {options.rounds} rounds of {options.probes}:")
        print(f"  with request metrics    {on:7.1f} us")
        print(f"  without                 {off:7.1f} us")
        print(f"  cost                    {on - off:7.1f} us ({(on - off) / off:+.1%})")


if __name__ == "__main__":
    main()

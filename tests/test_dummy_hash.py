"""The dummy hash for unknown users follows the parameters actually stored.

Users keep the argon2 parameters their hash was made with until they next
sign in. After the operator lowers ``ARGON2_*``, most stored hashes are still
the old, slower kind: an unknown username must cost what those cost, or a
timing probe tells dormant accounts from names that do not exist.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from argon2 import PasswordHasher
from flask import Flask

from auth.core.passwords import most_common_parameters
from models import User, db
from models.user import username_key
from tests.conftest import add_user

OLD = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)  # what the server used to hash with
NEW = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)  # base_env's cheap parameters, far faster


def add_old_users(app: Flask, count: int) -> None:
    """Users created before the parameters were lowered, who have not signed in since."""
    with app.app_context():
        for number in range(count):
            name = f"old{number}"
            db.session.add(User(username=name, username_key=username_key(name), password_hash=OLD.hash(name * 3)))
        db.session.commit()


def test_an_unknown_name_costs_what_a_dormant_users_wrong_password_costs(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    add_old_users(app, 3)
    add_user(app)  # one user with today's parameters: the old ones are the most common
    client = app.test_client()
    timings: dict[str, list[float]] = {"old0": [], "nobody": []}
    for _ in range(9):
        for name in timings:
            started = time.perf_counter()
            assert client.post("/auth/login", json={"username": name, "password": "wrong guess"}).status_code == 401
            timings[name].append(time.perf_counter() - started)
    ratio = statistics.median(timings["nobody"]) / statistics.median(timings["old0"])
    assert 0.5 < ratio < 2.0, f"unknown/dormant median time ratio {ratio:.2f}"


def test_the_most_common_parameters_win_and_a_tie_goes_to_the_costlier() -> None:
    old, new = OLD.hash("a"), NEW.hash("b")
    assert most_common_parameters([new, new, old]).memory_cost == 64
    assert most_common_parameters([new, old, "not a hash"]).memory_cost == 8192
    assert most_common_parameters(["not a hash"]) is None

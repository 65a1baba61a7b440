"""argon2 runs below the request threads' CPU priority, so a login flood cannot starve the probe.

The docs promise nice +10 for hashing. This is checked on the threads that
really hash: with ``ARGON2_PARALLELISM`` above 1, argon2's C library starts a
thread per lane, and those are the threads read here from ``/proc``, while a
real hash runs.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from auth.core.passwords import Passwords
from auth.core.settings import Settings
from tests.conftest import PASSWORD, base_env

PROMISED_NICE = 10  # docs/deployment.md, bench/README.md: "threads running at nice +10"
LANES = "4"


def running_threads() -> dict[int, tuple[str, int]]:
    """This process's threads: native id -> (state, nice), from /proc/self/task/*/stat."""
    found: dict[int, tuple[str, int]] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            stat = Path(f"/proc/self/task/{tid}/stat").read_text()
        except OSError:  # the thread ended between listing and reading
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # the name may hold spaces; fields restart after ")"
        found[int(tid)] = (fields[0], int(fields[16]))  # state (field 3), nice (field 19)
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux behaviour")
def test_argon2_lane_threads_run_at_the_promised_nice_and_request_threads_do_not(tmp_path: Path) -> None:
    env = {**base_env(tmp_path), "ARGON2_TIME_COST": "2", "ARGON2_MEMORY_KIB": "65536", "ARGON2_PARALLELISM": LANES}
    passwords = Passwords(Settings.from_env(env, str(tmp_path)))
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    expected = min(19, mine + PROMISED_NICE)
    stored = passwords.hash(PASSWORD)  # starts the hashing pool: every thread from here on is argon2's
    before = set(running_threads())
    done = threading.Event()
    lanes: dict[int, set[int]] = {}

    def sample() -> None:
        own = threading.get_native_id()
        while not done.is_set():
            for tid, (state, nice) in running_threads().items():
                if tid not in before and tid != own and state == "R":
                    lanes.setdefault(tid, set()).add(nice)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        assert passwords.verify(stored, PASSWORD)
    finally:
        done.set()
        sampler.join()

    assert len(lanes) >= 2, f"saw no argon2 lane threads hashing: {lanes}"
    assert {nice for seen in lanes.values() for nice in seen} == {expected}, lanes
    pool = [t for t in threading.enumerate() if t.name.startswith("argon2")]
    assert pool and all(os.getpriority(os.PRIO_PROCESS, t.native_id) == expected for t in pool)  # type: ignore[arg-type]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine

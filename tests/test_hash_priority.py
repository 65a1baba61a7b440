"""argon2 runs below the request threads' CPU priority, so a login flood cannot starve the probe."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from auth.core.passwords import HASH_NICE, Passwords
from auth.core.settings import Settings
from tests.conftest import PASSWORD, base_env


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux behaviour")
def test_hashing_threads_run_niced_and_request_threads_do_not(tmp_path: Path) -> None:
    settings = Settings.from_env(base_env(tmp_path), str(tmp_path))
    passwords = Passwords(settings)
    stored = passwords.hash(PASSWORD)
    seen: list[int] = []

    class Recording:
        """Stands in for argon2's hasher and notes the priority it is called at."""

        def verify(self, _hash: str, _password: str) -> bool:
            seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
            return True

    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    passwords._hasher = Recording()  # type: ignore[assignment]
    assert passwords.verify(stored, PASSWORD)
    assert seen == [min(19, mine + HASH_NICE)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine

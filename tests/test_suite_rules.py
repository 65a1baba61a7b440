"""Rules the test run itself enforces, checked by running pytest on a throwaway test with this project's settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_thread_that_dies_fails_its_test(tmp_path: Path) -> None:
    victim = tmp_path / "test_victim.py"
    victim.write_text(
        "import threading\n\n\ndef test_worker_thread_raises():\n"
        "    thread = threading.Thread(target=lambda: 1 / 0)\n    thread.start()\n    thread.join()\n"
    )
    settings = ["-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), "-p", "no:cacheprovider"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", *settings, "-q", str(victim)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1, run.stdout
    assert "1 failed" in run.stdout and "PytestUnhandledThreadExceptionWarning" in run.stdout, run.stdout

"""granian_serve.py's own choices, checked without a server: the hashing gate is
sized from the blocking threads, the metrics directory starts empty, and a dead
worker's live gauges are marked dead while a live one's stay.

The server itself (faults, graceful stop, metrics across workers) runs under
granian in tests/test_faults.py and tests/test_three_servers.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import granian_serve


def test_hash_queue_leaves_threads_for_the_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HASH_CONCURRENCY", raising=False)
    assert granian_serve.hash_queue(8) == "4"  # 8 threads - 2 hashing - 2 reserved
    assert granian_serve.hash_queue(4) == "0"
    assert granian_serve.hash_queue(2) == "0"  # never negative
    monkeypatch.setenv("HASH_CONCURRENCY", "1")
    assert granian_serve.hash_queue(8) == "5"


def test_a_chosen_metrics_directory_is_emptied(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "counter_123.db").write_bytes(b"stale")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    assert granian_serve.metrics_directory() == (str(tmp_path), False)
    assert list(tmp_path.glob("*.db")) == []


def test_bind_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BIND", raising=False)
    monkeypatch.setenv("PORT", "4000")
    assert granian_serve.bind_address() == ("127.0.0.1", 4000)
    monkeypatch.setenv("BIND", "0.0.0.0:3001")
    assert granian_serve.bind_address() == ("0.0.0.0", 3001)
    monkeypatch.setenv("BIND", "[::1]:3002")
    assert granian_serve.bind_address() == ("::1", 3002)


def test_only_dead_writers_are_marked_dead(tmp_path: Path) -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(finished.stdout)
    for pid in (dead, os.getpid()):
        (tmp_path / f"gauge_livesum_{pid}.db").write_bytes(b"")
    (tmp_path / f"counter_{dead}.db").write_bytes(b"")
    marked: list[int] = []
    stop = threading.Event()

    def mark(pid: int, directory: str) -> None:
        assert directory == str(tmp_path)
        marked.append(pid)
        stop.set()

    reaper = threading.Thread(target=granian_serve.reap_dead_workers, args=(str(tmp_path), stop, mark))
    reaper.start()
    reaper.join(10)
    assert marked == [dead]

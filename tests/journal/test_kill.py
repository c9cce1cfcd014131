"""Power cut: SIGKILL in the middle of a stream of writes loses no committed entry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.journal.store import JournalStore
from kiosk.journal.verify import verify_journal

WRITER = """
import sys
from kiosk.journal.store import JournalStore
store = JournalStore(sys.argv[1], "TEST0001")
i = 0
while True:
    entry = store.record("test.stream", {"i": i, "pad": "x" * 200}, actor="writer")
    # Only after commit() returned does the parent learn of the entry.
    sys.stdout.write(f"{entry.seq}\\n")
    sys.stdout.flush()
    i += 1
"""


@pytest.mark.parametrize("after", [1, 37, 250])
def test_sigkill_mid_stream_keeps_every_committed_entry(tmp_path: Path, after: int) -> None:
    """Kill the writer after N acknowledged commits: all N are there and the chain verifies."""
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    JournalStore(url, "TEST0001").dispose()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, url], stdout=subprocess.PIPE, text=True, env=env
    )
    acknowledged: list[int] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while len(acknowledged) < after and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acknowledged.append(int(line))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert len(acknowledged) == after, "writer died before reaching the kill point"
    store = JournalStore(url, "TEST0001")
    seqs = [e.seq for e in store.entries()]
    assert set(acknowledged) <= set(seqs)
    assert seqs == list(range(1, len(seqs) + 1))
    report = verify_journal(store)
    assert report.ok, report.problems
    # The store keeps working after the crash.
    assert store.record("test.after", {}, actor="t").seq == len(seqs) + 1

"""The uploader's own logic against scripted hub answers (httpx.MockTransport).

The real hub on loopback is in ``test_delivery.py``; here each answer is chosen to drive
one branch: batches in order, the mark moved only to the hub's answer, a gap resent from
the hub's mark, errors kept as the state's last error, every request signed as sent.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from kiosk.journal.store import JournalStore
from kiosk.sync.client import Credentials, HubClient, SyncError
from kiosk.sync.protocol import SignedRequest
from kiosk.sync.state import SyncStateStore
from kiosk.sync.uploader import Backoff, Uploader

KEY = bytes(range(32))
TID = "TEST0001"


class Ledger:
    """What a hub following docs/sync.md would hold: entries by seq, checked signatures."""

    def __init__(self) -> None:
        self.held: dict[int, dict[str, Any]] = {}
        self.posts: list[list[int]] = []
        self.script: list[Callable[[httpx.Request], httpx.Response | None]] = []

    @property
    def acked(self) -> int:
        n = 0
        while n + 1 in self.held:
            n += 1
        return n

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = request.content
        SignedRequest.from_headers(request.headers).check(
            KEY, request.method, request.url.raw_path.decode(), body, now=request_time(request)
        )
        if self.script:
            answer = self.script.pop(0)(request)
            if answer is not None:
                return answer
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        entries = json.loads(body)["entries"]
        seqs = [e["seq"] for e in entries]
        self.posts.append(seqs)
        if seqs[0] > self.acked + 1:
            return httpx.Response(409, json={"error": "ingest.gap", "acked_seq": self.acked})
        for entry in entries:
            self.held.setdefault(entry["seq"], entry)
        return httpx.Response(200, json={"acked_seq": self.acked, "alerts": []})


def request_time(request: httpx.Request) -> float:
    return float(request.headers["X-Kiosk-Timestamp"])


def _uploader(store: JournalStore, ledger: Ledger, *, batch: int = 10, gz: bool = True) -> Uploader:
    client = HubClient(
        "http://hub.test", Credentials(TID, KEY), gzip=gz, transport=httpx.MockTransport(ledger)
    )
    return Uploader(store, SyncStateStore(store), client, batch_size=batch)


def _write(store: JournalStore, n: int) -> None:
    with store.transaction() as tx:
        for i in range(n):
            tx.append("test.event", {"i": i}, actor="test")


@pytest.mark.parametrize("gz", [True, False], ids=["gzip", "plain"])
def test_backlog_goes_in_order_in_batches(store: JournalStore, gz: bool) -> None:
    """25 entries leave as batches of 10, 10, 5, in order, verbatim; the mark reaches 25."""
    _write(store, 25)
    ledger = Ledger()
    result = _uploader(store, ledger, gz=gz).push()
    assert ledger.posts == [list(range(1, 11)), list(range(11, 21)), list(range(21, 26))]
    assert result.acked_seq == 25 and result.sent == 25 and result.backlog == 0
    held = store.entries()
    assert [ledger.held[e.seq]["hash"] for e in held] == [e.hash for e in held]
    assert ledger.held[3]["payload"] == {"i": 2}


def test_mark_moves_only_to_the_hubs_answer(store: JournalStore) -> None:
    """A hub that took a batch but acknowledged less keeps the mark there, and says so."""
    _write(store, 5)
    ledger = Ledger()
    ledger.script.append(lambda r: httpx.Response(200, json={"acked_seq": 0, "alerts": []}))
    uploader = _uploader(store, ledger)
    with pytest.raises(SyncError) as err:
        uploader.push()
    assert err.value.code == "sync.no_progress"
    assert uploader.state.acked_seq() == 0
    assert uploader.state.status().last_error == "sync.no_progress"


def test_gap_resends_from_the_hubs_mark(store: JournalStore) -> None:
    """The hub lost entries 4.. (restored from a backup): 409 ingest.gap, resend from 4."""
    _write(store, 8)
    ledger = Ledger()
    uploader = _uploader(store, ledger, batch=3)
    uploader.push()
    for seq in range(4, 9):
        del ledger.held[seq]
    _write(store, 2)
    ledger.posts.clear()
    assert uploader.push().acked_seq == 10
    assert ledger.posts == [[9, 10], [4, 5, 6], [7, 8, 9], [10]]
    assert sorted(ledger.held) == list(range(1, 11))


def test_server_error_keeps_mark_and_records_error(store: JournalStore) -> None:
    """A 503 with Retry-After mid-backlog: what was acknowledged stays, the rest waits."""
    _write(store, 15)
    ledger = Ledger()
    ledger.script += [
        lambda r: None,
        lambda r: httpx.Response(503, headers={"Retry-After": "7"}, json={"error": "busy"}),
    ]
    uploader = _uploader(store, ledger)
    with pytest.raises(SyncError) as err:
        uploader.push()
    assert (err.value.status, err.value.retry_after, err.value.code) == (503, 7.0, "busy")
    status = uploader.state.status()
    assert (status.acked_seq, status.backlog, status.last_error) == (10, 5, "busy")
    assert uploader.push().acked_seq == 15
    assert uploader.state.status().last_error == ""


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (httpx.ReadTimeout("slow"), "sync.timeout"),
        (httpx.ConnectError("refused"), "sync.network"),
        (httpx.RemoteProtocolError("dropped"), "sync.network"),
    ],
    ids=["timeout", "refused", "dropped"],
)
def test_transport_failures_are_sync_errors(store: JournalStore, exc: Exception, code: str) -> None:
    """Every httpx failure becomes one SyncError with a stable code; the mark stays."""
    _write(store, 3)
    ledger = Ledger()

    def fail(_request: httpx.Request) -> httpx.Response:
        raise exc

    ledger.script.append(fail)
    uploader = _uploader(store, ledger)
    with pytest.raises(SyncError) as err:
        uploader.push()
    assert err.value.code == code and uploader.state.acked_seq() == 0


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    """Delays double up to the cap within [ceiling/2, ceiling]; Retry-After wins."""
    backoff = Backoff(base_s=1.0, cap_s=16.0, rng=random.Random(3))
    delays = [backoff.next_delay() for _ in range(7)]
    ceilings = [1, 2, 4, 8, 16, 16, 16]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert backoff.next_delay(retry_after=5.0) == 5.0
    assert backoff.next_delay(retry_after=500.0) == 16.0
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_worker_outlives_failures_and_honours_retry_after() -> None:
    """The worker keeps running through hub and journal errors, waits what the hub asked,
    and stops when told."""
    import threading

    from kiosk.journal.store import JournalError
    from kiosk.sync.uploader import SyncWorker

    calls: list[float] = []
    done = threading.Event()
    failures = [
        SyncError("busy", code="busy", status=503, retry_after=0.2),
        JournalError("locked"),
    ]

    def step() -> None:
        import time

        calls.append(time.monotonic())
        if failures:
            raise failures.pop(0)
        done.set()

    worker = SyncWorker(step, interval_s=5.0, backoff=Backoff(base_s=0.01, cap_s=1.0))
    worker.start()
    try:
        assert done.wait(5)
    finally:
        worker.stop()
    assert not worker.is_alive() and len(calls) == 3
    assert calls[1] - calls[0] >= 0.2  # Retry-After honoured
    assert worker.backoff.failures == 0  # reset after the success

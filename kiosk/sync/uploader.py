"""The journal's upload to the hub: batches after the acknowledged mark, in sequence order.

The journal is the queue (``docs/sync.md``): :meth:`Uploader.push` reads the entries after
``sync_state.acked_seq``, posts them ``batch_size`` at a time and moves the mark to what
the hub answered, never further. A crash at any point loses nothing (the entries are still
in the journal) and duplicates nothing (the hub ignores a resend of an entry it holds). A
409 ``ingest.gap`` carries the hub's own mark: the next batch starts there.

:class:`SyncWorker` is the thread that pushes, sends heartbeats and polls parameters on
``sync.interval_s``, and after a failure waits an exponential backoff with jitter, or the
``Retry-After`` the hub asked for.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import SQLAlchemyError

from kiosk.errors import KioskError
from kiosk.journal.models import JournalEntry
from kiosk.journal.store import JournalStore
from kiosk.sync.client import HubClient, SyncError
from kiosk.sync.state import SyncStateStore

log = logging.getLogger(__name__)

_BATCH = (
    select(
        JournalEntry.seq,
        JournalEntry.ts,
        JournalEntry.event,
        JournalEntry.actor,
        JournalEntry.payload,
        JournalEntry.prev_hash,
        JournalEntry.hash,
    )
    .where(JournalEntry.terminal_id == bindparam("tid"), JournalEntry.seq > bindparam("after"))
    .order_by(JournalEntry.seq)
    .limit(bindparam("n"))
)


def read_batch(store: JournalStore, after_seq: int, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` entries after ``after_seq``, verbatim, as the hub takes them."""
    with store.engine.connect() as conn:
        rows = conn.execute(_BATCH, {"tid": store.terminal_id, "after": after_seq, "n": limit})
        return [row._asdict() for row in rows]


@dataclass(frozen=True)
class PushResult:
    acked_seq: int
    sent: int
    backlog: int


class Uploader:
    """Moves one terminal's journal to the hub through ``client``."""

    def __init__(
        self, store: JournalStore, state: SyncStateStore, client: HubClient, *, batch_size: int
    ) -> None:
        self.store, self.state, self.client = store, state, client
        self.batch_size = batch_size

    def push(self) -> PushResult:
        """Send everything after the mark; SyncError at the first failure (the mark stays
        where the hub last put it)."""
        acked = self.state.acked_seq()
        sent = 0
        try:
            while batch := read_batch(self.store, acked, self.batch_size):
                try:
                    answered = self.client.post_entries(batch)
                except SyncError as exc:
                    if exc.code != "ingest.gap" or not _valid_seq(exc.body.get("acked_seq")):
                        raise
                    # The hub holds less than we thought (a restored hub, another hub on a
                    # lagging database): resend from its mark.
                    answered = int(exc.body["acked_seq"])
                    if answered >= acked:
                        raise  # not behind us: a resend would get the same answer
                else:
                    sent += len(batch)
                    if answered <= acked:
                        raise SyncError(
                            f"the hub took entries {batch[0]['seq']}..{batch[-1]['seq']} but "
                            f"acknowledged only up to {answered}",
                            code="sync.no_progress",
                        )
                # Never past what this journal holds (a hub confusing terminals).
                acked = min(answered, batch[-1]["seq"])
                self.state.acknowledged(acked, hub_url=self.client.base_url)
        except SyncError as exc:
            self.state.failed(exc.code)
            raise
        self.state.cleared()
        status = self.state.status()
        return PushResult(acked, sent, status.backlog)


def _valid_seq(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass
class Backoff:
    """Exponential backoff with full jitter between ``base_s`` and ``cap_s``; a hub's
    ``Retry-After`` wins (bounded by ``cap_s``)."""

    base_s: float = 1.0
    cap_s: float = 300.0
    rng: random.Random | None = None
    failures: int = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        self.failures += 1
        if retry_after is not None:
            return min(retry_after, self.cap_s)
        ceiling = min(self.cap_s, self.base_s * 2 ** min(self.failures - 1, 20))
        rng = self.rng or random
        return rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.failures = 0


class SyncWorker(threading.Thread):
    """Runs ``step`` every ``interval_s`` until :meth:`stop`; after a SyncError waits the
    backoff instead. ``step`` is the push, heartbeat and parameter poll of one round."""

    def __init__(
        self,
        step: Callable[[], None],
        *,
        interval_s: float,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(name="kiosk-sync", daemon=True)
        self.step, self.interval_s = step, interval_s
        self.backoff = backoff or Backoff(cap_s=max(interval_s * 10, 60.0))
        self._stopping = threading.Event()
        self._wake = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            delay = self.interval_s
            try:
                self.step()
                self.backoff.reset()
            except SyncError as exc:
                delay = self.backoff.next_delay(exc.retry_after)
                log.info("sync: %s; next try in %.1f s", exc.code, delay)
            except (KioskError, SQLAlchemyError) as exc:  # the journal busy or damaged
                delay = self.backoff.next_delay()
                code = getattr(exc, "code", type(exc).__name__)
                log.warning("sync round failed: %s; next try in %.1f s", code, delay)
            self._wake.wait(delay)
            self._wake.clear()

    def wake(self) -> None:
        """Run the next round now (after a sale, say)."""
        self._wake.set()

    def stop(self, timeout: float | None = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self.is_alive():
            self.join(timeout)

"""Durable payment commits per second: the journal store vs. raw sqlite3 doing the same work.

One "payment commit" is what checkout does when the card answers: in one transaction,
move the payment to approved and its order to paid, queue the receipt, append the two
hash-chained journal entries (payment.approved, print.queued) and advance the head.
Both sides use the same database file, the same PRAGMAs (WAL, synchronous=FULL) and
BEGIN IMMEDIATE, and compute the same SHA-256 links; commits alternate one by one
between them so that machine noise (other processes' fsyncs) hits both alike.
Prints medians and the ratio (goal: store >= 0.5 x raw).

    python bench/journal.py [--commits 300] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.checkout.pipeline import Checkout
from kiosk.checkout.provider import PaymentOutcome, PaymentVerdict
from kiosk.config import Mode
from kiosk.journal.chain import entry_hash
from kiosk.journal.models import Payment, PaymentState
from kiosk.journal.store import JournalStore, iso
from kiosk.sales.order import LineItem, OrderDraft

OUTCOME = PaymentOutcome(
    PaymentVerdict.APPROVED,
    path="ec_offline",
    pan_masked="623456******7890",
    atc=1,
    cid="40",
    cryptogram="0011223344556677",
    response_code="Y1",
)


def _pending(store: JournalStore, n: int) -> list[int]:
    checkout = Checkout(store, None, None, unattended=False)  # type: ignore[arg-type]
    draft = OrderDraft(Mode.MARKET, (LineItem("VEG", "青菜", 1, 350),))
    return [checkout._open(draft, "bench")[2] for _ in range(n)]


class RawStore:
    """The same payment commit written with sqlite3 alone: the baseline."""

    def __init__(self, path: Path, terminal: str) -> None:
        self.terminal = terminal
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            self.conn.execute(f"PRAGMA {pragma}")

    def close_payment(self, pid: int) -> None:
        conn, terminal = self.conn, self.terminal
        conn.execute("BEGIN IMMEDIATE")
        last_seq, last_hash = conn.execute(
            "SELECT last_seq, last_hash FROM terminal WHERE id=?", (terminal,)
        ).fetchone()
        now = datetime.now(UTC)
        payload = {
            "payment": pid,
            "amount_fen": 350,
            "path": "ec_offline",
            "cid": "40",
            "cryptogram": "0011223344556677",
            "response_code": "Y1",
        }
        ts, seq = iso(now), last_seq + 1
        digest = entry_hash(
            terminal_id=terminal,
            seq=seq,
            ts=ts,
            event="payment.approved",
            actor="bench",
            payload=payload,
            prev_hash=last_hash,
        )
        state, order_id = conn.execute(
            "SELECT state, order_id FROM payment WHERE id=?", (pid,)
        ).fetchone()
        assert state == "pending"
        conn.execute(
            "UPDATE payment SET state=?, path=?, cid=?, cryptogram=?, response_code=?, "
            "updated_at=? WHERE id=?",
            (
                "approved",
                "ec_offline",
                "40",
                "0011223344556677",
                "Y1",
                now.replace(tzinfo=None),
                pid,
            ),
        )
        conn.execute("UPDATE sale_order SET status='paid' WHERE id=?", (order_id,))
        conn.execute(
            "SELECT position, quantity, meta FROM order_line WHERE order_id=?", (order_id,)
        ).fetchall()
        job = conn.execute(
            "INSERT INTO print_job (terminal_id, order_id, kind, status, attempts, "
            "last_error, created_at) VALUES (?,?,?,?,?,?,?) RETURNING id",
            (terminal, order_id, "receipt", "queued", 0, "", now.replace(tzinfo=None)),
        ).fetchone()[0]
        queued = {"job": job, "order": order_id, "kind": "receipt"}
        digest2 = entry_hash(
            terminal_id=terminal,
            seq=seq + 1,
            ts=ts,
            event="print.queued",
            actor="bench",
            payload=queued,
            prev_hash=digest,
        )
        conn.executemany(
            "INSERT INTO journal_entry (terminal_id, seq, ts, event, actor, payload, "
            "prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)",
            [
                (
                    terminal,
                    seq,
                    ts,
                    "payment.approved",
                    "bench",
                    json.dumps(payload),
                    last_hash,
                    digest,
                ),
                (
                    terminal,
                    seq + 1,
                    ts,
                    "print.queued",
                    "bench",
                    json.dumps(queued),
                    digest,
                    digest2,
                ),
            ],
        )
        conn.execute(
            "UPDATE terminal SET last_seq=?, last_hash=? WHERE id=?", (seq + 1, digest2, terminal)
        )
        conn.execute("COMMIT")


def one_round(db: Path, commits: int) -> tuple[float, float]:
    """Commits/s for the store and for raw sqlite3, interleaved one commit at a time."""
    store = JournalStore(f"sqlite:///{db}", "BENCH001")
    checkout = Checkout(store, None, None, unattended=False)  # type: ignore[arg-type]
    raw = RawStore(db, "BENCH001")
    ids = _pending(store, 2 * commits)
    spent = {"store": 0.0, "raw": 0.0}
    for i in range(commits):
        start = time.perf_counter()
        checkout._close(ids[2 * i], OUTCOME, committed=True, actor="bench")
        mid = time.perf_counter()
        raw.close_payment(ids[2 * i + 1])
        spent["store"] += mid - start
        spent["raw"] += time.perf_counter() - mid
    with store.read() as session:
        states = set(session.scalars(select(Payment.state)))
    assert states == {PaymentState.APPROVED}, states
    raw.conn.close()
    store.dispose()
    return commits / spent["store"], commits / spent["raw"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    store_rates, raw_rates = [], []
    with tempfile.TemporaryDirectory(dir=".") as tmp:
        for r in range(args.rounds):
            rates = one_round(Path(tmp) / f"round{r}.db", args.commits)
            store_rates.append(rates[0])
            raw_rates.append(rates[1])
    s, raw = statistics.median(store_rates), statistics.median(raw_rates)
    print(
        f"journal: durable payment commits/s, median of {args.rounds} rounds x "
        f"{args.commits} commits (WAL, synchronous=FULL)"
    )
    print(f"  raw sqlite3     {raw:9.0f} /s")
    print(f"  JournalStore    {s:9.0f} /s")
    print(f"  ratio store/raw {s / raw:9.2f}   (goal >= 0.50)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

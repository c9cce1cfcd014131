"""Durable payment commits per second: the journal store vs. raw sqlite3 doing the same work.

One "payment commit" is what checkout does when the card answers: in one transaction,
move the payment to approved and its order to paid, queue the receipt, append the two
hash-chained journal entries (payment.approved, print.queued) and advance the head.
Both sides use the same file system, the same PRAGMAs (WAL, synchronous=FULL) and
BEGIN IMMEDIATE, and compute the same SHA-256 link; rounds alternate between them so
that machine noise hits both. Prints medians and the ratio (goal: store >= 0.5 x raw).

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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.checkout.pipeline import Checkout
from kiosk.checkout.provider import Outcome, PaymentOutcome
from kiosk.config import Mode
from kiosk.journal.chain import entry_hash
from kiosk.journal.models import PaymentState
from kiosk.journal.store import JournalStore, iso
from kiosk.sales.order import LineItem, OrderDraft

OUTCOME = PaymentOutcome(
    Outcome.APPROVED,
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


def bench_store(store: JournalStore, ids: list[int]) -> float:
    checkout = Checkout(store, None, None, unattended=False)  # type: ignore[arg-type]
    start = time.perf_counter()
    for pid in ids:
        checkout._close(pid, OUTCOME, committed=True, actor="bench")
    return len(ids) / (time.perf_counter() - start)


def bench_raw(path: Path, terminal: str, ids: list[int]) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    start = time.perf_counter()
    for pid in ids:
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
        order_id = conn.execute("SELECT order_id FROM payment WHERE id=?", (pid,)).fetchone()[0]
        job = conn.execute(
            "INSERT INTO print_job (terminal_id, order_id, kind, status, attempts, "
            "last_error, created_at) VALUES (?,?,?,?,?,?,?)",
            (terminal, order_id, "receipt", "queued", 0, "", now.replace(tzinfo=None)),
        ).lastrowid
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
        conn.execute("UPDATE sale_order SET status='paid' WHERE id=?", (order_id,))
        conn.execute("COMMIT")
    conn.close()
    return len(ids) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    store_rates, raw_rates = [], []
    with tempfile.TemporaryDirectory(dir=".") as tmp:
        for r in range(args.rounds):
            db = Path(tmp) / f"round{r}.db"
            store = JournalStore(f"sqlite:///{db}", "BENCH001")
            ids = _pending(store, 2 * args.commits)
            # Alternate which side goes first so warm-up and noise are shared.
            halves = (ids[: args.commits], ids[args.commits :])
            if r % 2:
                raw_rates.append(bench_raw(db, "BENCH001", halves[0]))
                store_rates.append(bench_store(store, halves[1]))
            else:
                store_rates.append(bench_store(store, halves[0]))
                raw_rates.append(bench_raw(db, "BENCH001", halves[1]))
            with store.read() as session:
                from kiosk.journal.models import Payment

                states = {p.state for p in session.query(Payment)}
            assert states == {PaymentState.APPROVED}, states
            store.dispose()
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

"""Tampering and loss the chain alone did not catch: a rewritten chain, entries deleted from
the end with the head fixed, all rows deleted, a deleted or emptied database, tables that
disagree with the journal, and damaged pages."""

from __future__ import annotations

import dataclasses
import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from kiosk.checkout import Checkout
from kiosk.checkout.terminal import build_services
from kiosk.cli import main
from kiosk.config import Mode, load_settings
from kiosk.journal.anchor import JournalRewoundError
from kiosk.journal.chain import GENESIS
from kiosk.journal.models import JournalEntry, OrderLine, Payment, PaymentState, Terminal
from kiosk.journal.store import JournalError, JournalStore
from kiosk.journal.verify import head_problems, verify_journal
from kiosk.sales.order import LineItem, OrderDraft
from tests.checkout.conftest import ScriptedProvider
from tests.journal.forge import rechain

DRAFT = OrderDraft(Mode.MARKET, (LineItem("VEG", "青菜", 3, 350),))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A terminal's data directory with three approved sales in its journal."""
    store = JournalStore(f"sqlite:///{tmp_path / 'journal.db'}", "DEMO0001")
    checkout = Checkout(store, ScriptedProvider(), None, unattended=False)
    for _ in range(3):
        checkout.pay(DRAFT, actor="kiosk")
    assert verify_journal(store).ok
    store.dispose()
    return tmp_path


def _store(data: Path) -> JournalStore:
    return JournalStore(f"sqlite:///{data / 'journal.db'}", "DEMO0001")


def _config(data: Path) -> str:
    path = data / "kiosk.toml"
    path.write_text(f'data_dir = "{data}"\n', encoding="utf-8")
    return str(path)


def _cheapen(entry: JournalEntry) -> None:
    if entry.event == "payment.approved":
        entry.payload = {**entry.payload, "amount_fen": 1}


def _rehash_plain(s) -> None:
    """A forger without the key: edit an amount and recompute every link and the head."""
    rechain(s, _cheapen)


def _truncate_and_fix_head(s) -> None:
    last = s.scalar(select(JournalEntry).order_by(JournalEntry.seq.desc()).offset(3).limit(1))
    s.execute(delete(JournalEntry).where(JournalEntry.seq > last.seq))
    s.execute(update(Terminal).values(last_seq=last.seq, last_hash=last.hash))


def _delete_all_rows(s) -> None:
    s.execute(delete(JournalEntry))
    s.execute(update(Terminal).values(last_seq=0, last_hash=GENESIS))


def _payment_state(s) -> None:
    s.execute(update(Payment).where(Payment.id == 2).values(state=PaymentState.DECLINED))


def _order_line(s) -> None:
    s.execute(update(OrderLine).where(OrderLine.order_id == 1).values(quantity=1))


@pytest.mark.parametrize(
    ("tamper", "needle"),
    [
        (_rehash_plain, "altered"),
        (_truncate_and_fix_head, "went backwards"),
        (_delete_all_rows, "went backwards"),
        (_payment_state, "payment 2 is declined"),
        (_order_line, "order 1 differs"),
    ],
    ids=["rechained-without-key", "tail-deleted-head-fixed", "all-rows", "payment", "order-line"],
)
def test_verify_catches(data: Path, tamper: Callable, needle: str) -> None:
    """Each of these passed ``kiosk journal verify`` before."""
    store = _store(data)
    with store.read() as session:
        tamper(session)
        session.commit()
    report = verify_journal(store)
    assert any(needle in p for p in report.problems), report.problems
    assert main(["--config", _config(data), "journal", "verify"]) == 1


def _remove(data: Path) -> None:
    (data / "journal.db").unlink()
    for wal in data.glob("journal.db-*"):
        wal.unlink()


def _empty(data: Path) -> None:
    _remove(data)
    (data / "journal.db").touch()


@pytest.mark.parametrize("lose", [_remove, _empty, None], ids=["deleted", "zero-bytes", "rows"])
def test_a_journal_that_vanished_refuses_to_sell_until_accepted(
    data: Path, lose: Callable | None, capsys
) -> None:
    """Start-up refuses a journal that went backwards, in one line; the operator's
    accept-reset journals the reason, and then the terminal sells again."""
    if lose is None:
        store = _store(data)
        with store.read() as session:
            _delete_all_rows(session)
            session.commit()
        store.dispose()
    else:
        lose(data)
    settings = dataclasses.replace(load_settings(_config(data)), data_dir=data)
    with pytest.raises(JournalRewoundError) as refused:
        build_services(settings)
    assert "went backwards" in str(refused.value) and "accept-reset" in str(refused.value)
    assert main(["--config", _config(data), "run"]) == 2
    assert "journal.rewound" in capsys.readouterr().err
    assert main(["--config", _config(data), "journal", "accept-reset", "--reason", "T-42"]) == 0
    services = build_services(settings)
    [entry] = [e for e in services.store.entries() if e.event == "journal.reset_accepted"]
    assert entry.payload["reason"] == "T-42"
    assert head_problems(services.store) == []
    services.dispose()


def test_damaged_pages_are_one_clear_error_everywhere(data: Path, capsys) -> None:
    """Random bytes over a few pages: verify says damaged, doctor and report fail with one
    line, start-up raises JournalError; no sqlite3.DatabaseError traceback anywhere."""
    db = data / "journal.db"
    size = db.stat().st_size
    rng = random.Random(5)
    with db.open("r+b") as f:
        for page in (2, 3, 5):
            if page * 4096 < size:
                f.seek(page * 4096)
                f.write(rng.randbytes(4096))
        f.flush()
        os.fsync(f.fileno())
    report = verify_journal(_store(data)) if _opens(data) else None
    if report is not None:
        assert not report.ok and any("damaged" in p or "cannot" in p for p in report.problems)
    config = _config(data)
    assert main(["--config", config, "journal", "verify"]) in (1, 2)
    assert main(["--config", config, "report", "day", "--out", str(data / "d.pdf")]) == 2
    main(["--config", config, "doctor"])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    assert "FAIL  journal" in out.out
    with pytest.raises(JournalError):
        build_services(dataclasses.replace(load_settings(config), data_dir=data))


def _opens(data: Path) -> bool:
    try:
        _store(data).dispose()
    except JournalError:
        return False
    return True

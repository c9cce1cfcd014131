"""One live selling process per terminal: a second one is refused, recovery touches only
payments whose process is gone, and the card is never asked for a payment closed meanwhile."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.checkout import Checkout, recover_pending
from kiosk.checkout.terminal import build_services
from kiosk.config import Mode, load_settings
from kiosk.journal.models import Payment, PaymentState
from kiosk.journal.states import transition
from kiosk.journal.store import JournalStore
from kiosk.journal.terminal_lock import TerminalBusyError
from kiosk.sales.order import LineItem, OrderDraft
from tests.checkout.conftest import ScriptedProvider

DRAFT = OrderDraft(Mode.MARKET, (LineItem("VEG", "青菜", 1, 350),))
REPO = Path(__file__).resolve().parents[2]


def _settings(tmp_path: Path, mode: Mode) -> object:
    settings = load_settings(environ={})
    terminal = dataclasses.replace(settings.terminal, mode=mode)
    return dataclasses.replace(settings, data_dir=tmp_path, terminal=terminal)


def test_second_seller_is_refused_in_one_line(tmp_path: Path) -> None:
    """A second selling start on the same data fails with terminal.busy naming the holder's
    pid; once the first is gone, a new start gets the terminal."""
    first = build_services(_settings(tmp_path, Mode.TICKET))
    with pytest.raises(TerminalBusyError) as refused:
        build_services(_settings(tmp_path, Mode.MARKET))
    assert refused.value.code == "terminal.busy"
    assert f"pid {os.getpid()}" in str(refused.value)
    assert "\n" not in str(refused.value)
    first.dispose()
    build_services(_settings(tmp_path, Mode.MARKET)).dispose()


def test_second_seller_process_gets_one_line_from_the_cli(tmp_path: Path) -> None:
    """``kiosk run`` beside a live seller exits 2 with one line on stderr, no traceback."""
    config = tmp_path / "kiosk.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n', encoding="utf-8")
    live = build_services(_settings(tmp_path, Mode.TICKET))
    try:
        env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "kiosk.cli",
                "--config",
                str(config),
                "run",
                "--quit-after",
                "1",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
    finally:
        live.dispose()
    assert done.returncode == 2
    assert done.stderr.strip().startswith("kiosk: terminal.busy: terminal DEMO0001 is already")
    assert len(done.stderr.strip().splitlines()) == 1


def test_gate_start_runs_no_recovery_beside_a_seller(tmp_path: Path) -> None:
    """A gate on the seller's data starts without the lock and leaves its pending sale alone."""
    seller = build_services(_settings(tmp_path, Mode.MARKET))
    _, _, payment_id = seller.checkout._open(DRAFT, "kiosk")
    gate = build_services(_settings(tmp_path, Mode.GATE))
    gate.dispose()
    with seller.store.read() as session:
        assert session.get(Payment, payment_id).state is PaymentState.PENDING
    seller.dispose()


def test_recovery_refuses_while_a_seller_lives(journal_url: str) -> None:
    """recover_pending from another process (here: store) is refused while one sells."""
    live = JournalStore(journal_url, "TEST0001")
    live.lock_terminal()
    other = JournalStore(journal_url, "TEST0001")
    with pytest.raises(TerminalBusyError):
        recover_pending(other)
    live.dispose()
    assert recover_pending(other) == {}
    other.dispose()


def test_card_is_not_asked_for_a_payment_closed_meanwhile(journal_url: str) -> None:
    """before_card_commit re-checks the payment in its own transaction: aborted by someone
    else, the sale ends there, the card is never asked, and nothing fails after."""
    store = JournalStore(journal_url, "TEST0001")

    def abort_it() -> None:
        with store.transaction() as tx:
            [pid] = tx.connection.execute(select(Payment.id)).scalars()
            transition(tx, pid, PaymentState.ABORTED, reason="recovery.not_charged")

    provider = ScriptedProvider()
    checkout = Checkout(store, provider, None, unattended=False)
    original = checkout.provider.pay

    def pay(request, hooks):  # the "other process" strikes between pending and commit point
        abort_it()
        return original(request, hooks)

    provider.pay = pay  # type: ignore[method-assign]
    result = checkout.pay(DRAFT, actor="kiosk")
    assert result.state is PaymentState.ABORTED
    assert result.reason == "payment.closed"
    events = [e.event for e in store.entries()]
    assert "payment.card_commit" not in events
    assert events[-1] == "payment.pending"  # nothing written after the other's abort
    store.dispose()


def test_postgres_terminal_lock_is_an_advisory_lock(pg_url: str) -> None:
    """On PostgreSQL a second holder is refused until the first lets go."""
    first, second = JournalStore(pg_url, "TEST0001"), JournalStore(pg_url, "TEST0001")
    first.lock_terminal()
    with pytest.raises(TerminalBusyError):
        second.lock_terminal()
    first.dispose()
    second.lock_terminal()
    assert second.holds_terminal
    second.dispose()

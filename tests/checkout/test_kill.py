"""Kill the process mid-payment: start-up recovery finds the payment and loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.checkout import recover_pending
from kiosk.journal.models import PaymentState
from kiosk.journal.store import JournalStore
from kiosk.journal.verify import verify_journal

CHILD = """
import sys, time
from kiosk.checkout import Checkout, CardIdentity
from kiosk.config import Mode
from kiosk.journal.store import JournalStore
from kiosk.sales.order import LineItem, OrderDraft

class Provider:
    def pay(self, request, hooks):
        if sys.argv[2] == "after":
            hooks.before_card_commit(CardIdentity(pan_masked="623456******7890", pan_token="t"))
        print("at-card", flush=True)
        time.sleep(60)  # the card is thinking; the parent pulls the plug now

store = JournalStore(sys.argv[1], "TEST0001")
draft = OrderDraft(Mode.MARKET, (LineItem("VEG", "青菜", 1, 350),))
Checkout(store, Provider(), None, unattended=False).pay(draft, actor="cashier")
"""


@pytest.mark.parametrize(
    ("point", "state"), [("before", PaymentState.ABORTED), ("after", PaymentState.UNCERTAIN)]
)
def test_sigkill_during_card_work(tmp_path: Path, point: str, state: PaymentState) -> None:
    """SIGKILL while the card works: recovery marks it aborted (not asked) or uncertain (asked)."""
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, point], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "at-card"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    store = JournalStore(url, "TEST0001")
    resolved = recover_pending(store)
    assert list(resolved.values()) == [state]
    events = [e.event for e in store.entries()]
    assert events[:2] == ["order.created", "payment.pending"]
    assert events[-1] == f"payment.{state.value}"
    assert verify_journal(store).ok

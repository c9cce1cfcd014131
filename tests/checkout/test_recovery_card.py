"""Torn transactions settled by the card's own log: the card's balance tells the truth.

The card is the software PBOC card behind the in-process reader; the purchase is real
(GENERATE AC debits the EC balance); the journal is real SQLite. A crash is a card
pulled right after (or right before) GENERATE AC, or a child process killed there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.checkout import CardIdentity, Checkout, PaymentOutcome, PaymentVerdict, recover_pending
from kiosk.checkout.recovery import resolve_with_card, uncertain_payments
from kiosk.config import Mode
from kiosk.journal.models import Order, OrderStatus, Payment, PaymentState, PrintJob
from kiosk.journal.store import JournalStore
from kiosk.journal.verify import verify_journal
from kiosk.payment.cardlog import read_card_log
from kiosk.payment.cardsim.base import VirtualCard
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.errors import CardRemovedError
from kiosk.payment.kernel.pan import mask_pan, pan_token
from kiosk.payment.reader import CardPresence, Interface
from kiosk.payment.reader.sim import SimReader
from kiosk.payment.tags import Tag
from kiosk.sales.order import LineItem, OrderDraft
from tests.payment.host.plain_terminal import TC, PlainTerminal

KEY = b"recovery-test-key"
DRAFT = OrderDraft(Mode.MARKET, (LineItem("VEG", "青菜", 1, 1_250),))


@dataclass
class CardWorkProvider:
    """Does a real offline EC purchase on the card; the card is pulled at ``pull``."""

    reader: SimReader
    pull: str = ""  # "", "before_ac" or "after_ac"

    def pay(self, request, hooks) -> PaymentOutcome:
        self.reader.wait_for_card(0)
        local = request.now.astimezone().replace(tzinfo=None)
        term = PlainTerminal(self.reader, request.amount_fen, when=local)
        term.start()
        hooks.before_card_commit(
            CardIdentity(
                pan_masked=mask_pan(term.pan),
                pan_token=pan_token(KEY, term.card),
                aid="A000000333010101",
                interface="contact",
            )
        )
        if self.pull == "before_ac":
            self.reader.remove()
        assert term.generate_ac(TC) == TC
        if self.pull == "after_ac":
            self.reader.remove()
            raise CardRemovedError("the card was pulled")
        return PaymentOutcome(PaymentVerdict.APPROVED, atc=term.atc, response_code="Y1")


@dataclass
class TapProvider:
    """A qPBOC tap: commit (no PAN known yet), GPO (the card decides and debits), pulled."""

    reader: SimReader
    debit: bool = True

    def pay(self, request, hooks) -> PaymentOutcome:
        self.reader.wait_for_card(0)
        local = request.now.astimezone().replace(tzinfo=None)
        term = PlainTerminal(self.reader, request.amount_fen, when=local)
        # TTQ: qPBOC, no online cryptogram required, so the card may approve offline.
        term.values[Tag.TTQ] = bytes.fromhex("26000000")
        hooks.before_card_commit(CardIdentity(aid="A000000333010101", interface="contactless"))
        if self.debit:
            term.select("A000000333010101")
            term.gpo()
        self.reader.remove()
        raise CardRemovedError("the card left the field")


def _present(card: VirtualCard) -> tuple[SimReader, CardPresence]:
    reader = SimReader(card)
    return reader, reader.wait_for_card(0)


def _balance(card: VirtualCard) -> int:
    log = read_card_log(_present(card)[0])
    assert log.ec is not None
    return log.ec.balance_fen


def _torn(store: JournalStore, card: VirtualCard, pull: str) -> int:
    reader = SimReader(card)
    result = Checkout(store, CardWorkProvider(reader, pull), None, unattended=False).pay(
        DRAFT, actor="cashier"
    )
    assert result.state is PaymentState.UNCERTAIN
    return result.payment_id


@pytest.mark.parametrize(
    ("pull", "state", "reason", "balance"),
    [
        ("after_ac", PaymentState.APPROVED, "recovery.card_log", 50_000 - 1_250),
        ("before_ac", PaymentState.DECLINED, "recovery.not_in_card_log", 50_000),
    ],
    ids=["debited", "not-debited"],
)
def test_card_log_settles_uncertain_payment(
    store: JournalStore, pull: str, state: PaymentState, reason: str, balance: int
) -> None:
    """Card pulled after/before GENERATE AC: presenting it again settles the payment truly."""
    card = load_card("debit-ec")
    pid = _torn(store, card, pull)
    assert [p.id for p in uncertain_payments(store)] == [pid]
    reader, presence = _present(card)
    [res] = resolve_with_card(store, reader, presence, token_key=KEY)
    assert (res.payment_id, res.state, res.reason) == (pid, state, reason)
    assert _balance(card) == balance
    assert uncertain_payments(store) == []
    with store.read() as s:
        payment = s.get(Payment, pid)
        assert payment is not None and payment.state is state and payment.reason == reason
        order = s.scalars(select(Order)).one()
        jobs = list(s.scalars(select(PrintJob.kind)))
    approved = state is PaymentState.APPROVED
    assert (order.status is OrderStatus.PAID) is approved
    assert jobs == (["receipt"] if approved else [])
    events = [e.event for e in store.entries()]
    assert events[-1 - approved] == f"payment.{state.value}"
    assert verify_journal(store).ok
    # Presenting the card again changes nothing: nothing is charged or booked twice.
    reader, presence = _present(card)
    assert resolve_with_card(store, reader, presence, token_key=KEY) == []
    assert len(store.entries()) == len(events)


def _tap(store: JournalStore, card: VirtualCard, *, debit: bool) -> int:
    reader = SimReader(card, interface=Interface.CONTACTLESS)
    result = Checkout(store, TapProvider(reader, debit), None, unattended=False).pay(
        DRAFT, actor="kiosk"
    )
    assert result.state is PaymentState.UNCERTAIN
    return result.payment_id


def test_torn_tap_found_in_card_log(store: JournalStore) -> None:
    """A qPBOC tap torn after GPO has no token; the card's log entry approves it and names it."""
    card = load_card("qpboc-debit-ec")
    pid = _tap(store, card, debit=True)
    reader = SimReader(card, interface=Interface.CONTACTLESS)
    [res] = resolve_with_card(store, reader, reader.wait_for_card(0), token_key=KEY)
    assert (res.payment_id, res.state, res.reason) == (
        pid,
        PaymentState.APPROVED,
        "recovery.card_log",
    )
    with store.read() as s:
        payment = s.get(Payment, pid)
        assert payment is not None
        assert payment.pan_masked == "621234******0043" and len(payment.pan_token) == 64


def test_torn_tap_not_in_this_card_stays_uncertain(store: JournalStore) -> None:
    """A tokenless tap that this card's log does not show may be another card's: untouched."""
    card = load_card("qpboc-debit-ec")
    pid = _tap(store, card, debit=False)
    reader = SimReader(card, interface=Interface.CONTACTLESS)
    assert resolve_with_card(store, reader, reader.wait_for_card(0), token_key=KEY) == []
    assert [p.id for p in uncertain_payments(store)] == [pid]


def test_other_card_leaves_payment_uncertain(store: JournalStore) -> None:
    """Another card presented: the uncertain payment stays for reconciliation."""
    pid = _torn(store, load_card("debit-ec"), "after_ac")
    reader, presence = _present(load_card("pure-ec"))
    assert resolve_with_card(store, reader, presence, token_key=KEY) == []
    assert [p.id for p in uncertain_payments(store)] == [pid]


def test_one_log_entry_settles_one_payment(store: JournalStore) -> None:
    """Two torn payments of the same amount, one debit on the card: one approved, one declined."""
    card = load_card("debit-ec")
    first = _torn(store, card, "after_ac")
    second = _torn(store, card, "before_ac")
    reader, presence = _present(card)
    resolutions = resolve_with_card(store, reader, presence, token_key=KEY)
    assert {(r.payment_id, r.state) for r in resolutions} == {
        (first, PaymentState.APPROVED),
        (second, PaymentState.DECLINED),
    }
    assert _balance(card) == 50_000 - 1_250


def test_full_log_newer_than_payment_stays_uncertain(store: JournalStore) -> None:
    """A full cyclic log whose oldest entry is newer than the payment proves nothing."""
    card = load_card("debit-ec")
    pid = _torn(store, card, "before_ac")
    # Fill the card's 10-record log with later purchases.
    for _ in range(10):
        reader, _p = _present(card)
        term = PlainTerminal(reader, 100)
        term.start()
        term.generate_ac(TC)
    with store.transaction() as tx:  # the torn payment happened long before those
        payment = tx.session.get(Payment, pid)
        assert payment is not None
        payment.card_committed_at = payment.created_at = payment.created_at.replace(year=2020)
    reader, presence = _present(card)
    [res] = resolve_with_card(store, reader, presence, token_key=KEY)
    assert (res.state, res.reason) == (PaymentState.UNCERTAIN, "recovery.log_inconclusive")
    assert [p.id for p in uncertain_payments(store)] == [pid]


CHILD = """
import sys, time
from kiosk.checkout import Checkout
from kiosk.journal.store import JournalStore
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.reader.sim import SimReader
from tests.checkout.test_recovery_card import DRAFT, CardWorkProvider

class Dying(CardWorkProvider):
    def pay(self, request, hooks):
        if sys.argv[3] == "before_ac":
            self.pull = "before_ac"
            try:
                super().pay(request, hooks)
            except Exception:
                pass
        else:
            super().pay(request, hooks)
        print("at-card", flush=True)
        time.sleep(60)  # the parent kills the process now

store = JournalStore(sys.argv[1], "TEST0001")
card = load_card("debit-ec", state_dir=sys.argv[2])
Checkout(store, Dying(SimReader(card)), None, unattended=False).pay(DRAFT, actor="cashier")
"""


@pytest.mark.parametrize(
    ("point", "state"),
    [("after_ac", PaymentState.APPROVED), ("before_ac", PaymentState.DECLINED)],
    ids=["killed-after-debit", "killed-before-debit"],
)
def test_killed_process_then_card_presented(
    tmp_path: Path, point: str, state: PaymentState
) -> None:
    """SIGKILL around GENERATE AC: start-up marks it uncertain; the card's log settles it."""
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    state_dir = tmp_path / "cards"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(state_dir), point],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "at-card"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    store = JournalStore(url, "TEST0001")
    try:
        assert list(recover_pending(store).values()) == [PaymentState.UNCERTAIN]
        card = load_card("debit-ec", state_dir=state_dir)
        reader, presence = _present(card)
        [res] = resolve_with_card(store, reader, presence, token_key=KEY)
        assert res.state is state
        expected = 50_000 - 1_250 if state is PaymentState.APPROVED else 50_000
        assert _balance(card) == expected
        assert verify_journal(store).ok
    finally:
        store.dispose()

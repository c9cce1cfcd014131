"""Sales through real pcscd + vpcd: `kiosk card-sim --remove-after N` for every N.

The card runs in a `kiosk card-sim` subprocess with its state on disk; the kiosk side is
``Checkout`` + ``CardPaymentProvider`` on the PC/SC reader, SQLite underneath. Each pull
must end aborted (before the commit point) or uncertain (after it), and presenting the
card again must settle every uncertain payment the way the card's balance says.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.checkout import Checkout
from kiosk.checkout.card_provider import CardPaymentProvider
from kiosk.checkout.recovery import resolve_with_card, uncertain_payments
from kiosk.config import Mode
from kiosk.journal.models import PaymentState
from kiosk.journal.store import JournalStore
from kiosk.journal.verify import verify_journal
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardlog import read_card_log
from kiosk.payment.kernel.types import TerminalConfig
from kiosk.payment.reader import Interface
from kiosk.payment.reader.pcsc import PcscReader
from kiosk.sales.order import LineItem, OrderDraft
from tests.checkout.conftest import states_after_pull
from tests.payment.conftest import PULL_GRACE_S

DRAFT = OrderDraft(Mode.MARKET, (LineItem("VEG", "青菜", 1, 1_250),))
CONFIG = TerminalConfig()


def _sale(store: JournalStore, slot: str, capk: CaKeyStore):
    reader = PcscReader(slot, interface=Interface.CONTACT, removal_grace=PULL_GRACE_S)
    provider = CardPaymentProvider(reader, CONFIG, capk=capk, card_timeout_s=5)
    try:
        return Checkout(store, provider, None, unattended=False).pay(DRAFT, actor="kiosk"), reader
    finally:
        reader.close()


def _settle(store: JournalStore, slot: str) -> tuple[list, int]:
    """Present the card (already served) and resolve; return resolutions and its balance."""
    reader = PcscReader(slot, interface=Interface.CONTACT)
    try:
        presence = reader.wait_for_card(5)
        resolutions = resolve_with_card(store, reader, presence, token_key=CONFIG.pan_token_key)
        log = read_card_log(reader)  # same presentation: a --tap card leaves at power-off
    finally:
        reader.close()
    assert log.ec is not None
    return resolutions, log.ec.balance_fen


@pytest.mark.slow
def test_pull_after_every_apdu_through_pcscd(
    card_sim, wait_slot, pcscd: str, tmp_path: Path
) -> None:
    """For every N: aborted before the commit point, uncertain after, and the card's log
    settles each uncertain payment to what its balance shows."""
    capk = CaKeyStore.load(allow_test_keys=True)
    full_state = tmp_path / "full"
    card_sim("--profile", "debit-ec", "--state-dir", str(full_state), "--tap")
    store = JournalStore(f"sqlite:///{tmp_path / 'full.db'}", "TEST0001")
    full, reader = _sale(store, pcscd, capk)
    store.dispose()
    assert full.state is PaymentState.APPROVED
    commands = [e.command for e in reader.trace.entries]
    total = len(commands)
    gen_ac = next(i for i, c in enumerate(commands, 1) if c.startswith("80AE"))
    wait_slot(present=False, timeout=10)
    for n in range(1, total):
        state = tmp_path / f"card{n}"
        card_sim("--profile", "debit-ec", "--state-dir", str(state), "--remove-after", str(n))
        store = JournalStore(f"sqlite:///{tmp_path / f'n{n}.db'}", "TEST0001")
        result, _ = _sale(store, pcscd, capk)
        wait_slot(present=False, timeout=10)
        debited = n >= gen_ac
        allowed = states_after_pull(n, gen_ac)
        assert result.state in allowed, f"pulled after APDU {n}: {result.reason}"
        card_sim("--profile", "debit-ec", "--state-dir", str(state), "--tap")
        resolutions, balance = _settle(store, pcscd)
        wait_slot(present=False, timeout=10)
        assert balance == 50_000 - 1_250 * debited, f"pulled after APDU {n}"
        if result.state is PaymentState.UNCERTAIN:
            settled = PaymentState.APPROVED if debited else PaymentState.DECLINED
            assert [r.state for r in resolutions] == [settled], f"pulled after APDU {n}"
        else:
            assert resolutions == []
        assert uncertain_payments(store) == []
        assert verify_journal(store).ok
        store.dispose()

"""Whole sales through ``Checkout`` with ``CardPaymentProvider``, the kernel and the card simulator.

Real parts throughout: the kernel, the software card behind the in-process reader, the
issuer simulator, SQLite. The card's own balance and log are read back after each sale,
so the journal is checked against what the card really did.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.checkout import Checkout
from kiosk.checkout.card_provider import CardPaymentProvider
from kiosk.checkout.recovery import resolve_with_card, uncertain_payments
from kiosk.config import Mode
from kiosk.journal.models import Payment, PaymentState
from kiosk.journal.store import JournalStore
from kiosk.journal.verify import verify_journal
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardlog import read_card_log
from kiosk.payment.cardsim.base import VirtualCard
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.host.issuer_sim import HostFault, IssuerSimulator, LedgerState
from kiosk.payment.kernel.types import OnlinePolicy, TerminalConfig
from kiosk.payment.reader import Interface
from kiosk.payment.reader.sim import SimReader
from kiosk.sales.order import LineItem, OrderDraft
from tests.checkout.conftest import TestPrinter, states_after_pull

CONFIG = TerminalConfig()
PANS = {"debit-ec": "6212340000000019", "credit": "6212340000000027"}


@pytest.fixture(scope="module")
def capk() -> CaKeyStore:
    return CaKeyStore.load(allow_test_keys=True)


def _draft(fen: int) -> OrderDraft:
    return OrderDraft(Mode.MARKET, (LineItem("VEG", "青菜", 1, fen),))


def _sale(
    store: JournalStore,
    card: VirtualCard,
    fen: int,
    capk: CaKeyStore,
    *,
    host: IssuerSimulator | None = None,
    config: TerminalConfig = CONFIG,
    interface: Interface = Interface.CONTACT,
    remove_after: int | None = None,
    printer: TestPrinter | None = None,
):
    reader = SimReader(interface=interface)
    reader.insert(card, remove_after=remove_after)
    provider = CardPaymentProvider(reader, config, capk=capk, host=host, card_timeout_s=1)
    checkout = Checkout(store, provider, printer, unattended=printer is not None)
    return checkout.pay(_draft(fen), actor="kiosk"), reader


def _payment(store: JournalStore, pid: int) -> Payment:
    with store.read() as s:
        p = s.get(Payment, pid)
        assert p is not None
        return p


def _balance(card: VirtualCard) -> int | None:
    reader = SimReader(card)
    reader.wait_for_card(0)
    log = read_card_log(reader)
    return None if log.ec is None else log.ec.balance_fen


def test_ec_sale_end_to_end(
    store: JournalStore, capk: CaKeyStore, printer: TestPrinter, tmp_path: Path
) -> None:
    """An EC purchase: approved offline, journalled with masked PAN, card debited exactly."""
    card = load_card("debit-ec", state_dir=tmp_path)
    result, _ = _sale(store, card, 1_250, capk, printer=printer)
    assert result.state is PaymentState.APPROVED and result.unprinted == 0
    p = _payment(store, result.payment_id)
    assert (p.path, p.response_code, p.cid) == ("ec_offline", "Y1", "40")
    assert (p.pan_masked, p.aid) == ("621234******0019", "A000000333010101")
    assert (p.ec_balance_before_fen, p.ec_balance_after_fen) == (50_000, 48_750)
    assert p.card_data["9F26"] == p.cryptogram and len(p.pan_token) == 64
    assert _balance(load_card("debit-ec", state_dir=tmp_path)) == 48_750
    assert [j.kind for j in printer.printed] == ["receipt"]
    entries = json.dumps([e.payload for e in store.entries()], ensure_ascii=False)
    assert PANS["debit-ec"] not in entries and PANS["debit-ec"] not in json.dumps(p.card_data)
    assert verify_journal(store).ok


def test_qpboc_sale(store: JournalStore, capk: CaKeyStore) -> None:
    """A contactless qPBOC tap is approved offline and the card's balance drops."""
    card = load_card("qpboc-debit-ec")
    result, _ = _sale(store, card, 990, capk, interface=Interface.CONTACTLESS)
    assert result.state is PaymentState.APPROVED
    assert _payment(store, result.payment_id).path == "qpboc_offline"
    assert _balance(card) == 30_000 - 990


def test_online_sale_through_issuer(store: JournalStore, capk: CaKeyStore) -> None:
    """A credit card goes online: approved 00 by the issuer simulator, booked once."""
    host = IssuerSimulator()
    result, _ = _sale(store, load_card("credit"), 45_600, capk, host=host)
    assert result.state is PaymentState.APPROVED
    p = _payment(store, result.payment_id)
    assert (p.path, p.response_code) == ("online", "00")
    [entry] = host.ledger
    assert (entry.state, entry.amount_fen) == (LedgerState.APPROVED, 45_600)


def test_card_declining_after_approval_is_reversed(store: JournalStore, capk: CaKeyStore) -> None:
    """The host approves with an ARPC the card rejects: declined, and the approval reversed."""
    host = IssuerSimulator()
    host.fault = HostFault.BAD_ARPC
    result, _ = _sale(store, load_card("credit"), 45_600, capk, host=host)
    assert result.state is PaymentState.DECLINED
    [entry] = host.ledger
    assert (entry.state, entry.reversal_reason) == (
        LedgerState.REVERSED,
        "card.declined_after_approval",
    )


def _poor(host: IssuerSimulator) -> IssuerSimulator:
    host.set_balance(PANS["credit"], "01", 100)
    return host


@pytest.mark.parametrize(
    ("profile", "fen", "host", "reason"),
    [
        ("broken-ec-low-balance", 1_250, None, "card.ec_balance_low"),
        ("pure-ec", 30_000, None, "card.ec_balance_low"),
        ("credit", 45_600, lambda: _poor(IssuerSimulator()), "host.declined"),
        # no host: an offline-only terminal, the default action codes decline (Z1)
        ("credit", 45_600, None, "card.declined"),
    ],
    ids=["ec-balance-low", "pure-ec-over-balance", "issuer-51", "no-host"],
)
def test_declines(
    store: JournalStore, capk: CaKeyStore, *, profile: str, fen: int, host, reason: str
) -> None:
    """Each decline ends *declined* with a customer-readable reason; no balance moves."""
    card = load_card(profile)
    before = _balance(card)
    result, _ = _sale(store, card, fen, capk, host=host() if host else None)
    assert (result.state, result.reason) == (PaymentState.DECLINED, reason)
    assert _balance(card) == before


def test_host_down_then_offline_ec(store: JournalStore, capk: CaKeyStore) -> None:
    """The host failing marks it down; the next sale completes offline on EC meanwhile."""
    host = IssuerSimulator()
    host.fault = HostFault.UNREACHABLE
    config = TerminalConfig(floor_limit_fen=0, online=OnlinePolicy.AUTO)
    card = load_card("debit-ec")
    reader = SimReader()
    provider = CardPaymentProvider(reader, config, capk=capk, host=host, card_timeout_s=1)
    checkout = Checkout(store, provider, None, unattended=False)
    reader.insert(card)
    checkout.pay(_draft(700), actor="kiosk")
    assert provider.host is not None and not provider.host.up
    assert provider.host.last_error == "host.unreachable"
    reader.insert(card)
    result = checkout.pay(_draft(500), actor="kiosk")
    assert result.state is PaymentState.APPROVED
    assert _payment(store, result.payment_id).path == "ec_offline"
    assert host.ledger == []


def _gen_ac_index(reader: SimReader) -> int:
    """1-based position of the first GENERATE AC among the wire commands."""
    commands = [e.command for e in reader.trace.entries]
    return next(i for i, c in enumerate(commands, 1) if c.startswith("80AE"))


def test_card_removed_after_every_apdu(tmp_path: Path, capk: CaKeyStore) -> None:
    """Card pulled after each APDU N: aborted before the commit point, uncertain after it;
    presenting the card again settles each uncertain payment as the card's balance says."""
    store = JournalStore(f"sqlite:///{tmp_path / 'full.db'}", "TEST0001")
    full, reader = _sale(store, load_card("debit-ec"), 1_250, capk)
    assert full.state is PaymentState.APPROVED
    total, gen_ac = len(reader.trace.entries), _gen_ac_index(reader)
    store.dispose()
    for n in range(1, total):
        store = JournalStore(f"sqlite:///{tmp_path / f'n{n}.db'}", "TEST0001")
        card = load_card("debit-ec")
        result, _ = _sale(store, card, 1_250, capk, remove_after=n)
        # The commit point is right before GENERATE AC: from the command before it on,
        # the card may have been asked. Once the TC is in hand, losing the balance read
        # that follows still approves.
        debited = n >= gen_ac
        allowed = states_after_pull(n, gen_ac)
        assert result.state in allowed, f"removed after APDU {n}"
        assert _balance(card) == 50_000 - 1_250 * debited, f"removed after APDU {n}"
        if result.state is PaymentState.UNCERTAIN:
            presented = SimReader(card)
            [res] = resolve_with_card(
                store, presented, presented.wait_for_card(0), token_key=CONFIG.pan_token_key
            )
            settled = PaymentState.APPROVED if debited else PaymentState.DECLINED
            assert res.state is settled, f"removed after APDU {n}"
            assert uncertain_payments(store) == []
        assert verify_journal(store).ok
        store.dispose()


def test_tap_removed_after_every_apdu(tmp_path: Path, capk: CaKeyStore) -> None:
    """qPBOC: card leaves the field after each APDU N: aborted before the GPO commit point,
    else uncertain or finished; the card's log then settles it as its balance says."""
    store = JournalStore(f"sqlite:///{tmp_path / 'full.db'}", "TEST0001")
    card = load_card("qpboc-debit-ec")
    full, reader = _sale(store, card, 990, capk, interface=Interface.CONTACTLESS)
    assert full.state is PaymentState.APPROVED
    commands = [e.command for e in reader.trace.entries]
    total = len(commands)
    gpo = next(i for i, c in enumerate(commands, 1) if c.startswith("80A8"))
    store.dispose()
    for n in range(1, total):
        store = JournalStore(f"sqlite:///{tmp_path / f'n{n}.db'}", "TEST0001")
        card = load_card("qpboc-debit-ec")
        result, _ = _sale(store, card, 990, capk, interface=Interface.CONTACTLESS, remove_after=n)
        debited = n >= gpo
        assert _balance(card) == 30_000 - 990 * debited, f"removed after APDU {n}"
        if n < gpo - 1:
            assert result.state is PaymentState.ABORTED, f"removed after APDU {n}"
        elif result.state is PaymentState.UNCERTAIN:
            presented = SimReader(card, interface=Interface.CONTACTLESS)
            resolutions = resolve_with_card(
                store, presented, presented.wait_for_card(0), token_key=CONFIG.pan_token_key
            )
            states = [r.state for r in resolutions]
            if debited:
                assert states == [PaymentState.APPROVED], f"removed after APDU {n}"
            else:  # no PAN was known and no entry matches: another card may have been tapped
                assert [p.id for p in uncertain_payments(store)] == [result.payment_id]
        else:
            assert result.state is PaymentState.APPROVED and debited, f"removed after APDU {n}"
        assert verify_journal(store).ok
        store.dispose()


def test_issuer_script_results_and_final_tvr_reach_the_journal(
    store: JournalStore, capk: CaKeyStore
) -> None:
    """An online sale whose issuer answer carries an EC load script: the script results
    (9F5B / DF31), the TVR and the TSI after the second GENERATE AC are in the payment's
    card data and its journal entry, for the acquirer's TC upload and script advice."""
    host = IssuerSimulator()
    host.queue_ec_load(PANS["debit-ec"], "01", 10_000)
    config = TerminalConfig(floor_limit_fen=0, online=OnlinePolicy.AUTO)
    result, _ = _sale(store, load_card("debit-ec"), 45_600, capk, host=host, config=config)
    assert result.state is PaymentState.APPROVED
    p = _payment(store, result.payment_id)
    assert p.card_data["script_results"][:2] == "20" and len(p.card_data["script_results"]) == 10
    assert p.card_data["DF31"] == p.card_data["script_results"]
    [entry] = [e.payload for e in store.entries() if e.event == "payment.approved"]
    assert (entry["tvr"], entry["tsi"]) == (p.card_data["tvr"], p.card_data["tsi"])
    assert entry["script_results"] == p.card_data["script_results"]
    assert int(entry["tsi"], 16) & 0x0400  # TSI 'script processing performed'

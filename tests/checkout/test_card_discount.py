"""Card discounts priced once the card is read, before it is asked to approve.

Real parts: ``Checkout`` with ``CardPaymentProvider``, the kernel, the software card in the
in-process reader, SQLite, and the receipt rendered to ESC/POS bytes from the journal.
The card's own EC balance is read back, so the discount is checked against what the card
really debited. The simulator's PANs start 621234, the demo catalog's ``COBRAND`` BIN.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import pytest

from kiosk.checkout import Checkout, CheckoutResult
from kiosk.checkout.card_provider import CardPaymentProvider
from kiosk.checkout.documents import SlipSettings, render_job, ticket_key
from kiosk.checkout.recovery import resolve_with_card
from kiosk.config import load_settings
from kiosk.journal.models import Order, Payment, PaymentState
from kiosk.journal.store import JournalStore
from kiosk.journal.verify import verify_journal
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardlog import read_card_log
from kiosk.payment.cardsim.base import VirtualCard
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.errors import CardRemovedError
from kiosk.payment.host.issuer_sim import IssuerSimulator
from kiosk.payment.kernel.types import TerminalConfig
from kiosk.payment.reader import Interface
from kiosk.payment.reader.sim import SimReader
from kiosk.printing.document import PaperWidth
from kiosk.printing.escpos import PrinterProfile, render_escpos
from kiosk.printing.layouts import Lang
from kiosk.sales.order import OrderDraft
from kiosk.sales.tickets import CardDiscount, Catalog, DiscountKind, load_catalog
from tests.checkout.conftest import TestPrinter
from tests.payment.kernel.cards import Rewriting
from tests.printing.escpos_stream import decode

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
DEMO = load_catalog()
#: The demo's rules, but the co-branded card of another bank: the e-cash rule alone applies.
OTHER_COBRAND = dataclasses.replace(
    DEMO,
    discounts=tuple(
        dataclasses.replace(d, bin_prefixes=("625678",)) if d.bin_prefixes else d
        for d in DEMO.discounts
    ),
)
#: The demo's rules plus ¥5 off for UnionPay debit by AID (the only kind a tap can get).
WITH_AID = dataclasses.replace(
    DEMO,
    discounts=(
        *DEMO.discounts,
        CardDiscount(
            "UPDEBIT",
            "银联借记卡立减5元",
            "UnionPay debit ¥5 off",
            DiscountKind.FIXED,
            500,
            aids=("A000000333010101",),
        ),
    ),
)


@pytest.fixture(scope="module")
def capk() -> CaKeyStore:
    return CaKeyStore.load(allow_test_keys=True)


def _draft(catalog: Catalog, **cart: int) -> OrderDraft:
    return catalog.order(cart, visit_day=date(2026, 11, 27))


def _sell(
    store: JournalStore,
    card: VirtualCard | Rewriting,
    draft: OrderDraft,
    capk: CaKeyStore,
    *,
    catalog: Catalog | None = DEMO,
    interface: Interface = Interface.CONTACT,
    remove_after: int | None = None,
    printer: TestPrinter | None = None,
    host: IssuerSimulator | None = None,
) -> CheckoutResult:
    reader = SimReader(interface=interface)
    reader.insert(card, remove_after=remove_after)
    provider = CardPaymentProvider(reader, TerminalConfig(), capk=capk, host=host, card_timeout_s=1)
    checkout = Checkout(store, provider, printer, unattended=printer is not None, clock=lambda: NOW)
    pricing = None if catalog is None else partial(catalog.priced_for, draft)
    return checkout.pay(draft, actor="kiosk", pricing=pricing)


def _balance(card: VirtualCard) -> int:
    reader = SimReader(card)
    reader.wait_for_card(0)
    log = read_card_log(reader)
    assert log.ec is not None
    return log.ec.balance_fen


def _events(store: JournalStore) -> list[str]:
    return [e.event for e in store.entries()]


def _rows(store: JournalStore, result: CheckoutResult) -> tuple[Order, Payment]:
    with store.read() as s:
        order, payment = s.get(Order, result.order_id), s.get(Payment, result.payment_id)
        assert order is not None and payment is not None
        return order, payment


def _receipt_lines(printer: TestPrinter) -> list[str]:
    """The printed receipt as ESC/POS bytes from the journal, decoded back to its lines."""
    slip = SlipSettings(
        "测试景区", "TEST0001", Lang.ZH, PaperWidth.MM80, ticket_key(load_settings(environ={}))
    )
    [job] = [j for j in printer.printed if j.kind == "receipt"]
    data = render_escpos(render_job(job, slip, now=NOW), PrinterProfile())
    return decode(data).lines


def test_contact_ec_cobrand_discount_charges_the_discounted_total(
    store: JournalStore, capk: CaKeyStore, printer: TestPrinter, tmp_path: Path
) -> None:
    """Co-brand 10 % on ¥120: the card pays ¥108 from e-cash, journal and receipt agree."""
    card = load_card("debit-ec", state_dir=tmp_path)
    result = _sell(store, card, _draft(DEMO, ADULT=2), capk, printer=printer)
    assert result.state is PaymentState.APPROVED
    assert result.draft is not None and result.draft.meta["discount"]["code"] == "COBRAND"
    assert (result.draft.discount_fen, result.draft.total_fen) == (1_200, 10_800)
    assert _balance(load_card("debit-ec", state_dir=tmp_path)) == 50_000 - 10_800
    order, payment = _rows(store, result)
    assert (order.subtotal_fen, order.discount_fen, order.total_fen) == (12_000, 1_200, 10_800)
    assert order.meta["discount"]["code"] == "COBRAND" and payment.amount_fen == 10_800
    assert (payment.ec_balance_before_fen, payment.ec_balance_after_fen) == (50_000, 39_200)
    events = _events(store)
    assert events.index("payment.pending") < events.index("order.discounted")
    assert events.index("order.discounted") < events.index("payment.card_commit")
    [discounted] = [e for e in store.entries() if e.event == "order.discounted"]
    assert (discounted.payload["total_fen"], discounted.payload["previous_total_fen"]) == (
        10_800,
        12_000,
    )
    lines = _receipt_lines(printer)
    assert any("优惠" in line and "-¥12.00" in line for line in lines)
    assert any("合计" in line and "¥108.00" in line for line in lines)
    assert not any("¥120.00" in line and "合计" in line for line in lines)
    assert verify_journal(store).ok


def test_ecash_discount_without_the_cobrand_bin(store: JournalStore, capk: CaKeyStore) -> None:
    """An EC card outside the co-brand BIN gets the e-cash ¥2 off, debited exactly."""
    card = load_card("debit-ec")
    result = _sell(store, card, _draft(OTHER_COBRAND, CHILD=1), capk, catalog=OTHER_COBRAND)
    assert result.state is PaymentState.APPROVED
    assert result.draft is not None and result.draft.meta["discount"]["code"] == "ECASH"
    assert result.draft.total_fen == 2_800
    assert _balance(card) == 50_000 - 2_800
    assert result.outcome is not None and result.outcome.card_data["apdu_count"] == 25


def _apdus(result: CheckoutResult) -> int:
    assert result.outcome is not None
    return result.outcome.card_data["apdu_count"]


def test_no_matching_discount_no_restart(store: JournalStore, capk: CaKeyStore) -> None:
    """A credit card (no e-cash) outside the co-brand BIN: full price, the same APDUs as a
    sale without card pricing, no ``order.discounted``."""
    host = IssuerSimulator()
    draft = _draft(OTHER_COBRAND, ADULT=1)
    plain = _sell(store, load_card("credit"), draft, capk, catalog=None, host=host)
    priced = _sell(store, load_card("credit"), draft, capk, catalog=OTHER_COBRAND, host=host)
    assert plain.state is priced.state is PaymentState.APPROVED
    assert priced.draft == draft and _rows(store, priced)[1].amount_fen == 6_000
    assert _apdus(priced) == _apdus(plain)
    assert "order.discounted" not in _events(store)


def test_contactless_gets_the_aid_discount_not_the_bin_one(
    store: JournalStore, capk: CaKeyStore
) -> None:
    """A tap is priced by its AID only: ¥5 off (the larger co-brand 10 % needs the card
    inserted), and the card's balance drops by exactly the discounted total."""
    card = load_card("qpboc-debit-ec")
    draft = _draft(WITH_AID, ADULT=1)
    result = _sell(store, card, draft, capk, catalog=WITH_AID, interface=Interface.CONTACTLESS)
    assert result.state is PaymentState.APPROVED
    assert result.draft is not None and result.draft.meta["discount"]["code"] == "UPDEBIT"
    assert result.draft.total_fen == 5_500
    assert _balance(card) == 30_000 - 5_500
    contact = _sell(store, load_card("debit-ec"), draft, capk, catalog=WITH_AID)
    assert contact.draft is not None and contact.draft.meta["discount"]["code"] == "COBRAND"


@pytest.mark.parametrize("n", [13, 15, 21], ids=["after-select", "after-1st-record", "last-record"])
def test_card_pulled_during_restart_aborts(store: JournalStore, capk: CaKeyStore, n: int) -> None:
    """The card leaves during the restart: aborted, nothing charged, never asked to approve."""
    card = load_card("debit-ec")
    result = _sell(store, card, _draft(DEMO, ADULT=2), capk, remove_after=n)
    assert result.state is PaymentState.ABORTED
    assert _balance(card) == 50_000
    events = _events(store)
    assert "order.discounted" in events and "payment.card_commit" not in events
    assert _rows(store, result)[1].amount_fen == 10_800


def test_a_higher_price_is_refused_before_the_card_is_asked(
    store: JournalStore, capk: CaKeyStore
) -> None:
    """A pricing that raises the total: aborted with ``usage.reprice`` before the restart,
    nothing journalled as discounted, nothing charged."""
    card = load_card("debit-ec")
    full = _draft(DEMO, ADULT=1)
    draft = OrderDraft(full.mode, full.lines, discount_fen=500)  # an order-level discount
    dearer = OrderDraft(full.mode, full.lines)  # the card pricing drops it: dearer
    reader = SimReader()
    reader.insert(card)
    provider = CardPaymentProvider(reader, TerminalConfig(), capk=capk, card_timeout_s=1)
    result = Checkout(store, provider, None, unattended=False).pay(
        draft, actor="kiosk", pricing=lambda _card: dearer
    )
    assert (result.state, result.reason) == (PaymentState.ABORTED, "usage.reprice")
    assert "order.discounted" not in _events(store)
    assert _balance(card) == 50_000


def test_torn_discounted_sale_settles_at_the_discounted_amount(
    store: JournalStore, capk: CaKeyStore
) -> None:
    """The card debits the discounted total but its answer is lost: uncertain, and the
    card's log (same amount as the pending row) settles it approved."""
    card = load_card("debit-ec")
    reader = SimReader()

    def lose_the_answer(apdu: bytes, answer: bytes) -> bytes | None:
        if apdu[:2] == bytes.fromhex("80ae"):
            reader.remove()
            raise CardRemovedError("the card was pulled")
        return None

    reader.insert(Rewriting(card, [lose_the_answer]))
    provider = CardPaymentProvider(reader, TerminalConfig(), capk=capk, card_timeout_s=1)
    draft = _draft(DEMO, ADULT=2)
    result = Checkout(store, provider, None, unattended=False).pay(
        draft, actor="kiosk", pricing=partial(DEMO.priced_for, draft)
    )
    assert result.state is PaymentState.UNCERTAIN
    assert _balance(card) == 50_000 - 10_800
    again = SimReader(card)
    [settled] = resolve_with_card(
        store, again, again.wait_for_card(0), token_key=TerminalConfig().pan_token_key
    )
    assert (settled.payment_id, settled.state) == (result.payment_id, PaymentState.APPROVED)

"""Settlement from the journal: records per line, discounts spread, China-time periods, PDF."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pypdf import PdfReader

from kiosk.checkout import Checkout, PaymentOutcome, PaymentVerdict
from kiosk.checkout.card_provider import outcome_from_result
from kiosk.checkout.settlement import _tender_parts, day_period, transaction_records
from kiosk.cli import main
from kiosk.config import Mode
from kiosk.journal.models import Payment
from kiosk.journal.store import JournalStore
from kiosk.payment.kernel.types import Outcome as KernelOutcome
from kiosk.payment.kernel.types import TransactionResult
from kiosk.payment.reader import Interface
from kiosk.printing.records import PaymentPath, TxStatus
from kiosk.sales.order import LineItem, OrderDraft
from tests.checkout.conftest import ScriptedProvider

DAY = date(2026, 11, 27)


def _sell(
    store: JournalStore,
    when: datetime,
    outcome: PaymentVerdict = PaymentVerdict.APPROVED,
    path: str = "ec_offline",
) -> None:
    draft = OrderDraft(
        Mode.TICKET,
        (LineItem("ADULT", "成人票", 2, 6000), LineItem("CHILD", "儿童票", 1, 3000)),
        discount_fen=1001,
    )
    provider = ScriptedProvider(outcome=PaymentOutcome(outcome, path=path))
    Checkout(store, provider, None, unattended=False, clock=lambda: when).pay(draft, actor="k")


def test_records_add_up_to_what_was_paid(store: JournalStore) -> None:
    """Line records carry the discount in proportion and sum to the card amount exactly."""
    _sell(store, datetime(2026, 11, 27, 2, 0, tzinfo=UTC))
    records = list(transaction_records(store, day_period(DAY)))
    assert [r.product for r in records] == ["成人票", "儿童票"]
    assert sum(r.amount_fen for r in records) == 15000 - 1001
    assert {r.path for r in records} == {PaymentPath.OFFLINE_EC}
    assert records[0].time.hour == 10  # China time


@pytest.mark.parametrize(
    ("interface", "kernel_outcome", "electronic_cash", "column"),
    [
        (Interface.CONTACTLESS, KernelOutcome.APPROVED_OFFLINE, True, PaymentPath.OFFLINE_EC),
        (Interface.CONTACT, KernelOutcome.APPROVED_OFFLINE, True, PaymentPath.OFFLINE_EC),
        (Interface.CONTACT, KernelOutcome.APPROVED_OFFLINE, False, PaymentPath.OFFLINE),
        (Interface.CONTACT, KernelOutcome.APPROVED_ONLINE, False, PaymentPath.ONLINE),
        (Interface.CONTACTLESS, KernelOutcome.APPROVED_ONLINE, False, PaymentPath.ONLINE),
    ],
    ids=["qpboc-offline", "contact-ec", "contact-offline-tc", "contact-online", "qpboc-online"],
)
def test_settlement_column_is_how_the_card_approved(
    store: JournalStore,
    interface: Interface,
    kernel_outcome: KernelOutcome,
    electronic_cash: bool,
    column: PaymentPath,
) -> None:
    """qPBOC and contact offline approvals are settled as offline (they were printed as
    '联机 Online'); the path goes from the kernel's result through the journal."""
    result = TransactionResult(kernel_outcome, interface, electronic_cash=electronic_cash)
    path = outcome_from_result(result).path
    _sell(store, datetime(2026, 11, 27, 2, 0, tzinfo=UTC), path=path)
    assert {r.path for r in transaction_records(store, day_period(DAY))} == {column}


def test_period_is_the_china_day(store: JournalStore) -> None:
    """A sale at 17:00 UTC belongs to the next China day; declines are counted as declines."""
    _sell(store, datetime(2026, 11, 27, 17, 0, tzinfo=UTC))
    _sell(store, datetime(2026, 11, 27, 3, 0, tzinfo=UTC), PaymentVerdict.DECLINED)
    today = list(transaction_records(store, day_period(DAY)))
    assert {r.status for r in today} == {TxStatus.DECLINED}
    assert len(list(transaction_records(store, day_period(date(2026, 11, 28))))) == 2


def test_report_command_writes_the_day_pdf(store: JournalStore, tmp_path) -> None:
    """`kiosk report day` writes a PDF whose text carries the day's net total."""
    for hour in (1, 2, 3):
        _sell(store, datetime(2026, 11, 27, hour, 0, tzinfo=UTC))
    cfg = tmp_path / "k.toml"
    cfg.write_text(f'[terminal]\nid = "TEST0001"\n[journal]\nurl = "{store.url}"\n')
    out = tmp_path / "day.pdf"
    assert (
        main(["--config", str(cfg), "report", "day", "--date", "2026-11-27", "--out", str(out)])
        == 0
    )
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert "¥419.97" in text.replace(",", "")  # 3 x (150.00 - 10.01)


@given(st.lists(st.integers(1, 10**6), min_size=1, max_size=8), st.data())
def test_split_parts_fill_the_lines_exactly(nets: list[int], data: st.DataObject) -> None:
    """Whatever the lines, each line's parts add up to it, none is negative, and each
    path's total is its tender's (the card part under the card's path, cash under cash)."""
    total = sum(nets)
    assume(total >= 2)
    card = data.draw(st.integers(1, total - 1))
    tenders = [{"kind": "card", "fen": card}, {"kind": "cash", "fen": total - card}]
    payment = Payment(card_data={"tenders": tenders})
    lines = _tender_parts(payment, PaymentPath.ONLINE, nets)
    assert [sum(f for _, f in parts) for parts in lines] == nets
    assert all(f > 0 for parts in lines for _, f in parts)
    by_path = {p: sum(f for parts in lines for q, f in parts if q is p) for p in PaymentPath}
    assert (by_path[PaymentPath.ONLINE], by_path[PaymentPath.CASH]) == (card, total - card)

"""The market's use cases through the real journal, the kernel and the software card:
subsidies decided before the card approves, cash with change, split e-cash + cash,
refunds and the journal entries of sensitive actions. Receipts are rendered to ESC/POS
from the journal and decoded back."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import select

from kiosk.checkout import Checkout, CheckoutResult
from kiosk.checkout.card_provider import CardPaymentProvider
from kiosk.checkout.documents import JournalPrinter, SlipSettings, render_job, ticket_key
from kiosk.checkout.market import MarketDesk
from kiosk.checkout.provider import PaymentRequest
from kiosk.checkout.settlement import day_period, transaction_records
from kiosk.checkout.tenders import CashTender, TenderError, split_tenders
from kiosk.cli import main
from kiosk.config import load_settings
from kiosk.journal.models import Payment, PaymentState
from kiosk.journal.store import JournalStore
from kiosk.journal.verify import verify_journal
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.kernel.types import TerminalConfig
from kiosk.payment.reader import Interface
from kiosk.payment.reader.sim import SimReader
from kiosk.printing.document import PaperWidth
from kiosk.printing.escpos import PrinterProfile, render_escpos
from kiosk.printing.layouts import Lang
from kiosk.printing.printer import PreviewPrinter
from kiosk.printing.records import PaymentPath, Total, summarize
from kiosk.sales.market import Basket, Role, load_market
from kiosk.sales.order import OrderDraft
from kiosk.sales.subsidy import SubsidyKind, SubsidyRule
from kiosk.sales.tickets import CHINA, SaleError
from tests.checkout.conftest import TestPrinter
from tests.checkout.test_card_discount import _balance

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
MARKET = load_market()


@dataclass
class Counter:
    desk: MarketDesk
    reader: SimReader
    printer: TestPrinter
    #: The receipt printer as the terminal has it: its drawer port and the shift slip.
    drawer: PreviewPrinter


@pytest.fixture(scope="module")
def capk() -> CaKeyStore:
    return CaKeyStore.load(allow_test_keys=True)


@pytest.fixture
def counter(store: JournalStore, capk: CaKeyStore) -> Counter:
    reader = SimReader(interface=Interface.CONTACT)
    provider = CardPaymentProvider(reader, TerminalConfig(), capk=capk, card_timeout_s=1)
    printer = TestPrinter()
    checkout = Checkout(store, provider, printer, unattended=False, clock=lambda: NOW)
    drawer = PreviewPrinter(PrinterProfile())
    slip = SlipSettings(
        "测试市场", "TEST0001", Lang.ZH, PaperWidth.MM80, ticket_key(load_settings(environ={}))
    )
    desk = MarketDesk(store, checkout, MARKET, provider, JournalPrinter(drawer, slip), lambda: NOW)
    return Counter(desk, reader, printer, drawer)


def _three_weighed() -> OrderDraft:
    basket = Basket()
    basket.add_weighed(MARKET.item("102"), 1250)  # tomato 4.80/斤: ¥12.00
    basket.add_weighed(MARKET.item("101"), 375)  # bok choy 3.50/斤: 2.625 -> ¥2.63
    basket.add_weighed(MARKET.item("107"), 1333)  # aubergine 7.60/kg: 10.1308 -> ¥10.13
    return basket.draft()


def _receipt(printer: TestPrinter) -> list[str]:
    from tests.printing.escpos_stream import decode

    slip = SlipSettings(
        "测试市场", "TEST0001", Lang.ZH, PaperWidth.MM80, ticket_key(load_settings(environ={}))
    )
    job = [j for j in printer.printed if j.kind == "receipt"][-1]
    return decode(render_escpos(render_job(job, slip, now=NOW), PrinterProfile())).lines


def _payment(store: JournalStore, result: CheckoutResult) -> Payment:
    with store.read() as s:
        payment = s.get(Payment, result.payment_id)
        assert payment is not None
        return payment


def test_weighed_card_sale_gets_the_city_subsidy_once(counter: Counter, tmp_path: Path) -> None:
    """¥24.76 of weighed goods on the demo (city BIN) card: ¥2 off before the card approves,
    the card debited exactly ¥22.76; the receipt shows weights, unit prices and lines."""
    draft = _three_weighed()
    assert draft.total_fen == 1200 + 263 + 1013
    counter.reader.insert(load_card("debit-ec", state_dir=tmp_path))
    result = counter.desk.pay_card(draft, actor="C01")
    assert result.state is PaymentState.APPROVED
    assert result.draft is not None and result.draft.meta["discount"]["code"] == "CITY"
    assert result.draft.total_fen == 2476 - 200
    assert _balance(load_card("debit-ec", state_dir=tmp_path)) == 50_000 - 2276
    lines = _receipt(counter.printer)
    for text in ("2.500斤 × ¥4.80/斤", "0.750斤 × ¥3.50/斤", "1.333kg × ¥7.60/kg"):
        assert any(text in line for line in lines), text
    assert any("西红柿" in line and "¥12.00" in line for line in lines)
    assert any("合计" in line and "¥22.76" in line for line in lines)
    # the same card again: the city subsidy is once a day; ¥1 off ¥10 or more instead
    counter.reader.insert(load_card("debit-ec", state_dir=tmp_path))
    again = counter.desk.pay_card(draft, actor="C01")
    assert again.draft is not None and again.draft.meta["discount"]["code"] == "EC5"
    assert again.draft.discount_fen == 124  # 5 % of ¥24.76, half up
    grants = counter.desk.granted_today()
    assert [(g.rule, g.fen) for g in grants] == [("CITY", 200), ("EC5", 124)]
    assert grants[0].pan_token and grants[0].pan_token == grants[1].pan_token
    assert verify_journal(counter.desk.store).ok


def test_declined_sale_spends_no_budget(counter: Counter, tmp_path: Path) -> None:
    """The low-balance card declines offline: its subsidy was decided but not spent."""
    counter.reader.insert(load_card("broken-ec-low-balance", state_dir=tmp_path))
    result = counter.desk.pay_card(_three_weighed(), actor="C01")
    assert result.state is not PaymentState.APPROVED
    assert counter.desk.granted_today() == []


def test_cash_sale_with_change_opens_the_drawer(counter: Counter) -> None:
    basket = Basket()
    basket.add_count(MARKET.item("401"), 2)
    basket.add_weighed(MARKET.item("301"), 1000)  # eggs 5.90/斤 × 2 jin
    result = counter.desk.pay_cash(basket.draft(), 5000, actor="C01")
    assert result.state is PaymentState.APPROVED
    payment = _payment(counter.desk.store, result)
    assert payment.path == "cash" and payment.amount_fen == 1780
    assert payment.card_data["tenders"] == [
        {"kind": "cash", "fen": 1780, "tendered_fen": 5000, "change_fen": 3220}
    ]
    assert counter.drawer.drawer_kicks == 1
    lines = _receipt(counter.printer)
    assert any("找零" in line and "¥32.20" in line for line in lines)
    assert any("实收" in line and "¥50.00" in line for line in lines)
    events = [(e.event, e.actor) for e in counter.desk.store.entries()]
    assert ("drawer.opened", "C01") in events


def test_short_cash_is_refused_before_the_journal(counter: Counter) -> None:
    before = len(counter.desk.store.entries())
    with pytest.raises(TenderError) as info:
        counter.desk.pay_cash(_three_weighed(), 1000, actor="C01")
    assert info.value.code == "tender.short"
    assert len(counter.desk.store.entries()) == before and counter.drawer.drawer_kicks == 0


def test_split_ec_and_cash_when_the_balance_is_short(counter: Counter, tmp_path: Path) -> None:
    """The card holds ¥1.00: it pays that from e-cash, the rest is cash, the parts add up."""
    draft = _three_weighed()
    counter.reader.insert(load_card("broken-ec-low-balance", state_dir=tmp_path))
    result = counter.desk.pay_split(draft, 100, 3000, actor="C01")
    assert result.state is PaymentState.APPROVED
    assert _balance(load_card("broken-ec-low-balance", state_dir=tmp_path)) == 0
    payment = _payment(counter.desk.store, result)
    tenders = payment.card_data["tenders"]
    assert tenders[0] == {"kind": "card", "fen": 100}
    assert tenders[1]["fen"] == draft.total_fen - 100 and tenders[1]["change_fen"] == 3000 - 2376
    assert sum(t["fen"] for t in tenders) == payment.amount_fen == draft.total_fen
    assert counter.drawer.drawer_kicks == 1


def test_split_sale_settles_each_part_under_its_own_path(counter: Counter, tmp_path: Path) -> None:
    """The card's ¥1.00 of e-cash counts as offline EC and the rest as cash in the day
    report; the paths together still equal what the journal's payment took."""
    draft = _three_weighed()
    counter.reader.insert(load_card("broken-ec-low-balance", state_dir=tmp_path))
    result = counter.desk.pay_split(draft, 100, 3000, actor="C01")
    period = day_period(NOW.astimezone(CHINA).date())
    summary = summarize(transaction_records(counter.desk.store, period), period)
    assert summary.by_path[PaymentPath.OFFLINE_EC].amount_fen == 100
    assert summary.by_path[PaymentPath.CASH].amount_fen == draft.total_fen - 100
    assert summary.sales == Total(3, _payment(counter.desk.store, result).amount_fen)


@given(
    st.integers(min_value=2, max_value=10**8),
    st.data(),
)
@settings(max_examples=200)
def test_split_parts_add_up(total: int, data: st.DataObject) -> None:
    card = data.draw(st.integers(min_value=1, max_value=total - 1))
    tendered = data.draw(st.integers(min_value=total - card, max_value=total - card + 10**6))
    parts = split_tenders(total, card, tendered)
    assert sum(p["fen"] for p in parts) == total
    assert parts[1]["tendered_fen"] - parts[1]["change_fen"] == parts[1]["fen"] >= 1
    assert parts[1]["change_fen"] >= 0


@pytest.mark.parametrize(("card", "tendered"), [(0, 5000), (2476, 5000), (100, 100)])
def test_bad_split_is_refused(counter: Counter, card: int, tendered: int) -> None:
    with pytest.raises(TenderError):
        counter.desk.pay_split(_three_weighed(), card, tendered, actor="C01")


def test_cash_tender_alone_is_a_provider() -> None:
    outcome = CashTender(1000).pay(PaymentRequest(1, 999, "R", NOW), hooks=None)  # type: ignore[arg-type]
    assert outcome.card_data["tenders"][0]["change_fen"] == 1


def test_refunds_cash_back_and_card_recorded(counter: Counter, tmp_path: Path) -> None:
    desk = counter.desk
    cash = desk.pay_cash(_three_weighed(), 3000, actor="C01")
    record = desk.refund(cash.reference, [0], actor="C01", supervisor="S01")
    assert (record.method, record.amount_fen, record.lines) == ("cash", 1200, [0])
    with pytest.raises(SaleError) as info:
        desk.refund(cash.reference, [0, 1], actor="C01", supervisor="S01")
    assert info.value.code == "market.refunded"
    counter.reader.insert(load_card("debit-ec", state_dir=tmp_path))
    card = desk.pay_card(_three_weighed(), actor="C01")
    record = desk.refund(card.reference, [0, 1, 2], actor="C01", supervisor="S01")
    assert record.method == "card_recorded" and record.amount_fen == card.draft.total_fen  # type: ignore[union-attr]
    refunds = [e for e in desk.store.entries() if e.event == "sale.refunded"]
    assert [(e.actor, e.payload["supervisor"]) for e in refunds] == [("C01", "S01")] * 2
    assert refunds[1].payload["card_refund"] == "not_available"
    with pytest.raises(SaleError) as info:
        desk.refund("NOSUCH", [0], actor="C01", supervisor="S01")
    assert info.value.code == "market.no_sale"


def test_voids_and_overrides_are_journaled_with_who(counter: Counter) -> None:
    desk, basket = counter.desk, Basket()
    basket.add_weighed(MARKET.item("102"), 500)
    basket.add_count(MARKET.item("402"))
    before = basket.lines[0]
    desk.price_overridden(
        before, basket.override(0, 400, role=Role.SUPERVISOR), actor="C01", supervisor="S01"
    )
    desk.line_voided(basket.void_line(1), actor="C01")
    desk.sale_voided(basket.clear(), actor="C01")
    desk.open_drawer(actor="S01", reason="change float")
    entries = {e.event: e for e in desk.store.entries()}
    assert entries["basket.price_override"].payload["after"]["amount_fen"] == 400
    assert entries["basket.price_override"].payload["supervisor"] == "S01"
    assert entries["basket.line_voided"].payload["line"]["sku"] == "402"
    assert entries["basket.voided"].payload["total_fen"] == 400
    assert entries["drawer.opened"].actor == "S01" and counter.drawer.drawer_kicks == 1


def test_subsidy_summary_and_z_journal_budget_left(counter: Counter, tmp_path: Path) -> None:
    """The day's subsidies per rule with the budget left; the Z close journals them."""
    counter.reader.insert(load_card("debit-ec", state_dir=tmp_path))
    counter.desk.pay_card(_three_weighed(), actor="C01")
    summary = {r["code"]: r for r in counter.desk.subsidy_summary()}
    assert summary["CITY"] == {
        "code": "CITY",
        "name_zh": "市民卡定额补贴",
        "grants": 1,
        "granted_fen": 200,
        "budget_left_fen": 20_000 - 200,
    }
    assert summary["EC5"]["grants"] == 0 and summary["EC5"]["budget_left_fen"] == 30_000
    counter.desk.close_shift(0, actor="S01")
    assert [d.kind for d in counter.drawer.documents][-1] == "shift_close"  # the Z slip printed
    [entry] = [e for e in counter.desk.store.entries() if e.event == "subsidy.day_summary"]
    assert entry.payload["rules"] == list(summary.values()) and entry.actor == "S01"


def _pdf_text(path: Path) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    return " ".join(text.replace(",", "").split())


def test_x_and_z_reports_as_pdf_equal_the_journal(counter: Counter, tmp_path: Path) -> None:
    """X shows the cash expected mid-shift; Z's PDF totals equal the journal's payments,
    by tender (card, cash, the split's parts), with cash counted against expected and the
    subsidies granted with their budget left."""
    # the reports are made a minute after the sales (a period ends before its "now")
    desk = replace(
        counter.desk, reports_dir=tmp_path / "reports", clock=lambda: NOW + timedelta(minutes=1)
    )
    counter.reader.insert(load_card("debit-ec", state_dir=tmp_path))
    desk.pay_card(_three_weighed(), actor="C01")  # the city subsidy: ¥2.00 off
    desk.pay_cash(_three_weighed(), 3000, actor="C01")
    counter.reader.insert(load_card("broken-ec-low-balance", state_dir=tmp_path))
    desk.pay_split(_three_weighed(), 100, 3000, actor="C01")
    cash, _, x_pdf = desk.x_report(actor="C01")
    assert cash == 2 * 2476 - 100 and x_pdf is not None
    assert "¥48.52" in _pdf_text(x_pdf) and x_pdf.stat().st_mode & 0o077 == 0
    z = desk.close_shift(5000, actor="S01")
    with desk.store.read() as s:
        paid = sum(p.amount_fen for p in s.scalars(select(Payment)))
    assert z["sales_fen"] == paid == 3 * 2476 - 200
    text = _pdf_text(z["pdf"])
    assert "Z 报表" in text and f"¥{paid / 100:.2f}" in text
    assert "¥23.76" in text  # the card sale's e-cash ¥22.76 + the split's ¥1.00
    assert re.search(r"现金 Cash \d+ ¥48\.52", text)  # by tender: cash and the split's rest
    assert "应有现金 Cash expected ¥48.52" in text  # ¥24.76 + ¥24.76 - ¥1.00
    assert "实点现金 Cash counted ¥50.00" in text and "差额 Difference ¥1.48" in text
    assert "市民卡定额补贴 CITY 1 ¥2.00 ¥198.00" in text


def test_day_report_shows_subsidies_and_budget_left(counter: Counter, tmp_path: Path) -> None:
    """`kiosk report day` lists each promotion's grants and its budget left."""
    counter.reader.insert(load_card("debit-ec", state_dir=tmp_path))
    counter.desk.pay_card(_three_weighed(), actor="C01")
    cfg = tmp_path / "k.toml"
    cfg.write_text(f'[terminal]\nid = "TEST0001"\n[journal]\nurl = "{counter.desk.store.url}"\n')
    out = tmp_path / "day.pdf"
    day = NOW.astimezone(CHINA).date().isoformat()
    assert main(["--config", str(cfg), "report", "day", "--date", day, "--out", str(out)]) == 0
    text = _pdf_text(out)
    assert "补贴 Subsidies granted" in text
    assert "市民卡定额补贴 CITY 1 ¥2.00 ¥198.00" in text


def test_a_tap_gets_the_aid_subsidy_and_an_insert_the_card_specific_one(
    store: JournalStore, capk: CaKeyStore, tmp_path: Path
) -> None:
    """Through the kernel: a qPBOC tap is priced before GPO by its AID alone (¥0.50 off,
    the card's e-cash debited by exactly the subsidised total); the same basket on an
    inserted card gets the city card's ¥2.00, which needs the PAN read first."""
    aid_rule = SubsidyRule(
        "UPDEBIT", "银联借记立减", "UnionPay debit off", SubsidyKind.FIXED, 50,
        aids=("A000000333010101",),
    )  # fmt: skip
    catalog = replace(MARKET, subsidies=(*MARKET.subsidies, aid_rule))
    paid = {}
    for interface, profile in [
        (Interface.CONTACTLESS, "qpboc-debit-ec"),
        (Interface.CONTACT, "debit-ec"),
    ]:
        reader = SimReader(interface=interface)
        provider = CardPaymentProvider(reader, TerminalConfig(), capk=capk, card_timeout_s=1)
        checkout = Checkout(store, provider, None, unattended=False, clock=lambda: NOW)
        desk = MarketDesk(store, checkout, catalog, provider, None, lambda: NOW)
        reader.insert(load_card(profile, state_dir=tmp_path))
        before = _balance(load_card(profile, state_dir=tmp_path))
        result = desk.pay_card(_three_weighed(), actor="C01")
        assert result.state is PaymentState.APPROVED and result.draft is not None
        after = _balance(load_card(profile, state_dir=tmp_path))
        assert before - after == result.draft.total_fen
        paid[interface] = result.draft.meta["discount"]["code"], result.draft.total_fen
    assert paid == {Interface.CONTACTLESS: ("UPDEBIT", 2426), Interface.CONTACT: ("CITY", 2276)}

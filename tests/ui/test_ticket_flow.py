"""The ticket kiosk driven by clicks: a whole purchase, and every way it can end otherwise."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from kiosk.checkout import PaymentOutcome, PaymentVerdict
from kiosk.checkout.terminal import pcsc_reader_check
from kiosk.errors import KioskError
from kiosk.journal.models import Order, OrderStatus, Payment, PaymentState, PrintJob, PrintStatus
from kiosk.payment.errors import CardRemovedError
from kiosk.printing.document import QrCode
from kiosk.sales.tickets import Catalog, load_catalog
from kiosk.ui import ticket_flow
from tests.checkout.conftest import ScriptedProvider
from tests.ui.kiosk_setup import FaultyPreview, WaitingProvider, paper_out


def buy_two_adults(kiosk, qtbot) -> None:
    """Attract -> two adult tickets -> summary -> pay."""
    assert kiosk.screen == "attract"
    kiosk.tap(qtbot, kiosk.flow.current.rect().center())
    kiosk.wait_for(qtbot, "products")
    kiosk.click(qtbot, "plus_ADULT")
    kiosk.click(qtbot, "plus_ADULT")
    assert kiosk.text("count_ADULT") == "2"
    assert "¥120.00" in kiosk.text("total")
    kiosk.click(qtbot, "next")
    kiosk.wait_for(qtbot, "summary")
    assert "成人票" in kiosk.text("lines") and "× 2" in kiosk.text("lines")
    assert "¥120.00" in kiosk.text("total")
    # The card discount rules are explained before paying, and that a tap gets no
    # co-branded or e-cash discount (those need the card's records: contact only).
    assert "本地联名卡九折" in kiosk.text("discounts")
    assert "须插卡使用" in kiosk.text("discounts")
    kiosk.click(qtbot, "pay")


def test_purchase_end_to_end(make_kiosk, qtbot) -> None:
    """Two adult tickets paid: journal rows, three printed documents, success screen, reset."""
    kiosk = make_kiosk()
    buy_two_adults(kiosk, qtbot)
    kiosk.wait_for(qtbot, "result")
    assert kiosk.flow.result.kind == "success"
    assert kiosk.text("headline") == "支付成功"
    assert "¥120.00" in kiosk.text("details")
    with kiosk.services.store.read() as session:
        order = session.scalars(select(Order)).one()
        payment = session.scalars(select(Payment)).one()
        jobs = session.scalars(select(PrintJob).order_by(PrintJob.id)).all()
    assert (order.status, order.total_fen) == (OrderStatus.PAID, 12000)
    assert (payment.state, payment.amount_fen) == (PaymentState.APPROVED, 12000)
    assert payment.pan_masked == "623456******7890"
    assert [(j.kind, j.status) for j in jobs] == [
        ("receipt", PrintStatus.PRINTED),
        ("ticket:0:0", PrintStatus.PRINTED),
        ("ticket:0:1", PrintStatus.PRINTED),
    ]
    assert kiosk.printer.kinds == ["receipt", "ticket", "ticket"]
    receipt_bytes = kiosk.printer.jobs[0]
    assert "成人票".encode("gb18030") in receipt_bytes and b"120.00" in receipt_bytes
    assert b"623456******7890" in receipt_bytes
    tokens = [
        b.data for d in list(kiosk.printer.documents)[1:] for b in d.blocks if isinstance(b, QrCode)
    ]
    assert len(set(tokens)) == 2
    assert all(
        t.encode() in job for t, job in zip(tokens, list(kiosk.printer.jobs)[1:], strict=True)
    )
    events = [e.event for e in kiosk.services.store.entries()]
    assert events[:3] == ["order.created", "payment.pending", "payment.card_commit"]
    assert "payment.approved" in events and events.count("ticket.printed") == 2
    kiosk.click(qtbot, "done")
    kiosk.wait_for(qtbot, "attract")
    # The next visitor starts with an empty cart.
    kiosk.tap(qtbot, kiosk.flow.current.rect().center())
    kiosk.wait_for(qtbot, "products")
    assert kiosk.text("count_ADULT") == "0"


FAILURES = [
    pytest.param(
        ScriptedProvider(outcome=PaymentOutcome(PaymentVerdict.DECLINED, reason="card.declined")),
        "您的银行卡拒绝了这笔付款",
        id="declined",
    ),
    pytest.param(
        ScriptedProvider(
            outcome=PaymentOutcome(
                PaymentVerdict.DECLINED, reason="card.ec_balance_low", ec_balance_before_fen=100
            )
        ),
        "¥1.00",
        id="low-ec-balance-shows-balance",
    ),
    pytest.param(
        ScriptedProvider(commit=False, raise_before_commit=CardRemovedError("card pulled")),
        "卡片拿开得太早了",
        id="card-removed",
    ),
    pytest.param(
        ScriptedProvider(
            outcome=PaymentOutcome(PaymentVerdict.ABORTED, reason="card.use_other_interface"),
            commit=False,
        ),
        "请改为插卡",
        id="other-interface",
    ),
    pytest.param(
        ScriptedProvider(raise_after_commit=KioskError("reader gone", code="reader.error")),
        "未能确认您的付款",
        id="uncertain",
    ),
]


@pytest.mark.parametrize(("provider", "headline"), FAILURES)
def test_payment_failures_say_what_to_do(make_kiosk, qtbot, provider, headline) -> None:
    """Each failure ends on a red result screen in plain words; nothing is printed."""
    kiosk = make_kiosk(provider=provider)
    buy_two_adults(kiosk, qtbot)
    kiosk.wait_for(qtbot, "result")
    assert kiosk.flow.result.kind == "failure"
    assert headline in kiosk.text("headline")
    assert kiosk.text("advice")
    assert kiosk.printer.kinds == []


def test_printer_out_of_paper_before_payment(make_kiosk, qtbot) -> None:
    """Paper runs out while choosing: out of service at "pay", and no card is asked."""
    printer = FaultyPreview()
    provider = ScriptedProvider()
    kiosk = make_kiosk(provider=provider, printer=printer)
    kiosk.tap(qtbot, kiosk.flow.current.rect().center())
    kiosk.wait_for(qtbot, "products")
    kiosk.click(qtbot, "plus_CHILD")
    kiosk.click(qtbot, "next")
    kiosk.wait_for(qtbot, "summary")
    printer.ready_error = paper_out()
    kiosk.click(qtbot, "pay")
    kiosk.wait_for(qtbot, "out_of_service")
    assert "打印机缺纸" in kiosk.text("reason")
    assert provider.requests == []
    with kiosk.services.store.read() as session:
        assert session.scalars(select(Payment)).all() == []
    # Paper back: the periodic check returns the machine to service.
    printer.ready_error = None
    kiosk.flow._periodic_health()
    kiosk.wait_for(qtbot, "attract")


def test_out_of_service_at_start(make_kiosk, qtbot) -> None:
    """A printer that is not ready when the visitor touches the screen: out of service."""
    kiosk = make_kiosk(printer=FaultyPreview(ready_error=paper_out()))
    kiosk.tap(qtbot, kiosk.flow.current.rect().center())
    kiosk.wait_for(qtbot, "out_of_service")


def test_printer_fails_after_payment(make_kiosk, qtbot) -> None:
    """Paid but the tickets did not print: the visitor is told the payment is safe."""
    kiosk = make_kiosk(printer=FaultyPreview(fail_next=1))
    buy_two_adults(kiosk, qtbot)
    kiosk.wait_for(qtbot, "result")
    assert kiosk.flow.result.kind == "warning"
    assert "您的付款是安全的" in kiosk.text("advice")
    with kiosk.services.store.read() as session:
        queued = session.scalars(select(PrintJob).where(PrintJob.status == PrintStatus.QUEUED))
        assert [j.kind for j in queued] == ["receipt", "ticket:0:0", "ticket:0:1"]


def test_cancel_while_waiting_for_card(make_kiosk, qtbot) -> None:
    """Cancel on the payment screen stops the wait for a card and returns to attract."""
    provider = WaitingProvider()
    kiosk = make_kiosk(provider=provider)
    buy_two_adults(kiosk, qtbot)
    kiosk.wait_for(qtbot, "payment")
    assert "¥120.00" in kiosk.text("amount")
    assert "60" in kiosk.text("countdown")
    kiosk.click(qtbot, "cancel")
    kiosk.wait_for(qtbot, "attract")
    assert provider.ended.wait(2)
    qtbot.waitUntil(lambda: not kiosk.flow.reader_worker.busy)
    with kiosk.services.store.read() as session:
        assert session.scalars(select(Payment.state)).all() == [PaymentState.ABORTED]


def test_countdown_runs_out(make_kiosk, qtbot) -> None:
    """No card before the countdown ends: the wait is cancelled, "no card" is shown."""
    provider = WaitingProvider()
    kiosk = make_kiosk(provider=provider)
    buy_two_adults(kiosk, qtbot)
    kiosk.wait_for(qtbot, "payment")
    kiosk.flow.payment.left_s = 1
    kiosk.wait_for(qtbot, "result", timeout=3000)
    assert kiosk.flow.result.kind == "failure"
    assert kiosk.text("headline") == "没有检测到银行卡"
    assert provider.ended.is_set()


def test_payment_unavailable_is_said_plainly(make_kiosk, qtbot) -> None:
    """Without a card provider the payment screen says so; no payment row is written."""
    kiosk = make_kiosk(provider=False)
    kiosk.services.provider = None
    buy_two_adults(kiosk, qtbot)
    kiosk.wait_for(qtbot, "payment")
    assert "暂不支持刷卡付款" in kiosk.flow.payment.title.text()
    with kiosk.services.store.read() as session:
        assert session.scalars(select(Payment)).all() == []


def _left_idle_with_a_ticket(make_kiosk, qtbot):
    """A kiosk whose visitor chose one adult ticket and then went quiet until asked."""
    kiosk = make_kiosk()
    kiosk.tap(qtbot, kiosk.flow.current.rect().center())
    kiosk.wait_for(qtbot, "products")
    kiosk.click(qtbot, "plus_ADULT")
    kiosk.flow.idle_timer.setInterval(100)
    kiosk.flow.idle_timer.start()
    qtbot.waitUntil(lambda: kiosk.flow.dialogs.showing, timeout=2000)
    return kiosk


def test_idle_timeout_returns_to_attract(make_kiosk, qtbot, monkeypatch) -> None:
    """Nobody answers "are you still there?": the cart is dropped and attract comes back."""
    monkeypatch.setattr(ticket_flow, "STILL_THERE_MS", 200)
    kiosk = _left_idle_with_a_ticket(make_kiosk, qtbot)
    kiosk.wait_for(qtbot, "attract", timeout=3000)
    assert not kiosk.flow.dialogs.showing


def test_still_there_keeps_the_cart(make_kiosk, qtbot) -> None:
    """Answering "yes" to "are you still there?" keeps the visitor's choices."""
    kiosk = _left_idle_with_a_ticket(make_kiosk, qtbot)
    assert kiosk.window.findChild(object, "prompt_text").text() == "您还在吗？"
    kiosk.click(qtbot, "prompt_yes")
    assert not kiosk.flow.dialogs.showing
    assert kiosk.screen == "products" and kiosk.text("count_ADULT") == "1"
    assert kiosk.flow.idle_timer.isActive()


def test_reader_gone_means_out_of_service(make_kiosk, qtbot) -> None:
    """A configured PC/SC reader that is not there: out of service, no card asked."""
    provider = ScriptedProvider()
    kiosk = make_kiosk(provider=provider)
    kiosk.services.reader_check = pcsc_reader_check("No Such Reader 00 00")
    kiosk.tap(qtbot, kiosk.flow.current.rect().center())
    kiosk.wait_for(qtbot, "out_of_service")
    assert kiosk.text("reason") == "读卡器无法使用"
    assert provider.requests == []


def test_quota_caps_the_count_and_says_sold_out(make_kiosk, qtbot) -> None:
    """Tickets paid today count against the daily quota: + stops at what is left, then
    the product says it is sold out."""
    catalog = load_catalog()
    adult = dataclasses.replace(catalog.by_code["ADULT"], daily_quota=3)
    catalog = Catalog((adult, *catalog.products[1:]), catalog.discounts)
    kiosk = make_kiosk(catalog=catalog)
    buy_two_adults(kiosk, qtbot)
    kiosk.wait_for(qtbot, "result")
    kiosk.click(qtbot, "done")
    kiosk.tap(qtbot, kiosk.flow.current.rect().center())
    kiosk.wait_for(qtbot, "products")
    kiosk.click(qtbot, "plus_ADULT")
    assert kiosk.text("count_ADULT") == "1"
    assert not kiosk.flow.products.rows["ADULT"].plus.isEnabled()
    kiosk.click(qtbot, "next")
    kiosk.click(qtbot, "pay")
    kiosk.wait_for(qtbot, "result")
    kiosk.click(qtbot, "done")
    kiosk.tap(qtbot, kiosk.flow.current.rect().center())
    kiosk.wait_for(qtbot, "products")
    assert "今日已售罄" in kiosk.flow.products.rows["ADULT"].name.text()
    assert not kiosk.flow.products.rows["ADULT"].plus.isEnabled()


def test_attract_pictures_rotate(make_kiosk, qtbot) -> None:
    """The attract screen shows our pictures in turn."""
    kiosk = make_kiosk()
    attract = kiosk.flow.attract
    first = attract.picture.pixmap().toImage()
    attract.next_picture()
    assert attract.index == 1 and attract.picture.pixmap().toImage() != first

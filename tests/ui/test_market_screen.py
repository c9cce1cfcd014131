"""The market counter offscreen: keyboard-only sales paid by the simulated card (tap),
cash with change, split e-cash + cash, a line void, a refund that needs the supervisor
PIN, and a Z close whose totals are the journal's. The provider is the real kernel on the
demo's in-process reader; receipts are the preview printer's ESC/POS bytes."""

from __future__ import annotations

import dataclasses
import os
from datetime import timedelta
from select import select as select_fds

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from kiosk.checkout.card_provider import provider_from_settings
from kiosk.config import Mode
from kiosk.journal.models import Payment, PaymentState
from kiosk.money import format_fen
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.host.host_sim import HostSimulator
from kiosk.payment.host.keys import load_tmk, write_tmk
from kiosk.pole_display import Lamp, pole_frame
from kiosk.ui.market_staff import load_staff
from tests.checkout.conftest import kiosk_settings
from tests.printing.escpos_stream import decode
from tests.support.serial_pty import raw_pty
from tests.ui.kiosk_setup import NOW


@pytest.fixture
def market(make_kiosk, tmp_path):
    def make(profile: str = "qpboc-debit-ec", pole: str = "", host: str = ""):
        base = kiosk_settings(tmp_path)
        settings = dataclasses.replace(
            base,
            terminal=dataclasses.replace(base.terminal, mode=Mode.MARKET, unattended=False),
            payment=dataclasses.replace(
                base.payment, reader=f"sim:{profile}", card_timeout_s=20, host=host
            ),
            market=dataclasses.replace(base.market, pole_display=pole),
        )
        provider = provider_from_settings(settings)
        kiosk = make_kiosk(provider=provider, settings=settings, sim_reader=provider.reader)
        screen = kiosk.flow
        assert screen.objectName() == "market_screen"
        return kiosk, screen

    return make


def key(qtbot, screen, text: str = "", *keys) -> None:
    """Type ``text`` into the entry, then press ``keys`` (Enter when none is given)."""
    entry = screen.counter.entry
    if text:
        qtbot.keyClicks(entry, text)
    for k in keys or (Qt.Key.Key_Return,):
        qtbot.keyClick(entry, k)


def sign_in(qtbot, screen) -> None:
    key(qtbot, screen, "111111")
    assert screen.cashier is not None and screen.cashier.id == "C01"


def weigh(qtbot, screen, plu: str, grams: int) -> None:
    screen.counter.scale.setValue(grams)  # the (simulated) scale under the goods
    lines = len(screen.basket.lines)
    key(qtbot, screen, plu)
    qtbot.waitUntil(lambda: len(screen.basket.lines) == lines + 1, timeout=3000)


def _paid(qtbot, screen, timeout: int = 20_000):
    qtbot.waitUntil(
        lambda: screen.last_result is not None or bool(screen.counter.message.text()),
        timeout=timeout,
    )
    assert screen.last_result is not None, screen.counter.message.text()
    return screen.last_result


def test_three_weighed_items_by_keyboard_paid_by_ec_tap(market, qtbot, tmp_path) -> None:
    kiosk, screen = market()
    panel = kiosk.window.demo_panels.card
    qtbot.mouseClick(panel.remove, Qt.MouseButton.LeftButton)
    sign_in(qtbot, screen)
    weigh(qtbot, screen, "102", 1250)  # tomato ¥12.00
    weigh(qtbot, screen, "101", 375)  # bok choy ¥2.63
    weigh(qtbot, screen, "107", 1333)  # aubergine ¥10.13
    assert screen.counter.total.text() == "¥24.76"
    assert screen.customer.total.text() == "¥24.76"
    key(qtbot, screen, "", Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: screen.current is screen.payment)
    panel.profiles.setCurrentIndex(panel.profiles.findData("qpboc-debit-ec"))
    qtbot.mouseClick(panel.tap, Qt.MouseButton.LeftButton)  # the customer taps
    result = _paid(qtbot, screen)
    assert result.state is PaymentState.APPROVED, result.reason
    with kiosk.services.store.read() as session:
        payment = session.scalars(select(Payment)).one()
    assert payment.path == "qpboc_offline" and payment.amount_fen == 2476
    receipt = "\n".join(decode(kiosk.printer.jobs[-1]).lines)
    for text in ("2.500斤 × ¥4.80/斤", "0.750斤 × ¥3.50/斤", "1.333kg × ¥7.60/kg", "¥24.76"):
        assert text in receipt, receipt
    assert screen.counter.total.text() == "¥0.00" and "¥24.76" in screen.customer.note.text()


def test_unsteady_scale_adds_nothing(market, qtbot) -> None:
    _kiosk, screen = market()
    sign_in(qtbot, screen)
    screen.desk.scale.steady = False
    screen.counter.scale.setValue(800)
    key(qtbot, screen, "102")
    qtbot.waitUntil(
        lambda: "steady" in screen.counter.message.text() or "稳" in screen.counter.message.text()
    )
    assert screen.basket.lines == []


def test_line_void_by_key(market, qtbot) -> None:
    kiosk, screen = market()
    sign_in(qtbot, screen)
    key(qtbot, screen, "2*401")  # two portions of tofu
    weigh(qtbot, screen, "201", 500)
    key(qtbot, screen, "", Qt.Key.Key_F3)  # the last line
    assert screen.basket.total_fen == 600
    qtbot.waitUntil(
        lambda: any(e.event == "basket.line_voided" for e in kiosk.services.store.entries())
    )
    [entry] = [e for e in kiosk.services.store.entries() if e.event == "basket.line_voided"]
    assert entry.actor == "C01" and entry.payload["line"]["sku"] == "201"


def test_cash_sale_with_change(market, qtbot) -> None:
    kiosk, screen = market()
    sign_in(qtbot, screen)
    key(qtbot, screen, "401")
    key(qtbot, screen, "50", Qt.Key.Key_F6)
    result = _paid(qtbot, screen)
    assert result.state is PaymentState.APPROVED
    assert "¥47.00" in screen.customer.note.text()
    receipt = "\n".join(decode(kiosk.printer.jobs[-1]).lines)
    assert "找零" in receipt and "¥47.00" in receipt, receipt


def test_pole_display_shows_total_then_change(market, qtbot) -> None:
    """The pole display (a pty as its serial port) shows the running total, then the
    change with the change lamp lit."""
    with raw_pty() as (master, path):
        _kiosk, screen = market(pole=f"serial://{path}")
        sign_in(qtbot, screen)
        key(qtbot, screen, "401")  # eggs ¥3.00
        key(qtbot, screen, "50", Qt.Key.Key_F6)
        assert _paid(qtbot, screen).state is PaymentState.APPROVED
        got = bytearray()

        def changed() -> bool:
            got.extend(_read(master))
            return b"QA47.00" in got

        qtbot.waitUntil(changed, timeout=3000)
        received = bytes(got)
        total, change = pole_frame(300, Lamp.TOTAL), pole_frame(4700, Lamp.CHANGE)
        assert total in received and received.index(total) < received.index(change)
        assert screen.desk.pole_status == "ok" and screen.counter.devices.text() == ""


def test_a_missing_pole_display_never_stops_a_sale(market, qtbot) -> None:
    """The display's port is absent: the cash sale is approved, the fault shown apart."""
    _kiosk, screen = market(pole="serial:///dev/no-such-pole-display")
    sign_in(qtbot, screen)
    key(qtbot, screen, "401")
    qtbot.waitUntil(lambda: screen.desk.pole_status == "pole.unavailable", timeout=3000)
    key(qtbot, screen, "5", Qt.Key.Key_F6)
    assert _paid(qtbot, screen).state is PaymentState.APPROVED
    assert "pole.unavailable" in screen.counter.devices.text()


def test_ec_load_by_the_supervisor(market, qtbot, tmp_path) -> None:
    """F4: the amount paid in cash, the supervisor's PIN, then the card (the simulator,
    online to host-sim on loopback): its e-cash rises by exactly the amount, the screen
    and the printed slip show the new balance, the drawer counts the cash."""
    (tmp_path / "acquirer").mkdir()
    write_tmk(tmp_path / "acquirer" / "tmk")
    sim = HostSimulator(tmk=load_tmk(tmp_path / "acquirer" / "tmk")).start()
    try:
        kiosk, screen = market("debit-ec", host=sim.url)
        sign_in(qtbot, screen)
        key(qtbot, screen, "50", Qt.Key.Key_F4)
        key(qtbot, screen, "999999")  # the supervisor
        entries = screen.desk.store.entries
        qtbot.waitUntil(lambda: any(e.event.startswith("ec.") for e in entries()), timeout=20_000)
    finally:
        sim.close()
    [entry] = [e for e in screen.desk.store.entries() if e.event.startswith("ec.")]
    assert entry.event == "ec.loaded", entry.payload
    assert entry.payload["supervisor"] == "S01" and entry.actor == "C01"
    after = entry.payload["balance_after_fen"]
    assert after == entry.payload["balance_before_fen"] + 5000
    qtbot.waitUntil(lambda: format_fen(after) in screen.counter.message.text(), timeout=3000)
    slip = "\n".join(decode(kiosk.printer.jobs[-1]).lines)
    assert "电子现金圈存" in slip and format_fen(after) in slip, slip
    assert screen.desk.cash_expected() == 5000


def _read(master: int) -> bytes:
    readable, _, _ = select_fds([master], [], [], 0.05)
    return os.read(master, 4096) if readable else b""


def test_split_ec_and_cash(market, qtbot, tmp_path) -> None:
    kiosk, screen = market("broken-ec-low-balance")
    sign_in(qtbot, screen)
    weigh(qtbot, screen, "102", 1250)
    kiosk.services.sim_reader.insert(load_card("broken-ec-low-balance", state_dir=tmp_path / "c"))
    key(qtbot, screen, "1.00+20", Qt.Key.Key_F7)
    result = _paid(qtbot, screen)
    assert result.state is PaymentState.APPROVED, result.reason
    tenders = result.outcome.card_data["tenders"]
    assert [t["fen"] for t in tenders] == [100, 1100] and tenders[1]["change_fen"] == 900


def test_refund_needs_the_supervisor_pin(market, qtbot) -> None:
    kiosk, screen = market()
    sign_in(qtbot, screen)
    key(qtbot, screen, "401")
    key(qtbot, screen, "", Qt.Key.Key_F6)
    reference = _paid(qtbot, screen).reference
    key(qtbot, screen, reference, Qt.Key.Key_F9)
    key(qtbot, screen, "111111")  # the cashier's PIN is not enough
    assert screen.counter.message.text() in ("Wrong PIN", "PIN错误")
    assert not any(e.event == "sale.refunded" for e in kiosk.services.store.entries())
    key(qtbot, screen, "999999")
    qtbot.waitUntil(lambda: any(e.event == "sale.refunded" for e in kiosk.services.store.entries()))
    [entry] = [e for e in kiosk.services.store.entries() if e.event == "sale.refunded"]
    assert (entry.actor, entry.payload["supervisor"], entry.payload["amount_fen"]) == (
        "C01",
        "S01",
        300,
    )


def test_z_close_totals_equal_the_journal(market, qtbot) -> None:
    kiosk, screen = market()
    sign_in(qtbot, screen)
    for plu in ("401", "402"):
        screen.last_result = None
        key(qtbot, screen, plu)
        key(qtbot, screen, "10", Qt.Key.Key_F6)
        _paid(qtbot, screen)
    later = NOW + timedelta(hours=1)
    screen.desk.clock = lambda: later  # the shift closes an hour after the sales
    key(qtbot, screen, "5.50", Qt.Key.Key_F12)
    key(qtbot, screen, "999999")
    store = kiosk.services.store
    qtbot.waitUntil(lambda: any(e.event == "shift.closed" for e in store.entries()))
    closed = next(e for e in store.entries() if e.event == "shift.closed")
    counted = next(e for e in store.entries() if e.event == "shift.cash_counted")
    with store.read() as session:
        approved = [
            p.amount_fen
            for p in session.scalars(select(Payment))
            if p.state is PaymentState.APPROVED
        ]
    assert closed.payload["sales_fen"] == sum(approved) == 550
    assert closed.actor == "S01"
    assert counted.payload == {"counted_fen": 550, "expected_fen": 550, "difference_fen": 0}


def test_supervisor_manages_staff(market, qtbot) -> None:
    """F1 with the supervisor's PIN: add cashier C02, change its PIN, disable it; each
    change is in the staff file (PINs hashed only) and journaled with who made it."""
    _kiosk, screen = market()
    sign_in(qtbot, screen)
    entries = screen.desk.store.entries

    def staff(command: str, events: int) -> None:
        before = screen.staff
        key(qtbot, screen, command, Qt.Key.Key_F1)
        key(qtbot, screen, "999999")  # the supervisor approves
        qtbot.waitUntil(lambda: screen.staff is not before, timeout=5000)
        assert len([e for e in entries() if e.event.startswith("staff.")]) == events

    staff("+C02:222222", 1)
    assert screen.staff.who("222222") is not None
    staff("C02=333333", 2)
    assert screen.staff.who("222222") is None and screen.staff.who("333333").id == "C02"
    staff("-C02", 3)
    assert screen.staff.who("333333") is None
    changes = [e for e in entries() if e.event.startswith("staff.")]
    assert [(e.event, e.payload["member"], e.payload["supervisor"], e.actor) for e in changes] == [
        ("staff.added", "C02", "S01", "C01"),
        ("staff.pin_changed", "C02", "S01", "C01"),
        ("staff.disabled", "C02", "S01", "C01"),
    ]
    settings = screen.services.settings
    saved = (settings.data_dir / "market-staff.json").read_text()
    assert "222222" not in saved and "333333" not in saved and "999999" not in saved
    reloaded = load_staff(settings)
    assert reloaded.who("999999").id == "S01" and reloaded.who("333333") is None
    key(qtbot, screen, "-S01", Qt.Key.Key_F1)
    key(qtbot, screen, "999999")
    qtbot.waitUntil(lambda: "最后" in screen.counter.message.text() or "last" in
                    screen.counter.message.text(), timeout=3000)  # fmt: skip

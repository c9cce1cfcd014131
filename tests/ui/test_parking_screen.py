"""The parking terminal offscreen: a car in by the plate keyboard, out 2 h 10 min later on a
controllable clock, paid by the in-process card tapped on the demo panel, the receipt's
bytes with the breakdown, the barrier's signal and journal, occupancy back down; cash with
change; a bad plate in plain words; the supervisor's PIN for a manual opening; a camera's
post opening an exit."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta

import httpx
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from kiosk.checkout.card_provider import provider_from_settings
from kiosk.checkout.parking_demo import DEMO_CARS
from kiosk.config import Mode
from kiosk.journal.models import Payment, PaymentState
from kiosk.parking.camera import PATH, SECRET_HEADER
from tests.printing.escpos_stream import decode
from tests.ui.kiosk_setup import NOW, FaultyPreview, build_services, open_window
from tests.ui.tour import parking_settings

SECRET = "camera-secret-for-tests-01"


class Clock:
    """The terminal's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def parking(qtbot, tmp_path):
    made = []

    def make(*, chooser: bool = False, **parking):
        settings = parking_settings(tmp_path, **parking)
        provider = provider_from_settings(settings)
        printer, clock = FaultyPreview(), Clock(NOW)
        services = build_services(
            settings, provider=provider, printer=printer, sim_reader=provider.reader, clock=clock
        )
        window = open_window(settings, services, chooser=chooser)
        qtbot.addWidget(window)
        qtbot.waitExposed(window)
        made.append(window)
        if chooser:  # the demo's chooser: 停车收费 opens the parking terminal
            qtbot.mouseClick(window.chooser.buttons[Mode.PARKING], Qt.MouseButton.LeftButton)
        screen = window.stack.currentWidget()
        assert screen.objectName() == "parking_screen"
        qtbot.waitUntil(lambda: screen.exit_page.occupancy is not None)
        return window, screen, printer, clock

    yield make
    for window in made:
        window.close()


def _click(qtbot, screen, name: str) -> None:
    buttons = [b for b in screen.findChildren(type(screen.exit_page.card), name) if b.isVisible()]
    assert len(buttons) == 1, name
    qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)


def _inside(screen) -> int:
    return screen.exit_page.occupancy[0]


def _look_up(qtbot, screen, plate: str) -> None:
    pad = screen.exit_page.pad
    pad.reset()
    pad.press(plate[0])  # the province from the picker: QTest types ASCII only
    qtbot.keyClicks(pad.entry, plate[1:])
    qtbot.keyClick(pad.entry, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.fee is not None or bool(screen.exit_page.message.text()))


def _enter_by_keyboard(qtbot, screen, keys: str) -> None:
    _click(qtbot, screen, "to_entry")
    _click(qtbot, screen, f"province_{keys[0]}")
    for key in keys[1:]:
        _click(qtbot, screen, f"key_{key}")
    assert screen.entry_page.pad.text == keys
    with qtbot.waitSignal(screen.barrier_opened, timeout=5000) as opened:
        _click(qtbot, screen, "record_entry")
    assert opened.args == [screen.desk.entry_lane, "entry"]


def _journal(window, event: str) -> list:
    return [e for e in window.services.store.entries() if e.event == event]


def test_entry_then_exit_2h10_paid_by_card(parking, qtbot) -> None:
    """In at 10:00, out at 12:10 (day time 2 h 10 min: ¥5 + 3 × ¥2), the card tapped."""
    window, screen, printer, clock = parking()
    before = _inside(screen)
    _enter_by_keyboard(qtbot, screen, "粤B12345")
    qtbot.waitUntil(lambda: _inside(screen) == before + 1)
    clock.advance(timedelta(hours=2, minutes=10))
    _click(qtbot, screen, "to_exit")
    _look_up(qtbot, screen, "粤b12345")
    assert screen.exit_page.fee.text() == "¥11.00"
    breakdown = screen.exit_page.breakdown
    rows = [breakdown.item(i).text() for i in range(breakdown.count())]
    assert rows == ["白天 2小时10分  ¥11.00"], rows
    panel = window.demo_panels.card
    qtbot.keyClick(screen.exit_page.pad.entry, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: screen.current is screen.payment)
    assert screen.payment.amount.text().endswith("¥11.00")
    panel.profiles.setCurrentIndex(panel.profiles.findData("qpboc-debit-ec"))
    with qtbot.waitSignal(screen.barrier_opened, timeout=20_000) as opened:
        qtbot.mouseClick(panel.tap, Qt.MouseButton.LeftButton)
    assert opened.args == [screen.desk.exit_lane, "paid"]
    assert screen.last_result.state is PaymentState.APPROVED
    with window.services.store.read() as session:
        payment = session.scalars(select(Payment)).one()
    assert payment.amount_fen == 1100
    receipt = "\n".join(decode(printer.jobs[-1]).lines)
    assert "粤B12345" in receipt and "¥11.00" in receipt, receipt
    assert "白天 2小时10分" in receipt, receipt  # the breakdown's day line
    qtbot.waitUntil(lambda: _inside(screen) == before)
    opened = [e.payload for e in _journal(window, "parking.barrier_opened")]
    assert [o["reason"] for o in opened] == ["entry", "paid"]


def test_cash_with_change(parking, qtbot) -> None:
    """¥11.00 paid with ¥50: change ¥39.00 on screen and receipt, the barrier up; the
    breakdown on screen switches language with the screen."""
    _window, screen, printer, clock = parking()
    _enter_by_keyboard(qtbot, screen, "京A12345")
    clock.advance(timedelta(hours=2, minutes=10))
    _click(qtbot, screen, "to_exit")
    _look_up(qtbot, screen, "京A12345")
    breakdown = screen.exit_page.breakdown
    _click(qtbot, screen, "language")  # the breakdown follows the language both ways
    qtbot.waitUntil(lambda: breakdown.item(0).text() == "Daytime 2 h 10 min  ¥11.00")
    _click(qtbot, screen, "language")
    qtbot.waitUntil(lambda: breakdown.item(0).text() == "白天 2小时10分  ¥11.00")
    qtbot.keyClicks(screen.exit_page.tendered, "50")
    with qtbot.waitSignal(screen.barrier_opened, timeout=5000):
        qtbot.keyClick(screen.exit_page.tendered, Qt.Key.Key_Return)
    assert "¥39.00" in screen.exit_page.message.text()
    receipt = "\n".join(decode(printer.jobs[-1]).lines)
    assert "找零" in receipt and "¥39.00" in receipt, receipt


def test_a_fee_that_went_up_while_waiting_is_shown_again_not_charged(parking, qtbot) -> None:
    """¥11.00 on screen at 2 h 10; cash handed over at 2 h 31 when the fee is ¥13.00: nothing
    is charged, the new fee is on screen with why; paying again takes ¥13.00."""
    _window, screen, printer, clock = parking()
    _enter_by_keyboard(qtbot, screen, "京A12345")
    clock.advance(timedelta(hours=2, minutes=10))
    _click(qtbot, screen, "to_exit")
    _look_up(qtbot, screen, "京A12345")
    assert screen.fee.fee_fen == 1100
    jobs = len(printer.jobs)
    clock.advance(timedelta(minutes=21))
    qtbot.keyClicks(screen.exit_page.tendered, "50")
    qtbot.keyClick(screen.exit_page.tendered, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.fee is not None and screen.fee.fee_fen == 1300)
    assert "再付" in screen.exit_page.message.text() or "again" in screen.exit_page.message.text()
    assert len(printer.jobs) == jobs  # no receipt: nothing was paid
    with qtbot.waitSignal(screen.barrier_opened, timeout=5000):
        qtbot.keyClick(screen.exit_page.tendered, Qt.Key.Key_Return)
    assert "¥37.00" in screen.exit_page.message.text()


@pytest.mark.parametrize("plate", ["粤I12345", "X12345", "粤B1234"])
def test_a_bad_plate_is_said_in_plain_words(parking, qtbot, plate: str) -> None:
    """No code, no fee: the plate rule's own Chinese words on the exit page."""
    _window, screen, _printer, _clock = parking()
    _look_up(qtbot, screen, plate)
    message = screen.exit_page.message.text()
    assert message and "plate." not in message and screen.fee is None
    assert any("\u4e00" <= c <= "\u9fff" for c in message), message


def test_manual_opening_needs_the_supervisor_pin(parking, qtbot) -> None:
    """A cashier's PIN or a wrong one opens nothing; the supervisor's is journaled with why."""
    window, screen, _printer, _clock = parking()
    _click(qtbot, screen, "to_supervisor")
    page = screen.supervisor_page
    qtbot.keyClicks(page.reason, "ambulance")
    for pin in ("123456", "111111"):
        qtbot.keyClicks(page.pin, pin)
        _click(qtbot, screen, "manual_open")
        assert page.message.text() in ("密码错误", "Wrong PIN")
    assert _journal(window, "parking.barrier_opened") == []
    qtbot.keyClicks(page.pin, "999999")
    with qtbot.waitSignal(screen.barrier_opened, timeout=5000) as opened:
        _click(qtbot, screen, "manual_open")
    assert opened.args[1] == "manual"
    [entry] = _journal(window, "parking.barrier_opened")
    assert entry.actor == "S01"
    assert entry.payload["supervisor"] == "S01" and entry.payload["note"] == "ambulance"


def test_a_camera_post_opens_an_exit(parking, qtbot) -> None:
    """An entry and then an exit posted by cameras on loopback: the exit page shows the fee."""
    port = _free_port()
    _window, screen, _printer, clock = parking(
        camera_listen=f"127.0.0.1:{port}", camera_secret=SECRET
    )
    url = f"http://127.0.0.1:{port}{PATH}"
    event = {"plate": "沪A99999", "lane": "cam-in", "direction": "entry", "confidence": 95}
    with qtbot.waitSignal(screen.barrier_opened, timeout=5000):
        answer = httpx.post(
            url, json={**event, "time": NOW.isoformat()}, headers={SECRET_HEADER: SECRET}
        )
    assert answer.status_code == 202
    clock.advance(timedelta(hours=2, minutes=10))
    later = {**event, "lane": "cam-out", "direction": "exit", "time": clock.now.isoformat()}
    answer = httpx.post(url, json=later, headers={SECRET_HEADER: SECRET})
    assert answer.status_code == 202
    qtbot.waitUntil(lambda: screen.fee is not None)
    assert screen.current is screen.exit_page
    assert screen.exit_page.pad.text == "沪A99999" and screen.exit_page.fee.text() == "¥11.00"
    refused = httpx.post(url, json=later, headers={SECRET_HEADER: "wrong-secret-wrong-secret"})
    assert refused.status_code == 401


def test_the_choosers_parking_opens_with_the_demo_cars_inside(parking, qtbot) -> None:
    """停车收费 in the chooser opens the terminal with the demo's cars inside, listed newest
    first; one picked from the list shows its fee."""
    _window, screen, _printer, _clock = parking(chooser=True)
    qtbot.waitUntil(lambda: _inside(screen) == len(DEMO_CARS))
    assert screen.exit_page.occupancy == (len(DEMO_CARS), 200)
    assert f"{len(DEMO_CARS)}/200" in screen.exit_page.title.text()
    _click(qtbot, screen, "to_inside")
    cars = screen.inside_page.cars
    qtbot.waitUntil(lambda: cars.count() == len(DEMO_CARS))
    rows = [cars.item(i).text() for i in range(cars.count())]
    newest_first = [plate for plate, _cls, ago in sorted(DEMO_CARS, key=lambda car: car[2])]
    assert [row.split()[0] for row in rows] == newest_first, rows
    cars.itemClicked.emit(cars.item(newest_first.index("粤B3K7N2")))
    qtbot.waitUntil(lambda: screen.fee is not None)
    # In at 06:40 China time, out at 10:00: night 1 h 20 min (2 started hours, ¥2), then
    # day 2 h (¥5 + 2 × ¥2): ¥11.00.
    assert screen.current is screen.exit_page and screen.exit_page.fee.text() == "¥11.00"


def test_lost_ticket_needs_the_supervisor_and_charges_its_fee(parking, qtbot) -> None:
    """A wrong PIN changes nothing; the supervisor's turns the fee into the lost-ticket fee,
    said with who approved it, and cash pays it."""
    _window, screen, printer, _clock = parking()
    _enter_by_keyboard(qtbot, screen, "浙C77777")
    _click(qtbot, screen, "to_exit")
    _look_up(qtbot, screen, "浙C77777")
    assert screen.fee.fee_fen == 0  # just in: the free minutes
    _click(qtbot, screen, "to_supervisor")
    page = screen.supervisor_page
    qtbot.keyClicks(page.pin, "000000")
    _click(qtbot, screen, "lost_ticket")
    assert page.message.text() in ("密码错误", "Wrong PIN") and not screen.lost
    qtbot.keyClicks(page.pin, "999999")
    _click(qtbot, screen, "lost_ticket")
    qtbot.waitUntil(lambda: screen.fee is not None and screen.fee.fee_fen > 0)
    assert screen.lost and screen.exit_page.fee.text() == "¥50.00"
    assert "S01" in screen.exit_page.message.text()
    with qtbot.waitSignal(screen.barrier_opened, timeout=5000):
        qtbot.keyClick(screen.exit_page.tendered, Qt.Key.Key_Return)  # exact cash
    receipt = "\n".join(decode(printer.jobs[-1]).lines)
    assert "¥50.00" in receipt and "浙C77777" in receipt, receipt


def test_monthly_passes_are_listed_and_a_pass_leaves_free(parking, qtbot) -> None:
    """The supervisor's menu lists the passes; a pass car 5 hours in owes nothing and the
    barrier opens for it without payment (journaled as a free opening)."""
    window, screen, _printer, clock = parking(monthly_passes="京A12345,粤B8X9Z7")
    _click(qtbot, screen, "to_supervisor")
    passes = screen.supervisor_page.passes
    assert [passes.item(i).text() for i in range(passes.count())] == ["京A12345", "粤B8X9Z7"]
    _click(qtbot, screen, "to_exit")
    _enter_by_keyboard(qtbot, screen, "粤B8X9Z7")
    clock.advance(timedelta(hours=5))
    _click(qtbot, screen, "to_exit")
    _look_up(qtbot, screen, "粤B8X9Z7")
    assert screen.fee.fee_fen == 0 and not screen.exit_page.card.isEnabled()
    with qtbot.waitSignal(screen.barrier_opened, timeout=5000) as opened:
        _click(qtbot, screen, "open_free")
    assert opened.args == [screen.desk.exit_lane, "free"]
    [left] = _journal(window, "parking.exited")
    assert left.payload["plate"] == "粤B8X9Z7" and left.payload["paid_fen"] == 0


def test_a_car_without_a_plate_gets_a_ticket_and_leaves_by_scanning_it(parking, qtbot) -> None:
    """No plate: an entry ticket prints; at the exit the scanner types its token into the
    plate line, the fee shows for that ticket, and cash lets the car out."""
    _window, screen, printer, clock = parking()
    _click(qtbot, screen, "to_entry")
    jobs = len(printer.jobs)
    with qtbot.waitSignal(screen.barrier_opened, timeout=5000):
        _click(qtbot, screen, "print_ticket")
    assert len(printer.jobs) == jobs + 1  # the entry ticket
    [stay] = [s for s in screen.desk.inside() if not s.plate]
    assert f"#{stay.ticket_id}" in screen.entry_page.message.text()
    clock.advance(timedelta(hours=2, minutes=10))
    _click(qtbot, screen, "to_exit")
    pad = screen.exit_page.pad
    qtbot.keyClicks(pad.entry, screen.desk.entry_token(stay))
    qtbot.keyClick(pad.entry, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.fee is not None)
    assert screen.stay.id == stay.id and screen.exit_page.fee.text() == "¥11.00"
    with qtbot.waitSignal(screen.barrier_opened, timeout=5000):
        qtbot.keyClick(screen.exit_page.tendered, Qt.Key.Key_Return)
    assert all(s.id != stay.id for s in screen.desk.inside())


def test_cancelling_the_card_wait_leaves_the_car_unpaid(parking, qtbot) -> None:
    """Cancel on the payment screen stops the wait for a card: back at the exit with the fee,
    nothing approved, the barrier shut, the car still inside."""
    window, screen, _printer, clock = parking()
    _enter_by_keyboard(qtbot, screen, "苏E54321")
    clock.advance(timedelta(hours=2, minutes=10))
    _click(qtbot, screen, "to_exit")
    _look_up(qtbot, screen, "苏E54321")
    window.services.sim_reader.remove()  # no card on the reader: the wait lasts
    _click(qtbot, screen, "pay_card")
    qtbot.waitUntil(lambda: screen.current is screen.payment)
    qtbot.mouseClick(screen.payment.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.current is screen.exit_page, timeout=10_000)
    qtbot.waitUntil(lambda: not screen.reader_worker.busy)
    assert screen.last_result is None or screen.last_result.state is not PaymentState.APPROVED
    assert screen.exit_page.message.text()  # what happened, in words
    assert [e.payload["reason"] for e in _journal(window, "parking.barrier_opened")] == ["entry"]
    assert any(s.plate == "苏E54321" for s in screen.desk.inside())

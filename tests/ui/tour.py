"""A tour of every kiosk and gate screen, for the screen checks and the screenshots.

``tour(folder, shoot)`` drives real windows (built by :mod:`tests.ui.kiosk_setup`) with
QTest clicks and calls ``shoot(name, widget)`` on each screen. It needs a QApplication and
runs under any platform plugin: offscreen in the test session, xcb under Xvfb for the
screenshots (``python -m tests.ui.tour OUT_DIR``).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from kiosk.checkout import PaymentOutcome, PaymentVerdict
from kiosk.config import Mode, Settings
from kiosk.payment.reader.sim import SimReader
from kiosk.printing.document import QrCode
from kiosk.ui.main_window import MainWindow
from tests.checkout.conftest import ScriptedProvider, gate_settings, kiosk_settings
from tests.support import none_refs  # noqa: F401 - keeps None alive under PySide6 6.12
from tests.ui.kiosk_setup import (
    FaultyPreview,
    HoldingProvider,
    WaitingProvider,
    build_services,
    open_window,
    paper_out,
)

Shoot = Callable[[str, QWidget], None]


def wait(predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen did not get there")
        QApplication.processEvents()
        time.sleep(0.01)


def settle() -> None:
    """Let pending signals, layouts and repaints run."""
    for _ in range(20):
        QApplication.processEvents()
        time.sleep(0.005)


def screens_768(window: MainWindow) -> int:
    """The window height that leaves the screens 768 px, as on a kiosk (the demo adds its
    DEMO strip above them)."""
    return 768 + (window.demo_banner.height() if window.demo_banner is not None else 0)


class Driver:
    """Clicks a window's buttons by name, as a visitor's finger would."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        window.resize(window.width(), screens_768(window))
        wait(window.isVisible)

    @property
    def flow(self) -> QWidget:
        return self.window.stack.currentWidget()

    @property
    def screen(self) -> str:
        return self.flow.current.objectName()

    def click(self, name: str) -> None:
        (button,) = [
            b
            for b in self.window.findChildren(QPushButton, name)
            if b.isVisible() and b.isEnabled()
        ]
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        QApplication.processEvents()

    def touch(self) -> None:
        QTest.mouseClick(self.flow.current, Qt.MouseButton.LeftButton, pos=QPoint(500, 400))

    def until(self, screen: str) -> None:
        wait(lambda: self.screen == screen)

    def settle(self) -> None:
        settle()


def _kiosk(folder: Path, provider: object, printer: FaultyPreview | None = None) -> Driver:
    settings = kiosk_settings(folder)
    services = build_services(
        settings, provider=provider, printer=printer or FaultyPreview(), sim_reader=SimReader()
    )
    return Driver(open_window(settings, services))


def _to_summary(d: Driver) -> None:
    d.touch()
    d.until("products")
    d.click("plus_ADULT")
    d.click("plus_ADULT")
    d.click("plus_CHILD")
    d.click("next")
    d.until("summary")


def tour(folder: Path, shoot: Shoot) -> None:
    """Visit every screen once, calling ``shoot`` on each."""
    windows: list[MainWindow] = []
    try:
        # The counter first: its keyboard work runs before the ticket flows' event filters
        # are installed on the application.
        _market_tour(folder, shoot).close()
        _parking_tour(folder, shoot).close()
        windows += _ticket_tour(folder, shoot)
        windows += _failure_tour(folder, shoot)
        windows.append(_gate_tour(folder, shoot))
    finally:
        for window in windows:
            window.close()


def _ticket_tour(folder: Path, shoot: Shoot) -> list[MainWindow]:
    waiting = _kiosk(folder / "waiting", WaitingProvider())
    shoot("01-attract", waiting.flow)
    waiting.touch()
    waiting.until("products")
    waiting.click("plus_ADULT")
    waiting.click("plus_ADULT")
    waiting.click("slot_NIGHT_0")
    waiting.click("plus_NIGHT")
    shoot("02-products", waiting.flow)
    waiting.click("next")
    waiting.until("summary")
    shoot("03-summary", waiting.flow)
    waiting.click("pay")
    waiting.until("payment")
    shoot("04-payment", waiting.flow)
    waiting.click("cancel")
    waiting.until("attract")
    waiting.touch()
    waiting.until("products")
    waiting.flow._idle()
    waiting.settle()
    shoot("05-still-there", waiting.flow)
    waiting.click("prompt_yes")
    waiting.flow.open_operator()
    waiting.until("operator_pin")
    for digit in "00":
        waiting.click(f"key_{digit}")
    shoot("06-operator-pin", waiting.flow)
    for digit in "0000":
        waiting.click(f"key_{digit}")
    waiting.until("operator_menu")
    shoot("07-operator-menu", waiting.flow)

    holding = HoldingProvider()
    paying = _kiosk(folder / "paying", holding)
    _to_summary(paying)
    paying.click("pay")
    paying.until("processing")
    shoot("08-processing", paying.flow)
    holding.release.set()
    paying.until("result")
    shoot("09-success", paying.flow)
    panels = paying.window.demo_panels
    assert panels is not None and panels.printer is not None
    printed = len(panels.printer.printer.documents)
    wait(lambda: len(panels.printer.paper.findChildren(QWidget, "slip")) == printed)
    paying.click("card_insert")
    wait(lambda: panels.card is not None and "debit-ec" in panels.card.status.text())
    paying.settle()
    shoot("10-demo-window", paying.window)
    paying.click("done")
    paying.until("attract")
    paying.click("language")
    paying.touch()
    paying.until("products")
    shoot("11-products-english", paying.flow)
    paying.click("language")
    return [waiting.window, paying.window]


def _failure_tour(folder: Path, shoot: Shoot) -> list[MainWindow]:
    low = ScriptedProvider(
        outcome=PaymentOutcome(
            PaymentVerdict.DECLINED, reason="card.ec_balance_low", ec_balance_before_fen=100
        )
    )
    declined = _kiosk(folder / "declined", low)
    _to_summary(declined)
    declined.click("pay")
    declined.until("result")
    shoot("12-declined-low-balance", declined.flow)

    unprinted = _kiosk(folder / "unprinted", ScriptedProvider(), FaultyPreview(fail_next=1))
    _to_summary(unprinted)
    unprinted.click("pay")
    unprinted.until("result")
    shoot("13-paid-printer-failed", unprinted.flow)

    broken = _kiosk(folder / "broken", ScriptedProvider(), FaultyPreview(ready_error=paper_out()))
    broken.touch()
    broken.until("out_of_service")
    shoot("14-out-of-service", broken.flow)

    unavailable = _kiosk(folder / "unavailable", None)
    _to_summary(unavailable)
    unavailable.click("pay")
    unavailable.until("payment")
    shoot("15-payment-unavailable", unavailable.flow)
    return [declined.window, unprinted.window, broken.window, unavailable.window]


def _gate_tour(folder: Path, shoot: Shoot) -> MainWindow:
    seller = _kiosk(folder / "seller", ScriptedProvider())
    _to_summary(seller)
    seller.click("pay")
    seller.until("result")
    printer = seller.window.services.printer.service
    token = next(b.data for d in printer.documents for b in d.blocks if isinstance(b, QrCode))
    seller.window.close()
    settings = gate_settings(folder / "gate")
    window = open_window(settings, build_services(settings, provider=None, printer=None))
    window.resize(1024, screens_768(window))
    gate = window.stack.currentWidget()
    wait(gate.scan_input.hasFocus)
    shoot("16-gate-ready", gate)
    for name in ("17-gate-admitted", "18-gate-used"):
        QTest.keyClicks(gate.scan_input, token)
        QTest.keyClick(gate.scan_input, Qt.Key.Key_Return)
        wait(lambda: not gate.worker.busy)
        settle()
        shoot(name, gate)
    return window


def _market_tour(folder: Path, shoot: Shoot) -> MainWindow:
    """The market counter: a basket keyed by PLU with weights, in both languages, then
    the shared payment screen."""
    base = kiosk_settings(folder / "market")
    settings = dataclasses.replace(
        base, terminal=dataclasses.replace(base.terminal, mode=Mode.MARKET, unattended=False)
    )
    services = build_services(
        settings, provider=WaitingProvider(), printer=FaultyPreview(), sim_reader=SimReader()
    )
    d = Driver(open_window(settings, services))
    market = d.flow
    entry = market.counter.entry
    for text in ("111111", "2*401"):
        QTest.keyClicks(entry, text)
        QTest.keyClick(entry, Qt.Key.Key_Return)
    for plu, grams in (("102", 1250), ("101", 375), ("201", 1640)):
        market.counter.scale.setValue(grams)
        QTest.keyClicks(entry, plu)
        QTest.keyClick(entry, Qt.Key.Key_Return)
        wait(lambda: not market.scale_worker.busy)
    d.settle()
    shoot("19-market-counter", market)
    d.click("language")
    d.settle()
    shoot("20-market-counter-english", market)
    d.click("language")
    QTest.keyClick(entry, Qt.Key.Key_F5)
    d.until("payment")
    d.settle()
    shoot("21-market-payment", market)
    d.click("cancel")
    d.until("market_counter")
    return d.window


def parking_settings(folder: Path, **parking: object) -> Settings:
    """Demo defaults for an attended parking terminal paid by the in-process tapped card."""
    base = kiosk_settings(folder)
    return dataclasses.replace(
        base,
        terminal=dataclasses.replace(base.terminal, mode=Mode.PARKING, unattended=False),
        payment=dataclasses.replace(base.payment, reader="sim:qpboc-debit-ec", card_timeout_s=20),
        parking=dataclasses.replace(base.parking, **parking),
    )


def _parking_tour(folder: Path, shoot: Shoot) -> MainWindow:
    """The parking terminal, each page in both languages: the demo's cars inside, one looked
    up at the exit (fee and breakdown), the entry, the list inside and the supervisor's menu."""
    settings = parking_settings(folder / "parking", monthly_passes="京A12345,粤B8X9Z7")
    services = build_services(
        settings, provider=WaitingProvider(), printer=FaultyPreview(), sim_reader=SimReader()
    )
    d = Driver(open_window(settings, services))
    parking = d.flow

    def both(number: int, name: str) -> None:
        wait(lambda: not parking.printer_worker.busy)
        d.settle()
        shoot(f"{number}-parking-{name}", parking)
        d.click("language")
        d.settle()
        shoot(f"{number + 1}-parking-{name}-english", parking)
        d.click("language")

    wait(lambda: not parking.printer_worker.busy)
    plate = "粤BD12345"  # a demo car in for 26 h 40 min: two windows, a night cap
    parking.exit_page.pad.press(plate[0])  # QTest types ASCII only: the province is picked
    QTest.keyClicks(parking.exit_page.pad.entry, plate[1:])
    QTest.keyClick(parking.exit_page.pad.entry, Qt.Key.Key_Return)
    wait(lambda: parking.fee is not None)
    both(23, "exit")
    d.click("to_entry")
    for key in ("province_粤", "key_B", "key_D"):
        d.click(key)
    both(25, "entry")
    d.click("to_exit")
    d.click("to_inside")
    wait(lambda: parking.inside_page.cars.count() > 0)
    both(27, "inside")
    d.click("to_exit")
    d.click("to_supervisor")
    both(29, "supervisor")
    d.click("to_exit")
    return d.window


def main(out: str) -> int:
    """Save each screen as ``OUT/<name>.png`` (run under Xvfb with QT_QPA_PLATFORM=xcb)."""
    import tempfile

    app = QApplication(sys.argv[:1])
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)

    def save(name: str, widget: QWidget) -> None:
        if not widget.grab().save(str(folder / f"{name}.png")):
            raise OSError(f"cannot write {name}.png")

    with tempfile.TemporaryDirectory() as tmp:
        tour(Path(tmp), save)
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

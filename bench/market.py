"""Market counter benchmark: first key to receipt bytes, and the UI's worst stall while a
card pays.

In-process and offscreen: ``kiosk run --mode market`` as the demo builds it (SQLite
journal in a temporary folder, the software card in the in-process reader, the preview
printer, the simulated scale). Each run keys a three-item sale of weighed goods from the
keyboard (PLU, Enter, the scale's weight; F5), with a fresh ``debit-ec`` card inserted,
and stops the clock when the receipt's ESC/POS bytes are in the printer. Meanwhile a 5 ms
timer on the GUI thread records its longest gap: the stall. Baselines from the same run:
the same sale headless (``MarketDesk.pay_card`` without the UI) and the timer's longest
gap while the window is idle. Goals: tap to receipt under 1 s, no stall over 50 ms.

    .venv/bin/python bench/market.py [RUNS]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("KIOSK_CONFIG", None)

from _terminal import attended_settings
from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from kiosk.checkout.terminal import KioskServices, build_services
from kiosk.config import Mode
from kiosk.payment.cardsim.profiles import load_card
from kiosk.sales.market import Basket
from kiosk.ui.app import create_window

SALE = (("102", 1250), ("101", 375), ("107", 1333))


class Gaps:
    """The longest interval between ticks of a 5 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.last = self.worst = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last)
        self.last = now

    def start(self) -> None:
        self.last, self.worst = time.perf_counter(), 0.0
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.worst * 1e3


def run_until(done: Callable[[], bool], timeout_s: float = 20.0) -> None:
    """Run the event loop until ``done()`` (a local loop, polled by a timer)."""
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(1)
    deadline = time.monotonic() + timeout_s

    def check() -> None:
        if done() or time.monotonic() > deadline:
            loop.quit()

    poll.timeout.connect(check)
    poll.start()
    loop.exec()
    poll.stop()
    if not done():
        raise TimeoutError("the sale did not finish")


def idle_gap(gaps: Gaps, seconds: float = 1.0) -> float:
    """The timer's longest gap with the window idle for ``seconds``."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    gaps.start()
    loop.exec()
    return gaps.stop()


def keyed_sale(screen: Any, services: KioskServices, gaps: Gaps) -> tuple[float, float]:
    """One sale keyed at the counter: (first key to receipt bytes, worst stall), in ms."""
    entry, printer = screen.counter.entry, services.printer.service
    services.sim_reader.insert(load_card("debit-ec"))
    printed = len(printer.jobs)  # the preview printer keeps the ESC/POS bytes
    start = time.perf_counter()
    for plu, grams in SALE:
        screen.counter.scale.setValue(grams)
        lines = len(screen.basket.lines)
        QTest.keyClicks(entry, plu)
        QTest.keyClick(entry, Qt.Key.Key_Return)
        run_until(lambda n=lines: len(screen.basket.lines) == n + 1)
    gaps.start()
    screen.last_result = None
    QTest.keyClick(entry, Qt.Key.Key_F5)
    run_until(lambda: len(printer.jobs) > printed)
    elapsed = (time.perf_counter() - start) * 1e3
    stall = gaps.stop()
    run_until(lambda: screen.last_result is not None and screen.current is screen.counter)
    return elapsed, stall


def headless_sale(services: KioskServices) -> float:
    """The same sale through the use case alone, in ms (the baseline)."""
    desk = services.market_desk()
    services.sim_reader.insert(load_card("debit-ec"))
    basket = Basket()
    for plu, grams in SALE:
        basket.add_weighed(desk.catalog.item(plu), grams)
    start = time.perf_counter()
    desk.pay_card(basket.draft(), actor="bench")
    return (time.perf_counter() - start) * 1e3


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        settings = attended_settings(Path(tmp), Mode.MARKET)
        services = build_services(settings)
        window = create_window(app, settings, chooser=False, services=lambda _s: services)
        window.show()
        screen = window.stack.currentWidget()
        QTest.keyClicks(screen.counter.entry, "111111")  # the demo cashier signs in
        QTest.keyClick(screen.counter.entry, Qt.Key.Key_Return)
        gaps = Gaps()
        keyed_sale(screen, services, gaps)  # warm-up: fonts, compiled statements, code pages
        results = [keyed_sale(screen, services, gaps) for _ in range(runs)]
        headless_sale(services)
        baseline = statistics.median(headless_sale(services) for _ in range(runs))
        idle = idle_gap(gaps)
        window.close()
        services.dispose()
    receipt = statistics.median(r[0] for r in results)
    stall = max(r[1] for r in results)
    typical = statistics.median(r[1] for r in results)
    print(f"first key to receipt bytes, median of {runs}: {receipt:7.1f} ms  goal < 1000")
    print(
        f"  baseline: the same sale headless:   {baseline:7.1f} ms  ratio {receipt / baseline:.2f}"
    )
    print(f"worst UI stall during card payments:  {stall:7.1f} ms  goal < 50")
    print(f"  median of the {runs} sales' worst stalls: {typical:7.1f} ms")
    print(f"  baseline: worst timer gap idle:     {idle:7.1f} ms")


if __name__ == "__main__":
    main()

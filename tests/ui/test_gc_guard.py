"""Cycles holding Qt wrappers are collected on the GUI thread, never in a worker thread that
happens to allocate (a payment, a print job): a Qt object destroyed off its thread can crash
the process later (seen in the suite as a segfault inside a worker's SQLAlchemy call)."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from kiosk.ui import gc_guard


class _Cycle:
    def __init__(self) -> None:
        self.me = self
        self.widget = QObject()


def test_cycles_are_collected_on_the_gui_thread(qtbot, qapp: QApplication) -> None:
    timer = gc_guard.install(qapp)
    assert gc_guard.install(qapp) is timer  # one timer per application
    assert not gc.isenabled()
    gc.collect()
    freed_in: list[int] = []
    cycle = _Cycle()
    weakref.finalize(cycle, lambda: freed_in.append(threading.get_ident()))
    del cycle

    kept: list[list[object]] = []  # alive, so they count against the collector's threshold

    def allocate() -> None:  # far past generation 0's threshold: it would collect here
        kept.extend([] for _ in range(50_000))

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    assert freed_in == []
    qtbot.waitUntil(lambda: freed_in != [], timeout=5_000)
    assert freed_in == [threading.main_thread().ident]


def test_collect_runs_only_a_generation_that_is_due() -> None:
    gc.collect()
    garbage = [[] for _ in range(200)]  # 200 new containers: generation 0's count passes 100
    assert garbage
    assert gc_guard.collect((10**9, 10**9, 10**9)) is None
    assert gc_guard.collect((100, 10**9, 10**9)) == 0
    assert gc_guard.collect((100, 10**9, 10**9)) is None  # counted from zero again

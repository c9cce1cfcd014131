"""PySide6 6.12's emit() takes a reference from True each call; kiosk.ui.signals.emit does not."""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

from kiosk.ui.signals import emit


class _Source(QObject):
    fired = Signal(int, str)


def test_emit_keeps_bool_references(qapp) -> None:
    """A thousand emits through the helper leave True's and False's counts where they were."""
    source = _Source()
    got: list[int] = []
    source.fired.connect(lambda n, _text: got.append(n))
    before = sys.getrefcount(True), sys.getrefcount(False)
    for n in range(1000):
        emit(source.fired, n, "x")
    after = sys.getrefcount(True), sys.getrefcount(False)
    assert len(got) == 1000
    assert after[0] >= before[0] and after[1] >= before[1]


def test_bare_emit_loses_references(qapp) -> None:
    """The fault the helper repairs (if this fails, PySide6 fixed it: the helper can go)."""
    source = _Source()
    before = sys.getrefcount(True)
    for n in range(50):
        source.fired.emit(n, "x")
    lost = before - sys.getrefcount(True)
    for _ in range(lost):  # hand back what was taken, so nothing after this test pays for it
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    assert lost == 50

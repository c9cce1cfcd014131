"""Emitting Qt signals from Python without losing a reference to ``True``.

PySide6 6.12 (with CPython 3.11) returns the result of ``SignalInstance.emit()`` without a
new reference: every emit from Python code takes one reference from ``True`` (or
``False``), and after a few thousand emits the interpreter aborts ("bool_dealloc:
deallocating True or False"). A kiosk runs for weeks, so every emit in ``kiosk.ui`` goes
through :func:`emit`, which gives the reference back. Should a later PySide6 fix this, the
extra reference on a bool singleton is harmless (they are never freed; on CPython 3.12+
they are immortal). ``tests/ui/test_signals.py`` shows the fault and the repair.
"""

from __future__ import annotations

import ctypes
from typing import Any

from PySide6.QtCore import SignalInstance

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


def emit(signal: SignalInstance, *args: Any) -> None:
    """``signal.emit(*args)``, then give back the reference PySide6 took from its result."""
    # The stubs say None; at run time it is the bool PySide6 did not add a reference to.
    result = signal.emit(*args)  # type: ignore[func-returns-value]
    _incref(result)

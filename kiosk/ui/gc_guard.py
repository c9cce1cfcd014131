"""Cyclic garbage collected on the GUI thread only.

CPython runs its cycle collector in whichever thread happens to allocate past the threshold.
When that is a worker thread (a payment, a print job) and the garbage holds Qt wrappers of
closed screens, their C++ objects are destroyed off the GUI thread, which Qt does not allow:
the process can crash much later, in unrelated code. So the automatic collector is switched
off and the same generational collection runs from a timer of the GUI thread's event loop.
No library does this for PySide6; it is a few lines.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

#: How often the GUI thread looks at the collector's counts; far below a screen's lifetime.
INTERVAL_MS = 500

_PROPERTY = "kiosk_gc_guard"


def collect(thresholds: tuple[int, ...] | None = None) -> int | None:
    """Collect the oldest generation whose count passed its threshold, as the automatic
    collector would; return it (or None when nothing was due)."""
    counts = gc.get_count()
    limits = thresholds or gc.get_threshold()
    due = [g for g in range(3) if limits[g] and counts[g] > limits[g]]
    if not due:
        return None
    generation = due[-1]
    gc.collect(generation)
    return generation


def install(owner: QObject) -> QTimer:
    """Move cycle collection to ``owner``'s (the GUI) thread for the life of ``owner``.
    Installing twice on one application keeps the first timer."""
    existing = owner.findChild(QTimer, _PROPERTY)
    if existing is not None:
        return existing
    gc.disable()
    timer = QTimer(owner)
    timer.setObjectName(_PROPERTY)
    timer.setInterval(INTERVAL_MS)
    timer.timeout.connect(collect)
    timer.start()
    return timer

"""A workaround for PySide6 6.12 on CPython 3.11: every ``processEvents`` call (and so every
``QTest.qWait`` and pytest-qt ``waitUntil`` poll) drops one reference to ``None`` that it
never took (``QApplication.processEvents()`` 1000 times: ``sys.getrefcount(None)`` 1000
lower). A long test session then frees ``None``, at the latest while the interpreter shuts
down, and aborts with "none_dealloc". Importing this module adds references that are never
given back (a list would be freed at shutdown with the deficit still there). CPython 3.12
makes ``None`` immortal; the application itself does not call ``processEvents``.
"""

from __future__ import annotations

import ctypes
import sys

SPARE = 100_000_000

if sys.version_info < (3, 12):
    ctypes.c_ssize_t.from_address(id(None)).value += SPARE

"""Which program this is: the version and how it was built, for heartbeats, receipts and
``kiosk doctor`` (a support call starts with these two words)."""

from __future__ import annotations

import sys

from kiosk import __version__


def build() -> str:
    """``bundle`` for the PyInstaller program (the .deb, the Windows installer), ``source``
    for a checkout run from its virtualenv."""
    return "bundle" if getattr(sys, "frozen", False) else "source"


def version_line() -> str:
    """``kiosk 0.1.0 (bundle)``: printed in the receipt's footer."""
    return f"kiosk {__version__} ({build()})"

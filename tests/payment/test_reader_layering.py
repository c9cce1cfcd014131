"""The card path stays plain Python: only the PC/SC adapter imports pyscard (STYLE: layout)."""

from __future__ import annotations

from tests.support.imports import loaded_after

PLAIN = [
    "kiosk.payment.apdu",
    "kiosk.payment.reader",
    "kiosk.payment.reader.sim",
    "kiosk.payment.reader.trace",
    "kiosk.payment.capk",
    "kiosk.payment.commands",
    "kiosk.payment.cardsim.vpcd",
    "kiosk.payment.cardsim.replay",
    "kiosk.payment.cardsim.scripted",
]
FORBIDDEN = ["smartcard", "PySide6", "sqlalchemy", "httpx"]


def test_only_the_pcsc_adapter_imports_pyscard() -> None:
    """Importing every other reader-side module loads no pyscard, Qt, SQLAlchemy or httpx."""
    assert loaded_after("".join(f"import {name}\n" for name in PLAIN), FORBIDDEN) == []

"""Demo mode cannot be mistaken for a terminal that takes money: DEMO on every screen and
slip; a printer test says TEST on paper."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.config import Mode
from kiosk.printing.document import PaperWidth, Size, Text
from kiosk.printing.layouts import Lang, label
from kiosk.printing.samples import sample_receipt, sample_ticket
from kiosk.sales.tokens import DEMO_KEY
from kiosk.ui.app import create_window
from tests.checkout.conftest import kiosk_settings

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def _large(doc, word: str) -> int:
    return sum(isinstance(b, Text) and word in b.text and b.size is Size.DOUBLE for b in doc.blocks)


@pytest.mark.parametrize("demo", [True, False], ids=["demo", "production"])
def test_demo_strip_on_every_screen(qtbot, tmp_path, demo: bool) -> None:
    """In demo mode the window carries a DEMO strip above every screen (chooser, ticket
    flow, gate) and says DEMO in its title; a production window has neither."""
    settings = dataclasses.replace(kiosk_settings(tmp_path), demo=demo)
    window = create_window(QApplication.instance(), settings, chooser=True, services=lambda s: None)
    qtbot.addWidget(window)
    window.show()
    assert ("DEMO" in window.windowTitle()) is demo
    if not demo:
        assert window.demo_banner is None
        return
    assert window.demo_banner is not None and window.demo_banner.text().startswith("DEMO")
    for mode in (Mode.ADMIN,):  # screens that need no journal (market and parking open it)
        window.show_mode(mode)
        assert window.demo_banner.isVisible()
        assert window.demo_banner.geometry().bottom() <= window.stack.geometry().top()


def test_print_test_slips_say_test_in_large_letters() -> None:
    """Both print-test slips say TEST in double size at the top and the bottom."""
    for doc, lang in (
        (sample_receipt(PaperWidth.MM58, Lang.ZH, NOW), Lang.ZH),
        (sample_ticket(PaperWidth.MM58, Lang.EN, NOW, DEMO_KEY), Lang.EN),
    ):
        assert _large(doc, "TEST") == 2
        texts = [b.text for b in doc.blocks if isinstance(b, Text)]
        assert texts.count(label("test_note", lang)) == 2

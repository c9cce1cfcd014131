"""The main window: mode chooser, mode screens, language toggle, large touch targets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from kiosk.config import Mode, load_settings
from kiosk.ui.app import create_window
from kiosk.ui.theme import MIN_TOUCH_PX


@pytest.fixture
def window(qtbot):
    w = create_window(QApplication.instance(), load_settings(environ={}), chooser=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.translations.use("zh_CN")


def test_chooser_shows_modes_in_chinese(window) -> None:
    """By default the chooser is in Simplified Chinese with one button per mode."""
    texts = {m: b.text() for m, b in window.chooser.buttons.items()}
    assert texts == {
        Mode.TICKET: "自助售票",
        Mode.GATE: "检票闸机",
        Mode.MARKET: "市场收银",
        Mode.PARKING: "停车收费",
        Mode.ADMIN: "管理",
    }
    assert window.chooser.language_button.text() == "English"


def test_language_toggle_switches_every_label(window, qtbot) -> None:
    """The toggle switches to English and back; every visible label follows."""
    ticket = window.chooser.buttons[Mode.TICKET]
    qtbot.mouseClick(window.chooser.language_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ticket.text() == "Ticket kiosk", timeout=2000)
    assert window.chooser.language_button.text() == "中文"
    qtbot.mouseClick(window.chooser.language_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ticket.text() == "自助售票", timeout=2000)


def test_choosing_a_mode_opens_its_screen_and_back_returns(window, qtbot) -> None:
    """A mode button opens that mode's screen; its back button returns to the chooser."""
    qtbot.mouseClick(window.chooser.buttons[Mode.ADMIN], Qt.MouseButton.LeftButton)
    screen = window.stack.currentWidget()
    assert screen.objectName() == "screen_admin"
    qtbot.mouseClick(screen.findChild(QPushButton, "back"), Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.chooser


def test_touch_targets_are_large(window) -> None:
    """Every button on the chooser is at least 60 px in both directions."""
    for button in window.findChildren(QPushButton):
        if button.isVisible():
            assert button.height() >= MIN_TOUCH_PX and button.width() >= MIN_TOUCH_PX, button


def test_every_source_string_is_translated() -> None:
    """The zh_CN .ts file has no unfinished or empty translation."""
    import xml.etree.ElementTree as ET

    from kiosk.ui.i18n import I18N_DIR

    tree = ET.parse(I18N_DIR / "kiosk_zh_CN.ts")
    untranslated = [
        m.findtext("source")
        for m in tree.iter("message")
        if (t := m.find("translation")) is not None
        and (t.get("type") == "unfinished" or not (t.text or "").strip())
    ]
    assert untranslated == []

"""The parking pages' plate entry: the province picker while the line is empty, then the
plate keyboard; typing works the same and is upper-cased; Enter hands on the plate."""

from __future__ import annotations

from PySide6.QtCore import Qt

from kiosk.sales.plates import PROVINCES, parse_plate
from kiosk.ui.parking_pages import ExitPage
from kiosk.ui.plate_pad import KEYS, PlatePad


def _key(pad: PlatePad, name: str):
    (button,) = [b for b in pad.findChildren(type(pad.clear), name)]
    return button


def test_picker_then_keyboard_builds_a_plate(qtbot) -> None:
    """粤 from the picker, then B12345 from the keyboard: the plate the rules accept."""
    pad = PlatePad(PROVINCES)
    qtbot.addWidget(pad)
    assert pad.pages.currentWidget() is pad.province_page
    qtbot.mouseClick(_key(pad, "province_粤"), Qt.MouseButton.LeftButton)
    assert pad.pages.currentWidget() is pad.key_page
    for char in "B12345":
        qtbot.mouseClick(_key(pad, f"key_{char}"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(pad.submitted) as sent:
        qtbot.keyClick(pad.entry, Qt.Key.Key_Return)
    assert sent.args == ["粤B12345"] and parse_plate(sent.args[0]).text == "粤B12345"
    qtbot.mouseClick(pad.back, Qt.MouseButton.LeftButton)
    assert pad.text == "粤B1234"
    qtbot.mouseClick(pad.clear, Qt.MouseButton.LeftButton)
    assert pad.text == "" and pad.pages.currentWidget() is pad.province_page


def test_typing_is_upper_cased_and_empty_sends_nothing(qtbot) -> None:
    """An empty line sends nothing; what is typed after the province is upper-cased."""
    pad = PlatePad(PROVINCES)
    qtbot.addWidget(pad)
    sent: list[str] = []
    pad.submitted.connect(sent.append)
    qtbot.keyClick(pad.entry, Qt.Key.Key_Return)
    qtbot.mouseClick(_key(pad, "province_京"), Qt.MouseButton.LeftButton)
    qtbot.keyClicks(pad.entry, "a12345")  # QTest types ASCII only; the province is picked
    assert pad.entry.text() == "京A12345" and pad.pages.currentWidget() is pad.key_page
    qtbot.keyClick(pad.entry, Qt.Key.Key_Return)
    assert sent == ["京A12345"]


def test_every_province_and_no_i_or_o_key(qtbot) -> None:
    """31 provinces in the picker; the keyboard has no I or O (plates do not use them)."""
    pad = PlatePad(PROVINCES)
    qtbot.addWidget(pad)
    assert len(PROVINCES) == 31
    assert all(_key(pad, f"province_{p}").text() == p for p in PROVINCES)
    assert "I" not in KEYS and "O" not in KEYS


def test_the_exit_page_shows_the_fee_in_place_of_the_keyboard(qtbot) -> None:
    """A fee shows the breakdown where the keyboard was; a free exit enables only the barrier."""
    page = ExitPage(PROVINCES)
    qtbot.addWidget(page)
    page.show_fee(1100, "粤B12345", ["day ¥11.00"])
    assert page.fee.text() == "¥11.00" and page.pad.pages.currentWidget() is page.details
    assert page.card.isEnabled() and page.cash.isEnabled() and not page.free.isEnabled()
    page.show_fee(0, "粤B12345", ["pass ¥0.00"])
    assert not page.card.isEnabled() and page.free.isEnabled()
    page.pad.press("粤")
    assert page.pad.pages.currentWidget() is page.pad.key_page

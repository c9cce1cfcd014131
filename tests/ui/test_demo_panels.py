"""The demo's card-simulator panel and printer preview."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from kiosk.payment.reader import Interface
from kiosk.payment.reader.sim import SimReader
from kiosk.ui.demo_panels import SLIP_WIDTH
from tests.ui.test_ticket_flow import buy_two_adults


def test_card_panel_drives_the_sim_reader(make_kiosk, qtbot) -> None:
    """Insert puts the chosen profile's card in the reader, tap presents it contactless."""
    reader = SimReader()
    kiosk = make_kiosk(sim_reader=reader)
    panel = kiosk.window.demo_panels.card
    assert panel.profiles.count() >= 13
    panel.profiles.setCurrentIndex(panel.profiles.findData("pure-ec"))
    qtbot.mouseClick(panel.insert, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(reader.card_present, timeout=10_000)
    assert reader.interface is Interface.CONTACT
    qtbot.waitUntil(lambda: "pure-ec (contact)" in panel.status.text())
    # The card answers on the reader path: power on gives its ATR.
    presence = reader.wait_for_card(0.1)
    assert presence.atr
    reader.disconnect()
    qtbot.mouseClick(panel.remove, Qt.MouseButton.LeftButton)
    assert not reader.card_present()
    assert panel.status.text() == "读卡器中没有卡"
    qtbot.mouseClick(panel.tap, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(reader.card_present, timeout=10_000)
    assert reader.interface is Interface.CONTACTLESS


def test_printer_preview_shows_the_printed_slips(make_kiosk, qtbot) -> None:
    """After a sale the preview shows the receipt and both tickets as pictures."""
    kiosk = make_kiosk()
    buy_two_adults(kiosk, qtbot)
    kiosk.wait_for(qtbot, "result")
    panel = kiosk.window.demo_panels.printer

    def slips() -> list[QLabel]:
        return panel.paper.findChildren(QLabel, "slip")

    qtbot.waitUntil(lambda: len(slips()) == 3, timeout=10_000)
    # 58 mm paper (384 dots) scaled to the panel: narrower than long.
    assert all(s.pixmap().width() == SLIP_WIDTH < s.pixmap().height() for s in slips())

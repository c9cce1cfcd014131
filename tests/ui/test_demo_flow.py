"""The demo end to end, as README's demo command wires it: choose ticket mode, buy two adult
tickets with the simulated card, see them in the printer preview, take each to the gate."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from kiosk.checkout.terminal import build_services
from kiosk.config import Mode
from tests.checkout.conftest import kiosk_settings
from tests.ui.conftest import Kiosk
from tests.ui.kiosk_setup import open_window
from tests.ui.test_ticket_flow import buy_two_adults


def test_demo_tickets_admitted_once_at_the_gate(qtbot, tmp_path) -> None:
    """From the chooser: pay by card (the demo card gets the co-brand discount), see the
    tickets in the preview, each opens the gate once."""
    settings = kiosk_settings(tmp_path)
    services = build_services(settings)  # the app's own wiring: card simulator, preview
    printer = services.printer.service
    window = open_window(settings, services, chooser=True)
    qtbot.addWidget(window)
    qtbot.mouseClick(window.chooser.buttons[Mode.TICKET], Qt.MouseButton.LeftButton)

    kiosk = Kiosk(window, services, printer, provider=None)
    buy_two_adults(kiosk, qtbot)
    kiosk.wait_for(qtbot, "result", timeout=20_000)
    assert kiosk.flow.result.kind == "success"
    details = kiosk.text("details")
    assert "已付 ¥108.00" in details and "本地联名卡九折 -¥12.00" in details
    panel = window.demo_panels.printer

    def scan_buttons() -> list[QPushButton]:
        return panel.paper.findChildren(QPushButton, "scan_at_gate")

    qtbot.waitUntil(lambda: len(scan_buttons()) == 2, timeout=10_000)
    first = scan_buttons()[0]
    qtbot.mouseClick(first, Qt.MouseButton.LeftButton)
    gate = window.stack.currentWidget()
    assert gate.objectName() == "gate"
    qtbot.waitUntil(lambda: gate.verdict == "admit")
    qtbot.mouseClick(first, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: gate.verdict == "used")
    qtbot.mouseClick(scan_buttons()[1], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: gate.verdict == "admit")
    qtbot.mouseClick(gate.back, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.chooser
    window.close()

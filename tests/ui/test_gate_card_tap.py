"""The demo gate admits by a tap of the simulated card that paid: the card panel's reader is
shared by the kiosk's payment and the gate."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt

from kiosk.checkout.card_provider import provider_from_settings
from kiosk.config import Mode
from tests.checkout.conftest import kiosk_settings
from tests.ui.test_ticket_flow import buy_two_adults


def test_demo_gate_admits_by_tapping_the_paying_card(make_kiosk, qtbot, tmp_path) -> None:
    """Paid by the simulated card; at the gate the card left in the reader opens nothing,
    a tap admits ticket 1 (green), the next tap ticket 2, the third is refused as used."""
    base = kiosk_settings(tmp_path)
    settings = dataclasses.replace(
        base, payment=dataclasses.replace(base.payment, reader="sim:debit-ec", card_timeout_s=20)
    )
    provider = provider_from_settings(settings)
    kiosk = make_kiosk(provider=provider, settings=settings, sim_reader=provider.reader)
    panel = kiosk.window.demo_panels.card
    qtbot.mouseClick(panel.remove, Qt.MouseButton.LeftButton)
    buy_two_adults(kiosk, qtbot)
    kiosk.wait_for(qtbot, "payment")
    qtbot.mouseClick(panel.insert, Qt.MouseButton.LeftButton)
    kiosk.wait_for(qtbot, "result", timeout=20_000)
    assert kiosk.flow.result.kind == "success", kiosk.text("headline")

    kiosk.window.show_mode(Mode.GATE)
    gate = kiosk.window.screens[Mode.GATE]
    qtbot.waitUntil(gate.isVisible)
    assert gate.detail.text() == "请扫描门票二维码，或刷付款时用的银行卡"
    qtbot.wait(800)  # a few polls: the card still in the reader is not a tap
    assert (gate.verdict, gate.taps) == ("", 0)

    for taps, verdict in ((1, "admit"), (2, "admit"), (3, "used")):
        qtbot.waitUntil(lambda: gate.state == "ready", timeout=5000)
        qtbot.mouseClick(panel.tap, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda taps=taps: gate.taps == taps, timeout=5000)
        assert gate.verdict == verdict
        if verdict == "admit":
            assert gate.verdict_label.text() == "欢迎光临" and "成人票" in gate.detail.text()
        gate.ready()  # the next visitor, without waiting out the verdict
    assert gate.verdict_label.text() == "请扫描门票"
    events = [e.event for e in kiosk.services.store.entries() if e.event.startswith("gate.")]
    assert events == ["gate.admitted", "gate.admitted", "gate.refused"]


def test_gate_without_reader_keeps_qr_only(make_gate, qtbot) -> None:
    """A gate terminal with no card reader never polls one and invites QR scans only."""
    window, services = make_gate()
    gate = window.stack.currentWidget()
    qtbot.waitUntil(gate.scan_input.hasFocus)
    assert not services.card_gate and services.check_card(0.1) is None
    assert not gate.card_timer.isActive() and not gate.card_worker.busy
    assert gate.detail.text() != "请扫描门票二维码，或刷付款时用的银行卡"
    assert "二维码" in gate.detail.text()

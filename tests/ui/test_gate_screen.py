"""The gate screen: keyboard-wedge scans of printed tickets, admitted once, refusals in red."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest
from PySide6.QtCore import Qt

from kiosk.printing.document import QrCode
from kiosk.sales.tickets import CHINA
from kiosk.sales.tokens import DEMO_KEY, Ticket, TicketKey, issue_token
from tests.ui.test_ticket_flow import buy_two_adults


def scan(qtbot, gate, text: str) -> None:
    """Type ``text`` and Enter into the focused input, as a keyboard-wedge scanner does."""
    assert gate.scan_input.hasFocus()
    scans = gate.scans
    qtbot.keyClicks(gate.scan_input, text)
    qtbot.keyClick(gate.scan_input, Qt.Key.Key_Return)
    assert gate.scans == scans + 1
    qtbot.waitUntil(lambda: not gate.worker.busy)


def printed_tokens(kiosk) -> list[str]:
    return [b.data for d in kiosk.printer.documents for b in d.blocks if isinstance(b, QrCode)]


def tickets_and_gate(make_kiosk, make_gate, qtbot):
    """Two adult tickets bought at a kiosk (their printed tokens), and a gate screen ready
    to scan, with its services."""
    kiosk = make_kiosk()
    buy_two_adults(kiosk, qtbot)
    kiosk.wait_for(qtbot, "result")
    tokens = printed_tokens(kiosk)
    window, services = make_gate()
    gate = window.stack.currentWidget()
    assert gate.objectName() == "gate"
    qtbot.waitUntil(gate.scan_input.hasFocus)
    return tokens, gate, services


def test_printed_tickets_admitted_once(make_kiosk, make_gate, qtbot) -> None:
    """Both tickets bought at the kiosk open the gate once; a second scan is refused."""
    (first, second), gate, services = tickets_and_gate(make_kiosk, make_gate, qtbot)
    assert gate.verdict_label.text() == "请扫描门票"

    scan(qtbot, gate, first)
    assert (gate.state, gate.verdict) == ("admit", "admit")
    assert gate.verdict_label.text() == "欢迎光临"
    assert "成人票" in gate.detail.text()

    scan(qtbot, gate, first)
    assert (gate.state, gate.verdict) == ("refuse", "used")
    assert gate.verdict_label.text() == "这张门票已经使用过"
    assert "使用时间" in gate.detail.text()

    scan(qtbot, gate, second)
    assert gate.verdict == "admit"
    events = [e.event for e in services.store.entries()]
    assert events == ["gate.admitted", "gate.refused", "gate.admitted"]


def _token(start: tuple[int, ...], end: tuple[int, ...], key: TicketKey = DEMO_KEY) -> str:
    ticket = Ticket(5, "ADULT", datetime(*start, tzinfo=CHINA), datetime(*end, tzinfo=CHINA))
    return issue_token(ticket, key)


FORGER = TicketKey(0, hashlib.sha256(b"forger").digest())


@pytest.mark.parametrize(
    ("token", "verdict", "words"),
    [
        pytest.param(_token((2026, 11, 27), (2026, 11, 28), FORGER), "forged", "无效", id="forged"),
        pytest.param(
            _token((2026, 11, 28), (2026, 11, 29)), "wrong_day", "其他日期", id="tomorrow"
        ),
        pytest.param(
            _token((2026, 11, 26), (2026, 11, 27)), "wrong_day", "其他日期", id="yesterday"
        ),
        pytest.param(
            _token((2026, 11, 27, 8), (2026, 11, 27, 9)), "expired", "已过", id="slot-passed"
        ),
        pytest.param("NOT-A-TICKET", "unreadable", "无法识别", id="garbage"),
    ],
)
def test_refusals_are_red_and_plain(make_gate, qtbot, token, verdict, words) -> None:
    """Forged, wrong-day, expired and unreadable scans turn the screen red and say why."""
    window, _services = make_gate()
    gate = window.stack.currentWidget()
    qtbot.waitUntil(gate.scan_input.hasFocus)
    scan(qtbot, gate, token)
    assert (gate.state, gate.verdict) == ("refuse", verdict)
    assert words in gate.verdict_label.text()
    gate.reset_timer.setInterval(10)
    gate.reset_timer.start()
    qtbot.waitUntil(lambda: gate.state == "ready")


def test_focus_returns_to_the_scanner(make_gate, qtbot) -> None:
    """Touching the language toggle does not steal the scanner's input."""
    window, _services = make_gate()
    gate = window.stack.currentWidget()
    qtbot.mouseClick(gate.language_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: gate.verdict_label.text() == "Please scan your ticket")
    qtbot.waitUntil(gate.scan_input.hasFocus)


def test_admitted_at_the_screen_is_used_on_the_cli(
    make_kiosk, make_gate, qtbot, tmp_path, capsys
) -> None:
    """`kiosk gate verify` on the gate's journal refuses a ticket the screen admitted."""
    from kiosk import cli
    from tests.ui.kiosk_setup import NOW

    (first, second), gate, services = tickets_and_gate(make_kiosk, make_gate, qtbot)
    scan(qtbot, gate, first)
    assert gate.verdict == "admit"
    config = tmp_path / "gate.toml"
    data_dir = services.settings.data_dir.as_posix()
    config.write_text(f'data_dir = "{data_dir}"\n[terminal]\nid = "GATE0001"\n')
    base = ["--config", str(config), "gate", "verify", "--at", NOW.isoformat()]
    assert cli.main([*base, first]) == 1
    assert capsys.readouterr().out.startswith("used:")
    assert cli.main([*base, second]) == 0
    scan(qtbot, gate, second)
    assert gate.verdict == "used"


def test_print_test_ticket_is_refused_as_a_test(make_gate, qtbot) -> None:
    """The ticket `kiosk print-test` prints, scanned inside its window: the gate says it is
    a test printout, stays shut, and marks nothing used (a second scan says the same)."""
    from kiosk.printing.document import PaperWidth
    from kiosk.printing.layouts import Lang
    from kiosk.printing.samples import sample_ticket

    doc = sample_ticket(PaperWidth.MM58, Lang.ZH, datetime.now(CHINA), DEMO_KEY)
    (token,) = [b.data for b in doc.blocks if isinstance(b, QrCode)]
    window, services = make_gate()
    gate = window.stack.currentWidget()
    qtbot.waitUntil(gate.scan_input.hasFocus)
    for _ in range(2):
        scan(qtbot, gate, token)
        assert (gate.state, gate.verdict) == ("refuse", "test_ticket")
        assert gate.verdict_label.text() == "这是打印测试单，不是门票"
    assert "gate.admitted" not in [e.event for e in services.store.entries()]

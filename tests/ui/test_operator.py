"""The hidden operator menu: corner gesture, PIN with lockout, reprint, status, shift close."""

from __future__ import annotations

import dataclasses
import stat
from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint
from sqlalchemy import select

from kiosk.errors import ConfigError
from kiosk.journal.models import PrintJob, Shift, ShiftStatus
from kiosk.ui.operator_access import (
    LOCKOUT_S,
    CornerTaps,
    PinGuard,
    hash_pin,
    pin_matches,
    stored_pin_hash,
    write_pin_file,
)
from tests.checkout.conftest import kiosk_settings
from tests.ui.kiosk_setup import NOW
from tests.ui.test_ticket_flow import buy_two_adults

CORNER = QPoint(20, 20)


def corner_taps(kiosk, qtbot, n: int = 5) -> None:
    for _ in range(n):
        kiosk.tap(qtbot, CORNER)


def enter_pin(kiosk, qtbot, pin: str) -> None:
    for digit in pin:
        kiosk.click(qtbot, f"key_{digit}")


def test_corner_gesture_opens_pin_pad(make_kiosk, qtbot) -> None:
    """Five taps in the top-left corner open the PIN pad; four do not."""
    kiosk = make_kiosk()
    corner_taps(kiosk, qtbot, 4)
    assert kiosk.screen == "attract"
    corner_taps(kiosk, qtbot, 1)
    kiosk.wait_for(qtbot, "operator_pin")


def test_taps_elsewhere_do_not_count() -> None:
    """A tap outside the corner resets the count; taps older than 3 s drop out."""
    now = [0.0]
    taps = CornerTaps(clock=lambda: now[0])
    assert not any(taps.tap(10, 10) for _ in range(4))
    assert not taps.tap(500, 10)
    assert not any(taps.tap(10, 10) for _ in range(4))
    now[0] = 10.0
    assert not taps.tap(10, 10)  # the four earlier taps are too old
    assert not any(taps.tap(10, 10) for _ in range(3))
    assert taps.tap(10, 10)


def test_wrong_pin_locks_out(make_kiosk, qtbot) -> None:
    """Three wrong PINs lock the pad, even the right PIN, until the lockout time passes."""
    kiosk = make_kiosk()
    now = [100.0]
    kiosk.flow.desk.guard.clock = lambda: now[0]
    kiosk.flow.open_operator()
    for _ in range(2):
        enter_pin(kiosk, qtbot, "123456")
        assert kiosk.text("pin_message") == "密码错误"
    enter_pin(kiosk, qtbot, "123456")
    assert "已锁定" in kiosk.text("pin_message")
    enter_pin(kiosk, qtbot, "000000")
    assert kiosk.screen == "operator_pin"
    now[0] += LOCKOUT_S + 1
    enter_pin(kiosk, qtbot, "000000")
    assert kiosk.screen == "operator_menu"


def test_configured_pin_hash(make_kiosk, qtbot, tmp_path) -> None:
    """With ui.operator_pin_hash set, that PIN opens the menu and the demo PIN does not."""
    settings = kiosk_settings(tmp_path, operator_pin_hash=hash_pin("482913", iterations=1000))
    kiosk = make_kiosk(settings=settings)
    kiosk.flow.open_operator()
    enter_pin(kiosk, qtbot, "000000")
    assert kiosk.screen == "operator_pin"
    enter_pin(kiosk, qtbot, "482913")
    assert kiosk.screen == "operator_menu"


def test_production_without_pin_is_locked(make_kiosk, qtbot, tmp_path) -> None:
    """Outside demo mode with no PIN set, no PIN opens the menu (the demo PIN neither) and
    the PIN pad says why; ``kiosk admin set-pin``'s file then opens it with that PIN."""
    settings = dataclasses.replace(kiosk_settings(tmp_path), demo=False)
    guard = PinGuard(stored_pin_hash(settings), demo=False)
    assert not guard.configured
    assert not any(guard.try_pin(pin) for pin in ("000000", "", "123456"))
    kiosk = make_kiosk(settings=dataclasses.replace(settings, demo=True))
    kiosk.flow.desk.guard = guard
    kiosk.flow.open_operator()
    assert "set-pin" in kiosk.text("pin_message")
    enter_pin(kiosk, qtbot, "000000")
    assert kiosk.screen == "operator_pin"

    path = write_pin_file(settings, "48291357")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "48291357" not in path.read_text()
    stored = stored_pin_hash(settings)
    assert pin_matches("48291357", stored, demo=False)
    assert not pin_matches("000000", stored, demo=False)


@pytest.mark.parametrize("pin", ["12345", "١٢٣٤٥٦", "12 3456", "1234567890123"])
def test_set_pin_refuses_weak_or_odd_pins(pin: str, tmp_path) -> None:
    """Six to twelve ASCII digits, nothing else."""
    with pytest.raises(ConfigError):
        write_pin_file(kiosk_settings(tmp_path), pin)


@pytest.mark.parametrize(
    "stored",
    ["plain", "md5$1$00$00", "pbkdf2_sha256$x$00$00"],
    ids=["no-fields", "scheme", "iterations"],
)
def test_bad_pin_hash_is_a_config_error(stored: str) -> None:
    """A PIN setting that is not a PBKDF2 hash is a ConfigError naming the key."""
    with pytest.raises(ConfigError) as err:
        pin_matches("000000", stored, demo=True)
    assert err.value.context["key"] == "ui.operator_pin_hash"


def test_guard_resets_after_success() -> None:
    """A right PIN clears earlier failures: two wrong, one right, two wrong do not lock."""
    guard = PinGuard("", demo=True, clock=lambda: 0.0)
    assert not guard.try_pin("1") and not guard.try_pin("2")
    assert guard.try_pin("000000")
    assert not guard.try_pin("1") and not guard.try_pin("2")
    assert guard.locked_for() == 0


def test_reprint_printer_status_and_shift_close(make_kiosk, qtbot) -> None:
    """After a sale: reprint gives a second receipt (never a ticket), status, shift close."""
    kiosk = make_kiosk()
    buy_two_adults(kiosk, qtbot)
    kiosk.wait_for(qtbot, "result")
    kiosk.click(qtbot, "done")
    corner_taps(kiosk, qtbot)
    kiosk.wait_for(qtbot, "operator_pin")
    enter_pin(kiosk, qtbot, "000000")
    kiosk.wait_for(qtbot, "operator_menu")
    assert not kiosk.flow.desk.menu.buttons["ec_balance"].isEnabled()

    kiosk.click(qtbot, "reprint")
    qtbot.waitUntil(lambda: kiosk.text("status") == "已补打")
    assert kiosk.printer.kinds == ["receipt", "ticket", "ticket", "receipt"]
    assert "重打".encode("gb18030") in kiosk.printer.jobs[-1]  # the REPRINT mark
    with kiosk.services.store.read() as session:
        kinds = session.scalars(select(PrintJob.kind).order_by(PrintJob.id)).all()
    assert kinds == ["receipt", "ticket:0:0", "ticket:0:1", "receipt:reprint"]

    kiosk.click(qtbot, "printer_status")
    qtbot.waitUntil(lambda: kiosk.text("status") == "打印机就绪")

    kiosk.click(qtbot, "sync_status")  # the status area's sync line (not enrolled here)
    qtbot.waitUntil(lambda: kiosk.text("status").startswith("同步："))

    kiosk.services.clock = lambda: NOW + timedelta(hours=8)  # the end of the shift
    kiosk.click(qtbot, "shift_close")
    qtbot.waitUntil(lambda: kiosk.text("status").startswith("已交班"))
    assert "1 笔销售" in kiosk.text("status") and "¥120.00" in kiosk.text("status")
    closed = [e for e in kiosk.services.store.entries() if e.event == "shift.closed"]
    assert [(e.payload["sales"], e.payload["sales_fen"]) for e in closed] == [(1, 12000)]
    assert kiosk.printer.kinds[-1] == "shift_close"
    assert "交班结算单".encode("gb18030") in kiosk.printer.jobs[-1]
    with kiosk.services.store.read() as session:
        shifts = session.scalars(select(Shift.status).order_by(Shift.id)).all()
    assert shifts == [ShiftStatus.CLOSED, ShiftStatus.OPEN]

    kiosk.click(qtbot, "back")
    kiosk.wait_for(qtbot, "attract")


def test_exit_closes_a_deployed_terminal(make_kiosk, qtbot) -> None:
    """ "Exit" in the operator menu closes the window of a terminal run in one mode."""
    kiosk = make_kiosk()
    kiosk.flow.open_operator()
    enter_pin(kiosk, qtbot, "000000")
    kiosk.click(qtbot, "exit")
    qtbot.waitUntil(lambda: not kiosk.window.isVisible())


def test_sync_line_in_the_operators_words() -> None:
    """The sync line: backlog, last contact, unsent offline money, the last error."""
    from datetime import UTC, datetime

    from kiosk.sync.link import SyncView
    from kiosk.sync.state import SyncStatus
    from kiosk.ui.operator_desk import sync_text

    status = SyncStatus(
        terminal_id="T1",
        acked_seq=5,
        last_seq=12,
        last_contact_at=datetime(2026, 12, 5, 2, 30, tzinfo=UTC),
        last_error="sync.timeout",
        last_error_at=None,
        hub_url="http://hub",
        params_version=1,
        offline_unacked_fen=2500,
    )
    text = sync_text(SyncView("error", status, "sync.timeout"))
    first = text.splitlines()[0]  # English or Chinese, whichever translator is installed
    assert " 7 " in first.replace("：", " ") and "¥25.00" in first
    assert len(text.splitlines()) == 2
    unenrolled, disabled = sync_text(SyncView("not_enrolled")), sync_text(SyncView("disabled"))
    assert unenrolled != disabled and "7" not in unenrolled

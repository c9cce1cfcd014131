"""The service manager's notify protocol, seen from a real datagram socket: READY when the
first screen is up, watchdog pings while the event loop turns, none while it is blocked."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.ops.systemd import Notifier

REPO = Path(__file__).resolve().parents[2]


class NotifySocket:
    """A bound datagram socket standing where systemd's would; records (time, message)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.1)
        self.received: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            self.received.append((time.monotonic(), data.decode()))

    def messages(self, key: str) -> list[float]:
        return [t for t, m in self.received if f"{key}=1" in m.splitlines()]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[NotifySocket]:
    sock = NotifySocket(tmp_path / "notify")
    yield sock
    sock.close()


def test_without_a_service_manager_nothing_is_sent() -> None:
    notifier = Notifier({})
    assert not notifier.enabled and notifier.watchdog_s is None
    assert notifier.ready() is False


def test_watchdog_interval_is_half_of_what_systemd_asks_for_this_process() -> None:
    assert Notifier({"WATCHDOG_USEC": "30000000"}).watchdog_s == 15.0
    mine = str(os.getpid())
    assert Notifier({"WATCHDOG_USEC": "400000", "WATCHDOG_PID": mine}).watchdog_s == 0.2
    assert Notifier({"WATCHDOG_USEC": "400000", "WATCHDOG_PID": "1"}).watchdog_s is None
    assert Notifier({"WATCHDOG_USEC": "0"}).watchdog_s is None
    assert Notifier({"WATCHDOG_USEC": "soon"}).watchdog_s is None


def test_a_service_manager_that_went_away_is_logged_not_raised(tmp_path: Path) -> None:
    assert Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone")}).ready() is False


def test_the_kiosk_says_ready_and_pings_until_it_stops(
    notify_socket: NotifySocket, tmp_path: Path
) -> None:
    """``kiosk demo`` as systemd would start it: READY, pings every half interval, STOPPING."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "NOTIFY_SOCKET": str(notify_socket.path),
        "WATCHDOG_USEC": "200000",
        "KIOSK_DATA_DIR": str(tmp_path / "data"),
    }
    subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "demo", "--quit-after", "2"],
        env=env,
        cwd=REPO,
        check=True,
        timeout=60,
    )
    time.sleep(0.3)
    ready, pings, stopping = (notify_socket.messages(k) for k in ("READY", "WATCHDOG", "STOPPING"))
    assert len(ready) == 1 and len(stopping) == 1
    assert ready[0] < stopping[0]
    assert len(pings) >= 10, pings  # 2 s at one ping per 0.1 s, allowing for a slow machine


def test_a_blocked_event_loop_stops_the_pings(qtbot, notify_socket: NotifySocket) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from kiosk.ui.app import report_to_service_manager

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    notifier = Notifier({"NOTIFY_SOCKET": str(notify_socket.path), "WATCHDOG_USEC": "100000"})
    timer = report_to_service_manager(app, notifier)
    assert timer is not None
    try:
        qtbot.wait(500)
        blocked_at = time.monotonic()
        QTimer.singleShot(0, lambda: time.sleep(1.0))  # a UI that hangs for a second
        qtbot.wait(1500)
    finally:
        timer.stop()
    pings = notify_socket.messages("WATCHDOG")
    before = [t for t in pings if t < blocked_at]
    during = [t for t in pings if blocked_at + 0.1 < t < blocked_at + 0.9]
    after = [t for t in pings if t > blocked_at + 1.1]
    assert len(before) >= 3 and during == [] and len(after) >= 3, (before, during, after)


def test_the_pointer_is_hidden_only_with_a_touch_screen(qapp: object) -> None:
    """A full-screen kiosk with a touch screen shows no mouse pointer; with a mouse it does."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QInputDevice

    from kiosk.ui.app import hide_pointer_on_touch

    kinds = QInputDevice.DeviceType
    assert not hide_pointer_on_touch([kinds.Mouse, kinds.Keyboard])
    assert QGuiApplication.overrideCursor() is None
    try:
        assert hide_pointer_on_touch([kinds.Keyboard, kinds.TouchScreen])
        cursor = QGuiApplication.overrideCursor()
        assert cursor is not None and cursor.shape() == Qt.CursorShape.BlankCursor
    finally:
        QGuiApplication.restoreOverrideCursor()

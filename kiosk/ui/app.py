"""Starting the Qt application: translations, theme, the main window."""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCursor, QGuiApplication, QInputDevice
from PySide6.QtWidgets import QApplication

from kiosk.checkout.terminal import KioskServices, build_services
from kiosk.config import Settings
from kiosk.ops.systemd import Notifier
from kiosk.ui import gc_guard
from kiosk.ui.i18n import Translations
from kiosk.ui.main_window import MainWindow
from kiosk.ui.theme import STYLESHEET


def create_window(
    app: QApplication,
    settings: Settings,
    *,
    chooser: bool,
    services: Callable[[Settings], KioskServices] = build_services,
) -> MainWindow:
    """Build the main window for ``settings`` on an existing QApplication (tests use this)."""
    gc_guard.install(app)
    translations = Translations.of(app)
    translations.use(settings.ui.language)
    app.setStyleSheet(STYLESHEET)
    return MainWindow(settings, translations, chooser=chooser, services=services)


def run_app(settings: Settings, *, chooser: bool, quit_after_ms: int | None = None) -> int:
    """Run the UI until the window closes (or ``quit_after_ms``, for smoke tests)."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("kiosk")
    window = create_window(app, settings, chooser=chooser)
    if settings.ui.fullscreen:
        window.showFullScreen()
        hide_pointer_on_touch([d.type() for d in QInputDevice.devices()])
    else:
        window.show()
    notifier = Notifier()
    report_to_service_manager(app, notifier)
    if quit_after_ms is not None:
        QTimer.singleShot(quit_after_ms, app.quit)
    status = app.exec()
    notifier.stopping()
    return status


def hide_pointer_on_touch(devices: list[QInputDevice.DeviceType]) -> bool:
    """Hide the mouse pointer for the whole application when a touch screen is attached:
    on a full-screen kiosk an arrow left where the last finger touched only distracts.
    Returns whether it was hidden."""
    if QInputDevice.DeviceType.TouchScreen not in devices:
        return False
    QGuiApplication.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))
    return True


def report_to_service_manager(app: QApplication, notifier: Notifier) -> QTimer | None:
    """READY once the event loop shows the first screen, then a watchdog ping from the
    event loop itself: a frozen UI stops pinging and systemd restarts it. Returns the
    watchdog's timer (None without a watchdog)."""
    if not notifier.enabled:
        return None
    QTimer.singleShot(0, lambda: notifier.ready("first screen up"))
    if notifier.watchdog_s is None:
        return None
    timer = QTimer(app)
    timer.setInterval(max(1, int(notifier.watchdog_s * 1000)))
    timer.timeout.connect(notifier.ping)
    timer.start()
    return timer

"""Starting the Qt application: translations, theme, the main window."""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtWidgets import QApplication

from kiosk.checkout.terminal import KioskServices, build_services
from kiosk.config import Settings
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
    else:
        window.show()
    if quit_after_ms is not None:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(quit_after_ms, app.quit)
    return app.exec()

"""UI fixtures: the real main window on a real SQLite journal, with test payment and printer.

The payment provider is checkout's ``ScriptedProvider`` (the card kernel's provider plugs in
through ``kiosk.ui.services.payment_provider`` once it exists); the printer records jobs.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from kiosk.checkout import Outcome, PaymentOutcome, PaymentRequest
from kiosk.config import Settings, load_settings
from kiosk.journal.store import JournalStore
from kiosk.sales.tickets import load_catalog
from kiosk.ui.app import create_window
from kiosk.ui.main_window import MainWindow
from kiosk.ui.services import KioskServices
from tests.checkout.conftest import ScriptedProvider, TestPrinter

#: 10:00 in China on a fixed day: inside opening hours, before the night-tour slots.
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


@dataclass
class WaitingProvider:
    """Waits for a card like the real provider: until cancelled, then ends *aborted*."""

    requests: list[PaymentRequest] = field(default_factory=list)
    ended: threading.Event = field(default_factory=threading.Event)

    def pay(self, request: PaymentRequest, hooks) -> PaymentOutcome:
        self.requests.append(request)
        hooks.progress("card.waiting")
        while not request.cancelled():
            threading.Event().wait(0.02)
        self.ended.set()
        return PaymentOutcome(Outcome.ABORTED, reason="reader.cancelled")


@dataclass
class Kiosk:
    """A running ticket kiosk and the parts a test looks at."""

    window: MainWindow
    services: KioskServices
    printer: TestPrinter
    provider: object

    @property
    def flow(self):
        return self.window.stack.currentWidget()

    @property
    def screen(self) -> str:
        return self.flow.current.objectName()

    def click(self, qtbot, name: str) -> None:
        """Click the visible button ``name`` on the current screen (or the prompt)."""
        buttons = [
            b
            for b in self.window.findChildren(QPushButton, name)
            if b.isVisible() and b.isEnabled()
        ]
        assert len(buttons) == 1, f"{name}: {len(buttons)} visible buttons on {self.screen}"
        qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)

    def text(self, name: str) -> str:
        widgets = [w for w in self.flow.current.findChildren(QWidget, name) if w.isVisible()]
        assert widgets, f"no {name} on {self.screen}"
        return widgets[0].text()

    def wait_for(self, qtbot, screen: str, timeout: int = 5000) -> None:
        qtbot.waitUntil(lambda: self.screen == screen, timeout=timeout)

    def tap(self, qtbot, point: QPoint) -> None:
        qtbot.mouseClick(self.flow.current, Qt.MouseButton.LeftButton, pos=point)


def kiosk_settings(tmp_path: Path, **ui: object) -> Settings:
    """Demo defaults with the journal under ``tmp_path``."""
    settings = load_settings(environ={})
    return dataclasses.replace(
        settings, data_dir=tmp_path, ui=dataclasses.replace(settings.ui, **ui)
    )


@pytest.fixture
def make_kiosk(qtbot, tmp_path: Path) -> Iterator[Callable[..., Kiosk]]:
    made: list[Kiosk] = []

    def make(
        provider: object | None = None,
        printer: TestPrinter | None = None,
        settings: Settings | None = None,
    ) -> Kiosk:
        settings = settings or kiosk_settings(tmp_path)
        printer = printer or TestPrinter()
        provider = ScriptedProvider() if provider is None else provider
        services = KioskServices(
            settings=settings,
            store=JournalStore(settings.journal_url, settings.terminal.id),
            catalog=load_catalog(),
            printer=printer,
            provider=provider,
            clock=lambda: NOW,
        )
        window = create_window(
            QApplication.instance(), settings, chooser=False, services=lambda _s: services
        )
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        kiosk = Kiosk(window, services, printer, provider)
        made.append(kiosk)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.window.close()
    QApplication.instance().processEvents()
    window_language_reset()


def window_language_reset() -> None:
    from kiosk.ui.i18n import Translations

    Translations.of(QApplication.instance()).use("zh_CN")

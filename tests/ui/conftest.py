"""UI fixtures: the real main window on a real SQLite journal, real documents, test payment.

The payment provider is checkout's ``ScriptedProvider`` (the card kernel's provider plugs in
through ``kiosk.checkout.terminal.payment_provider`` once it exists). Documents are rendered from
the journal by the real adapter into ESC/POS bytes, kept by printing's preview printer,
which a test can make run out of paper.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from kiosk.checkout.terminal import KioskServices
from kiosk.config import Settings
from kiosk.payment.reader.sim import SimReader
from kiosk.sales.tickets import Catalog
from kiosk.ui.main_window import MainWindow
from tests.checkout.conftest import ScriptedProvider, gate_settings, kiosk_settings
from tests.ui.kiosk_setup import (
    FaultyPreview,
    build_services,
    open_window,
)


@dataclass
class Kiosk:
    """A running ticket kiosk and the parts a test looks at."""

    window: MainWindow
    services: KioskServices
    printer: FaultyPreview
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


@pytest.fixture
def make_kiosk(qtbot, tmp_path: Path) -> Iterator[Callable[..., Kiosk]]:
    made: list[Kiosk] = []

    def make(
        provider: object | None = None,
        printer: FaultyPreview | None = None,
        settings: Settings | None = None,
        sim_reader: SimReader | None = None,
        catalog: Catalog | None = None,
    ) -> Kiosk:
        settings = settings or kiosk_settings(tmp_path)
        printer = printer or FaultyPreview()
        provider = ScriptedProvider() if provider is None else provider
        services = build_services(
            settings, provider=provider, printer=printer, sim_reader=sim_reader, catalog=catalog
        )
        window = open_window(settings, services)
        qtbot.addWidget(window)
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


@pytest.fixture
def make_gate(qtbot, tmp_path: Path) -> Iterator[Callable[[], tuple[MainWindow, KioskServices]]]:
    """A gate terminal (``kiosk run --mode gate``) with its own journal of used tickets."""
    made: list[MainWindow] = []

    def make() -> tuple[MainWindow, KioskServices]:
        settings = gate_settings(tmp_path / "gate")
        services = build_services(settings, provider=None, printer=None)
        window = open_window(settings, services)
        qtbot.addWidget(window)
        qtbot.waitExposed(window)
        made.append(window)
        return window, services

    yield make
    for window in made:
        window.close()
    window_language_reset()

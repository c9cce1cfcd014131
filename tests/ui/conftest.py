"""UI fixtures: the real main window on a real SQLite journal, real documents, test payment.

The payment provider is checkout's ``ScriptedProvider`` (the card kernel's provider plugs in
through ``kiosk.ui.services.payment_provider`` once it exists). Documents are rendered from
the journal by the real adapter into ESC/POS bytes, kept by printing's preview printer,
which a test can make run out of paper.
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
from kiosk.checkout.documents import JournalDocuments
from kiosk.config import Mode, Settings, load_settings
from kiosk.errors import KioskError
from kiosk.journal.store import JournalStore
from kiosk.payment.reader_sim import SimReader
from kiosk.printing.document import Document, PaperWidth
from kiosk.printing.errors import PaperOutError
from kiosk.printing.escpos import PrinterProfile
from kiosk.printing.printer import PreviewPrinter, PrintResult
from kiosk.printing.status import PrinterStatus
from kiosk.sales.tickets import load_catalog
from kiosk.sales.tokens import DEMO_KEY
from kiosk.ui.app import create_window
from kiosk.ui.main_window import MainWindow
from kiosk.ui.services import KioskServices
from tests.checkout.conftest import ScriptedProvider

#: 10:00 in China on a fixed day: inside opening hours, before the night-tour slots.
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


class FaultyPreview(PreviewPrinter):
    """printing's preview printer, which can be out of paper now or fail the next N jobs."""

    def __init__(self, *, ready_error: KioskError | None = None, fail_next: int = 0) -> None:
        super().__init__(PrinterProfile(width=PaperWidth.MM58), keep=50)
        self.ready_error, self.fail_next = ready_error, fail_next

    def ready_for_sale(self) -> PrinterStatus:
        if self.ready_error is not None:
            raise self.ready_error
        return super().ready_for_sale()

    def print_document(self, doc: Document) -> PrintResult:
        if self.fail_next:
            self.fail_next -= 1
            raise PaperOutError("paper ran out during the job", stage="during")
        return super().print_document(doc)

    @property
    def kinds(self) -> list[str]:
        return [d.kind for d in self.documents]


def paper_out() -> PaperOutError:
    return PaperOutError("printer is out of paper", stage="before")


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
        printer: FaultyPreview | None = None,
        settings: Settings | None = None,
        sim_reader: SimReader | None = None,
    ) -> Kiosk:
        settings = settings or kiosk_settings(tmp_path)
        printer = printer or FaultyPreview()
        provider = ScriptedProvider() if provider is None else provider
        store = JournalStore(settings.journal_url, settings.terminal.id)
        catalog = load_catalog()
        documents = JournalDocuments(
            printer, store, merchant="测试景区", catalog=catalog, key=DEMO_KEY, language="zh_CN"
        )
        services = KioskServices(
            settings=settings,
            store=store,
            catalog=catalog,
            printer=documents,
            provider=provider,
            sim_reader=sim_reader,
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


@pytest.fixture
def make_gate(qtbot, tmp_path: Path) -> Iterator[Callable[[], tuple[MainWindow, KioskServices]]]:
    """A gate terminal (``kiosk run --mode gate``) with its own journal of used tickets."""
    made: list[MainWindow] = []

    def make() -> tuple[MainWindow, KioskServices]:
        base = kiosk_settings(tmp_path / "gate")
        settings = dataclasses.replace(
            base, terminal=dataclasses.replace(base.terminal, id="GATE0001", mode=Mode.GATE)
        )
        services = KioskServices(
            settings=settings,
            store=JournalStore(settings.journal_url, settings.terminal.id),
            catalog=load_catalog(),
            printer=None,
            provider=None,
            clock=lambda: NOW,
        )
        window = create_window(
            QApplication.instance(), settings, chooser=False, services=lambda _s: services
        )
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window, services

    yield make
    for window in made:
        window.close()
    window_language_reset()

"""Building a ticket kiosk or a gate for UI tests and the screenshot tour (no pytest here).

Real journal (SQLite in a folder), real document adapter into printing's preview printer
(which can be made to run out of paper), checkout's scripted or waiting payment providers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from PySide6.QtWidgets import QApplication

from kiosk.checkout import CardIdentity, PaymentOutcome, PaymentRequest, PaymentVerdict
from kiosk.checkout.documents import JournalPrinter, SlipSettings
from kiosk.checkout.terminal import KioskServices
from kiosk.config import Settings
from kiosk.errors import KioskError
from kiosk.journal.store import JournalStore
from kiosk.payment.reader.sim import SimReader
from kiosk.printing.document import Document, PaperWidth
from kiosk.printing.errors import PaperOutError
from kiosk.printing.escpos import PrinterProfile
from kiosk.printing.layouts import Lang
from kiosk.printing.printer import PreviewPrinter, PrintResult
from kiosk.printing.status import PrinterStatus
from kiosk.sales.tickets import Catalog, load_catalog
from kiosk.sales.tokens import DEMO_KEY
from kiosk.ui.app import create_window
from kiosk.ui.main_window import MainWindow
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
        return PaymentOutcome(PaymentVerdict.ABORTED, reason="reader.cancelled")


@dataclass
class HoldingProvider:
    """Reads the card, then holds until released (to see the processing screen); approves."""

    release: threading.Event = field(default_factory=threading.Event)

    def pay(self, request: PaymentRequest, hooks) -> PaymentOutcome:
        hooks.progress("card.reading")
        hooks.before_card_commit(CardIdentity("623456******7890", "tok", "A000000333010101"))
        hooks.progress("card.completing")
        self.release.wait(30)
        return ScriptedProvider().outcome


def build_services(
    settings: Settings,
    *,
    provider: object | None,
    printer: FaultyPreview | None,
    sim_reader: SimReader | None = None,
    catalog: Catalog | None = None,
    clock: Callable[[], datetime] = lambda: NOW,
) -> KioskServices:
    """Services as ``kiosk.checkout.terminal.build_services`` wires them, with test parts."""
    documents = None
    if printer is not None:
        slip = SlipSettings("演示景区", settings.terminal.id, Lang.ZH, PaperWidth.MM58, DEMO_KEY)
        documents = JournalPrinter(printer, slip, clock=clock)
    return KioskServices(
        settings=settings,
        store=JournalStore(settings.journal_url, settings.terminal.id),
        catalog=catalog or load_catalog(),
        printer=documents,
        provider=provider,
        sim_reader=sim_reader,
        clock=clock,
    )


def open_window(
    settings: Settings, services: KioskServices, *, chooser: bool = False
) -> MainWindow:
    """The main window as ``kiosk run`` (or with ``chooser``, ``kiosk demo``) opens it."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window = create_window(app, settings, chooser=chooser, services=lambda _s: services)
    window.show()
    window.activateWindow()  # several windows in one test session: keyboard to this one
    return window

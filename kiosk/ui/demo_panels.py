"""The demo's side panels: a card simulator to tap or insert, and the printer's paper.

Shown when ``demo = true``. The card panel drives the in-process
:class:`~kiosk.payment.reader.sim.SimReader` the payment provider reads (the same reader
path the app uses with hardware); loading a profile personalises a card (RSA signing), so
it runs on the panel's worker. The printer panel shows what printing's preview printer
kept, rendered to PNG on the same worker.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.checkout.terminal import KioskServices
from kiosk.payment.cardsim.base import VirtualCard
from kiosk.payment.cardsim.profiles import list_profiles, load_card
from kiosk.payment.reader import Interface
from kiosk.payment.reader.sim import SimReader
from kiosk.printing.document import Document, QrCode
from kiosk.printing.preview import render_png
from kiosk.printing.printer import PreviewPrinter
from kiosk.ui.signals import emit
from kiosk.ui.widgets import button, label
from kiosk.ui.workers import Done, Worker

translate = QCoreApplication.translate
#: How often the printer panel looks for new paper.
PREVIEW_POLL_MS = 500
#: Width of a slip in the panel, in pixels.
SLIP_WIDTH = 340


class CardPanel(QWidget):
    """Pick a card profile; tap it, insert it, take it away."""

    def __init__(self, reader: SimReader, state_dir: Path) -> None:
        super().__init__()
        self.setObjectName("card_panel")
        self.reader, self.state_dir = reader, state_dir
        self.worker = Worker("card-sim", self)
        self.title = label("call", name="card_title")
        self.profiles = QComboBox()
        self.profiles.setObjectName("card_profile")
        self.profiles.setMinimumHeight(60)
        for info in list_profiles():
            self.profiles.addItem(info.name, info.name)
            self.profiles.setItemData(
                self.profiles.count() - 1, info.description, Qt.ItemDataRole.ToolTipRole
            )
        self.profiles.setCurrentIndex(max(0, self.profiles.findData("debit-ec")))
        self.tap = button("card_tap", height=70)
        self.insert = button("card_insert", height=70)
        self.remove = button("card_remove", "secondary", height=70)
        self.status = label("hint", name="card_status")
        grid = QGridLayout()
        grid.addWidget(self.tap, 0, 0)
        grid.addWidget(self.insert, 0, 1)
        grid.addWidget(self.remove, 1, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.profiles)
        layout.addLayout(grid)
        layout.addWidget(self.status)
        self.tap.clicked.connect(lambda: self.present(Interface.CONTACTLESS))
        self.insert.clicked.connect(lambda: self.present(Interface.CONTACT))
        self.remove.clicked.connect(self.take_away)
        # A simulated reader may start with its profile's card in it.
        self._presented = reader.name if reader.card_present() else ""
        self.retranslate()

    def present(self, interface: Interface) -> None:
        """Load the chosen profile's card (its state kept in ``state_dir``) and present it."""
        name = self.profiles.currentData()
        self._set_buttons(enabled=False)

        def load(_job: int) -> VirtualCard:
            return load_card(name, state_dir=self.state_dir)

        def presented(done: Done) -> None:
            self._set_buttons(enabled=True)
            if done.error is not None:
                self._presented = f"! {done.error}"
            else:
                self.reader.interface = interface
                self.reader.insert(done.value)
                self._presented = f"{name} ({interface.value})"
            self.retranslate()

        self.worker.run(load, presented)

    def take_away(self) -> None:
        self.reader.remove()
        self._presented = ""
        self.retranslate()

    def _set_buttons(self, *, enabled: bool) -> None:
        for b in (self.tap, self.insert, self.remove):
            b.setEnabled(enabled)

    def retranslate(self) -> None:
        self.title.setText(translate("Demo", "Card simulator"))
        self.tap.setText(translate("Demo", "Tap"))
        self.insert.setText(translate("Demo", "Insert"))
        self.remove.setText(translate("Demo", "Remove"))
        self.status.setText(
            translate("Demo", "In the reader: %1").replace("%1", self._presented)
            if self._presented
            else translate("Demo", "No card in the reader")
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class PrinterPanel(QWidget):
    """The paper that came out of the preview printer, newest first.

    Under each ticket, a button hands its QR token to the gate screen, standing in for a
    visitor holding the paper under the gate's scanner.
    """

    token_scanned = Signal(str)

    def __init__(self, printer: PreviewPrinter) -> None:
        super().__init__()
        self.setObjectName("printer_panel")
        self.printer = printer
        self.worker = Worker("preview", self)
        self.title = label("call", name="printer_title")
        self.paper = QWidget()
        self.paper_layout = QVBoxLayout(self.paper)
        self.paper_layout.addStretch()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.paper)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(scroll, 1)
        self.shown: list[Document] = []
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(PREVIEW_POLL_MS)
        self.retranslate()

    def refresh(self) -> None:
        """Render documents printed since the last look (on the worker) and show them."""
        new = [d for d in self.printer.documents if not any(d is s for s in self.shown)]
        if not new or self.worker.busy:
            return
        self.shown.extend(new)

        def render(_job: int) -> list[tuple[bytes, str]]:
            return [(render_png(doc), _token(doc)) for doc in new]

        self.worker.run(render, self._rendered)

    def _rendered(self, done: Done) -> None:
        if done.error is not None:
            problem = label("warning")
            problem.setText(str(done.error))
            self.paper_layout.insertWidget(0, problem)
            return
        for png, token in done.value:
            if token:
                scan = button("scan_at_gate", "secondary", height=70)
                scan.setProperty("token", token)
                scan.setText(translate("Demo", "Show this ticket at the gate"))
                scan.clicked.connect(lambda _=False, t=token: emit(self.token_scanned, t))
                self.paper_layout.insertWidget(0, scan)
            pixmap = QPixmap()
            pixmap.loadFromData(png, "PNG")
            # 58 mm paper is 384 dots, 80 mm 576: fit the panel, keep it sharp enough to read.
            pixmap = pixmap.scaledToWidth(
                min(pixmap.width(), SLIP_WIDTH), Qt.TransformationMode.SmoothTransformation
            )
            slip = QLabel()
            slip.setObjectName("slip")
            slip.setPixmap(pixmap)
            slip.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            slip.setStyleSheet("background: #ffffff; padding: 8px;")
            self.paper_layout.insertWidget(0, slip)

    def retranslate(self) -> None:
        self.title.setText(translate("Demo", "Printer (preview)"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def _token(doc: Document) -> str:
    """The QR token printed on ``doc`` ("" when it carries none)."""
    return next((b.data for b in doc.blocks if isinstance(b, QrCode)), "")


class DemoPanels(QWidget):
    """The card panel above the printer panel, beside the kiosk screen."""

    def __init__(
        self, reader: SimReader | None, printer: PreviewPrinter | None, state_dir: Path
    ) -> None:
        super().__init__()
        self.setObjectName("demo_panels")
        self.setFixedWidth(420)
        layout = QVBoxLayout(self)
        self.card = CardPanel(reader, state_dir) if reader is not None else None
        self.printer = PrinterPanel(printer) if printer is not None else None
        if self.card is not None:
            layout.addWidget(self.card)
        if self.printer is not None:
            layout.addWidget(self.printer, 1)

    @classmethod
    def for_services(cls, services: KioskServices, state_dir: Path) -> DemoPanels | None:
        """The panels for what ``services`` simulates; None when it simulates nothing."""
        preview = services.printer.service if services.printer is not None else None
        if not isinstance(preview, PreviewPrinter):
            preview = None
        if services.sim_reader is None and preview is None:
            return None
        return cls(services.sim_reader, preview, state_dir)

    def shutdown(self) -> None:
        if self.printer is not None:
            self.printer.timer.stop()
        for panel in (self.card, self.printer):
            if panel is not None:
                panel.worker.shutdown()

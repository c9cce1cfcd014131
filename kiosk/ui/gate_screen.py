"""The gate: scan a ticket's QR code, see green (go through) or red (and why) from afar.

Scanners at gates act as keyboards ("keyboard wedge"): they type the code's characters and
then Enter. A focused, practically invisible line edit collects them; a completed line is
checked on the journal worker (the admission is written before the screen turns green).
The verdict stays up for :data:`VERDICT_MS`, then the screen invites the next scan.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from PySide6.QtCore import QCoreApplication, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QShowEvent
from PySide6.QtWidgets import QLineEdit

from kiosk.errors import KioskError
from kiosk.sales.gate import GateDecision, GateVerdict
from kiosk.sales.tickets import CHINA
from kiosk.ui.i18n import Translations
from kiosk.ui.services import KioskServices
from kiosk.ui.texts import gate_text
from kiosk.ui.widgets import Page, button, label
from kiosk.ui.workers import Done, Worker

translate = QCoreApplication.translate
VERDICT_MS = 3000


class _ScanInput(QLineEdit):
    """Keeps the keyboard focus: whatever is touched, the scanner's characters land here."""

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        super().focusOutEvent(event)
        QTimer.singleShot(0, self, self.setFocus)  # dropped if the input is gone


class GateScreen(Page):
    """One gate lane: waiting, then admit (green) or refuse (red) with the reason."""

    #: The demo's way back to the mode chooser (a deployed gate has no such button).
    leave = Signal()

    def __init__(
        self, services: KioskServices, translations: Translations, *, leave: bool = False
    ) -> None:
        super().__init__("gate")
        self.services, self.translations = services, translations
        self.back = button("back", "secondary", height=70)
        self.back.setVisible(leave)
        self.back.clicked.connect(self.leave)
        self.worker = Worker("journal", self)
        self.scan_input = _ScanInput()
        self.scan_input.setObjectName("scan_input")
        self.scan_input.setFixedSize(1, 1)  # present and focused, but not shown to anyone
        self.scan_input.setMaxLength(400)
        self.scan_input.returnPressed.connect(self._scanned)
        self.verdict_label = label("gate", name="verdict")
        self.detail = label("call", name="detail")
        self.advice = label("item", name="advice")
        self.body.addStretch()
        self.body.addWidget(self.verdict_label)
        self.body.addWidget(self.detail)
        self.body.addWidget(self.advice)
        self.body.addStretch()
        self.body.addWidget(self.back)
        self.body.addWidget(self.scan_input)
        self.reset_timer = QTimer(self)
        self.reset_timer.setSingleShot(True)
        self.reset_timer.setInterval(VERDICT_MS)
        self.reset_timer.timeout.connect(self.ready)
        self.state = "ready"
        self._shown: tuple[GateDecision | None, datetime | None, str] = (None, None, "")
        self.scans = 0
        self.ready()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.scan_input.setFocus()

    def ready(self) -> None:
        """Back to "please scan"."""
        self._set_state("ready")
        self._shown = (None, None, "")
        self.retranslate()

    def _scanned(self) -> None:
        text = self.scan_input.text()
        self.scan_input.clear()
        self.scan(text)

    def scan(self, text: str) -> None:
        """Check ``text`` as if the scanner had read it (the demo's printer panel uses this)."""
        self.scans += 1
        scan = self.scans
        self.worker.run(
            lambda _job: self.services.check_ticket(text),
            self._decided,
            still_wanted=lambda: self.scans == scan,  # a newer scan wins the screen
        )

    def _decided(self, done: Done) -> None:
        if done.error is not None:
            code = done.error.code if isinstance(done.error, KioskError) else "internal"
            self._shown = (
                None,
                None,
                code if code.startswith("journal.") else "journal.unavailable",
            )
            self._set_state("refuse")
        else:
            decision, used_at = done.value
            self._shown = (decision, used_at, decision.verdict.value)
            self._set_state("admit" if decision.admitted else "refuse")
        self.retranslate()
        self.reset_timer.start()

    @property
    def verdict(self) -> str:
        """The verdict on screen (a GateVerdict value or an error code), "" while waiting."""
        return self._shown[2]

    def _set_state(self, state: str) -> None:
        self.state = state
        self.setProperty("verdict", state)
        for widget in (self, self.verdict_label, self.detail, self.advice, self.title):
            widget.style().unpolish(widget)
            widget.style().polish(widget)

    def retranslate(self) -> None:
        super().retranslate()
        self.back.setText(translate("Gate", "Back"))
        decision, used_at, verdict = self._shown
        if not verdict:
            self.title.setText(translate("Gate", "Ticket check"))
            self.verdict_label.setText(translate("Gate", "Please scan your ticket"))
            self.detail.setText(translate("Gate", "Hold the QR code under the scanner"))
            self.advice.setText("")
            return
        words = gate_text(verdict)
        self.title.setText("")
        self.verdict_label.setText(words.title)
        self.advice.setText(words.advice)
        self.detail.setText(self._ticket_line(decision, used_at))

    def _ticket_line(self, decision: GateDecision | None, used_at: datetime | None) -> str:
        if decision is None or decision.ticket is None:
            return ""
        t = decision.ticket
        product = self.services.catalog.by_code.get(t.product)
        name = product.name(self.translations.language) if product else t.product
        start, end = t.valid_from.astimezone(CHINA), t.valid_until.astimezone(CHINA)
        line = f"{name} · {start:%Y-%m-%d}"
        if end - start != timedelta(days=1) or start.time() != time(0):
            line += f" {start:%H:%M}–{end:%H:%M}"  # a time slot, not the whole day
        if decision.verdict is GateVerdict.USED and used_at is not None:
            line += "<br>" + translate("Gate", "Used at %1").replace(
                "%1", f"{used_at.astimezone(CHINA):%H:%M:%S}"
            )
        return line

    def shutdown(self) -> None:
        self.reset_timer.stop()
        self.worker.shutdown()

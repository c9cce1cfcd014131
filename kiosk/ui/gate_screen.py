"""The gate: scan a ticket's QR code, see green (go through) or red (and why) from afar.

Scanners at gates act as keyboards ("keyboard wedge"): they type the code's characters and
then Enter. A focused, practically invisible line edit collects them; a completed line is
checked on the journal worker (the admission is written before the screen turns green).
The verdict stays up for :data:`VERDICT_MS`, then the screen invites the next scan.

A gate with a card reader (the demo's simulated one, or PC/SC) also admits by tapping the
card that paid for the ticket: while idle, a worker of its own polls the reader for
:data:`CARD_POLL_S` at a time (so scans are never queued behind a wait) and a decision is
shown like a scan's.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from PySide6.QtCore import QCoreApplication, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QHideEvent, QShowEvent
from PySide6.QtWidgets import QLineEdit

from kiosk.checkout.terminal import KioskServices
from kiosk.errors import KioskError
from kiosk.sales.gate import GateDecision, GateVerdict
from kiosk.sales.tickets import CHINA
from kiosk.ui.i18n import Translations
from kiosk.ui.texts import gate_text
from kiosk.ui.widgets import Page, button, label
from kiosk.ui.workers import Done, Worker

log = logging.getLogger(__name__)
translate = QCoreApplication.translate
VERDICT_MS = 3000
# Seconds one card poll waits on the reader; then the screen gets a turn.
CARD_POLL_S = 0.3


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
        self.card_worker = Worker("gate-card", self)
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
        self.card_timer = QTimer(self)
        self.card_timer.setSingleShot(True)
        self.card_timer.setInterval(100)
        self.card_timer.timeout.connect(self._poll_card)
        self.state = "ready"
        self._shown: tuple[GateDecision | None, datetime | None, str] = (None, None, "")
        self._by_card = False
        self.scans = 0
        self.taps = 0
        self.ready()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.scan_input.setFocus()
        if self.services.card_gate:
            self.card_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt override
        super().hideEvent(event)
        self.card_timer.stop()

    def ready(self) -> None:
        """Back to "please scan"."""
        self._set_state("ready")
        self._shown = (None, None, "")
        self._by_card = False
        self.retranslate()
        if self.services.card_gate and self.isVisible():
            self.card_timer.start()

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

    def _poll_card(self) -> None:
        """Look for a tapped card while idle (the worker may block for CARD_POLL_S)."""
        if self.state != "ready" or self.card_worker.busy or not self.isVisible():
            if self.isVisible():
                self.card_timer.start()
            return
        self.card_worker.run(lambda _job: self.services.check_card(CARD_POLL_S), self._card_polled)

    def _card_polled(self, done: Done) -> None:
        code = done.error.code if isinstance(done.error, KioskError) else "internal"
        if done.error is not None and not code.startswith("journal."):
            # A reader fault (unplugged, busy) is no visitor's business: QR still works.
            log.warning("gate card reader: %s", code)
            self.card_timer.setInterval(2000)
        elif done.error is not None or done.value is not None:
            self.taps += 1
            self._decided(done, by_card=True)
            return
        else:
            self.card_timer.setInterval(100)
        if self.isVisible():
            self.card_timer.start()

    def _decided(self, done: Done, *, by_card: bool = False) -> None:
        self._by_card = by_card
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
            if self.services.card_gate:
                self.detail.setText(
                    translate("Gate", "Scan your QR code or tap the card you paid with")
                )
            else:
                self.detail.setText(translate("Gate", "Hold the QR code under the scanner"))
            self.advice.setText("")
            return
        words = gate_text(verdict, by_card=self._by_card)
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
            line += "\n" + translate("Gate", "Used at %1").replace(
                "%1", f"{used_at.astimezone(CHINA):%H:%M:%S}"
            )
        return line

    def shutdown(self) -> None:
        self.reset_timer.stop()
        self.card_timer.stop()
        self.card_worker.shutdown()
        self.worker.shutdown()

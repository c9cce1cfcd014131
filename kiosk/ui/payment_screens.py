"""Ticket mode, from payment on: present the card, processing, the result, out of service."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QHideEvent, QPainter, QPaintEvent, QPen, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QWidget

from kiosk.money import format_fen
from kiosk.ui.signals import emit
from kiosk.ui.texts import explain
from kiosk.ui.widgets import Page, button, label

translate = QCoreApplication.translate

YELLOW, WHITE, NAVY = QColor("#ffd400"), QColor("#ffffff"), QColor("#0b1d2a")


class CardAnimation(QWidget):
    """A card moving onto a reader with contactless waves: what to do, without words.

    Runs only while visible, so hidden screens cost nothing.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("card_animation")
        self.setMinimumSize(420, 230)
        self.phase = 0.0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.phase = (self.phase + 0.02) % 1.0
        self.update()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        self._timer.start(40)
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt override
        self._timer.stop()
        super().hideEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        reader = QRectF(w / 2 - 110, h - 90, 220, 70)
        p.setPen(QPen(WHITE, 4))
        p.setBrush(NAVY)
        p.drawRoundedRect(reader, 14, 14)
        # The card eases down towards the reader, then starts again.
        t = 0.5 - 0.5 * math.cos(self.phase * 2 * math.pi)
        card = QRectF(w / 2 - 85, 10 + t * (h - 190), 170, 105)
        p.setBrush(YELLOW)
        p.setPen(QPen(NAVY, 3))
        p.drawRoundedRect(card, 12, 12)
        p.setBrush(NAVY)
        p.drawRoundedRect(QRectF(card.left() + 20, card.top() + 32, 36, 28), 4, 4)  # chip
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(YELLOW, 4))
        for i in range(3):
            r = 20 + 18 * i + 10 * t
            p.drawArc(QRectF(w / 2 - r, reader.top() + 10 - r, 2 * r, 2 * r), 30 * 16, 120 * 16)
        p.end()


class Spinner(CardAnimation):
    """A turning arc: the machine is working (and its screen is not frozen)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("spinner")
        self.setMinimumSize(160, 160)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height()) - 20
        box = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        pen = QPen(YELLOW, 14)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.drawArc(box, int(-self.phase * 360 * 16 * 2), 100 * 16)
        p.end()


class PaymentScreen(Page):
    """ "Tap or insert your card": the amount, a countdown, cancel."""

    cancel_clicked = Signal()
    timed_out = Signal()

    def __init__(self) -> None:
        super().__init__("payment")
        self.animation = CardAnimation()
        self.amount = label("amount", name="amount")
        self.countdown = label("hint", name="countdown")
        self.cancel = button("cancel", "danger")
        self.left_s = 0
        self._unavailable = ""
        self._amount_fen = 0
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.cancel, 2)
        row.addStretch()
        self.body.addWidget(self.amount)
        self.body.addWidget(self.animation, 1, Qt.AlignmentFlag.AlignCenter)
        self.body.addWidget(self.countdown)
        self.body.addLayout(row)
        self.cancel.clicked.connect(self.cancel_clicked)
        self.retranslate()

    def start(self, amount_fen: int, seconds: int) -> None:
        """Ask for a card: ``seconds`` to present it, counted down on screen."""
        self._amount_fen, self.left_s, self._unavailable = amount_fen, seconds, ""
        self.animation.show()
        self._timer.start()
        self.retranslate()

    def show_unavailable(self, amount_fen: int, code: str) -> None:
        """Say plainly why no card can be taken (error ``code``); nothing is asked of anyone."""
        self._amount_fen, self._unavailable = amount_fen, code
        self._timer.stop()
        self.animation.hide()
        self.retranslate()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        self.left_s = max(0, self.left_s - 1)
        self.retranslate()
        if self.left_s == 0:
            self._timer.stop()
            emit(self.timed_out)

    def retranslate(self) -> None:
        super().retranslate()
        self.amount.setText(
            translate("Payment", "Amount %1").replace("%1", format_fen(self._amount_fen))
        )
        if self._unavailable:
            why = explain(self._unavailable)
            self.title.setText(why.title)
            self.countdown.setText(why.advice)
            self.cancel.setText(translate("Payment", "Back"))
            return
        self.title.setText(translate("Payment", "Tap or insert your card"))
        self.countdown.setText(
            translate("Payment", "%1 seconds left").replace("%1", str(self.left_s))
        )
        self.cancel.setText(translate("Payment", "Cancel"))


class ProcessingScreen(Page):
    """Card work in progress on the reader's worker; the stage comes from the provider."""

    def __init__(self) -> None:
        super().__init__("processing")
        self.stage = label("call", name="stage")
        self.hint = label("hint", name="hint")
        self.spinner = Spinner()
        self.body.addStretch()
        self.body.addWidget(self.spinner, 0, Qt.AlignmentFlag.AlignCenter)
        self.body.addWidget(self.stage)
        self.body.addWidget(self.hint)
        self.body.addStretch()
        self._stage_text = ""
        self.retranslate()

    def set_stage(self, text: str) -> None:
        self._stage_text = text
        self.stage.setText(text)

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(translate("Processing", "Processing your payment"))
        self.hint.setText(translate("Processing", "Please do not remove your card"))
        self.stage.setText(self._stage_text)


class ResultScreen(Page):
    """Success ("take your tickets") or a failure in plain words with what to do next."""

    done_clicked = Signal()

    def __init__(self) -> None:
        super().__init__("result")
        self.headline = label("banner", name="headline")
        self.details = label("item", name="details")
        self.advice = label("call", name="advice")
        self.done = button("done")
        self.body.addStretch()
        self.body.addWidget(self.headline)
        self.body.addWidget(self.details)
        self.body.addWidget(self.advice)
        self.body.addStretch()
        self.body.addWidget(self.done)
        self.done.clicked.connect(self.done_clicked)
        self.kind = "success"
        self._render: Callable[[], tuple[str, str, str, str]] | None = None
        self.retranslate()

    def show_result(self, render: Callable[[], tuple[str, str, str, str]]) -> None:
        """Show what ``render()`` gives: (kind, headline, details, advice), re-rendered on a
        language change. ``kind`` is ``success``, ``warning`` (paid, printing failed) or
        ``failure``."""
        self._render = render
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText("")
        self.done.setText(translate("Result", "Done"))
        if self._render is None:
            return
        self.kind, headline, details, advice = self._render()
        self.headline.setProperty("tone", self.kind)
        self.headline.style().unpolish(self.headline)
        self.headline.style().polish(self.headline)
        self.headline.setText(headline)
        self.details.setText(details)
        self.advice.setText(advice)


class OutOfServiceScreen(Page):
    """Shown while the printer, reader or journal is not ready: no card is taken."""

    def __init__(self) -> None:
        super().__init__("out_of_service")
        self.banner = label("banner", name="banner")
        self.banner.setProperty("tone", "failure")
        self.reason = label("call", name="reason")
        self.advice = label("hint", name="advice")
        self.body.addStretch()
        self.body.addWidget(self.banner)
        self.body.addWidget(self.reason)
        self.body.addWidget(self.advice)
        self.body.addStretch()
        self.codes: tuple[str, ...] = ()
        self.retranslate()

    def show_codes(self, codes: tuple[str, ...]) -> None:
        """Show why (error codes of the parts that are not ready)."""
        self.codes = codes
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText("")
        self.banner.setText(translate("OutOfService", "Out of service"))
        reasons = [explain(code) for code in self.codes]
        self.reason.setText("\n".join(r.title for r in reasons))
        self.advice.setText(reasons[0].advice if reasons else "")

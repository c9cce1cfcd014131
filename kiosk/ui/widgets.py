"""Building blocks every kiosk screen shares: the page frame, big buttons, labels by role."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.ui.theme import MIN_TOUCH_PX

translate = QCoreApplication.translate


def label(role: str = "", *, name: str = "", wrap: bool = True) -> QLabel:
    """A label styled by ``role`` (title, amount, hint, …; see theme), word-wrapped.

    Plain text: Qt's default (AutoText) renders HTML only when it guesses the text is
    HTML, so ``&nbsp;`` or ``<br>`` could show as typed. A label that needs markup says so.
    """
    widget = QLabel()
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    widget.setWordWrap(wrap)
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setObjectName(name)
    return widget


def button(name: str, role: str = "", *, height: int = 90) -> QPushButton:
    """A touch button: at least ``height`` px high (never under the 60 px minimum)."""
    widget = QPushButton()
    widget.setObjectName(name)
    widget.setMinimumHeight(max(height, MIN_TOUCH_PX))
    widget.setMinimumWidth(MIN_TOUCH_PX)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if role:
        widget.setProperty("role", role)
    return widget


class Page(QWidget):
    """A full-screen page: a title bar with the language toggle, then the page's body.

    Subclasses fill :attr:`body` and override :meth:`retranslate`, which runs at build time
    and on every language change.
    """

    language_toggled = Signal()

    def __init__(self, name: str, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.title = label("title", name="title")
        self.language_button = button("language", "secondary", height=70)
        self.language_button.setMinimumWidth(150)
        self.language_button.clicked.connect(self.language_toggled)
        top = QHBoxLayout()
        top.addSpacing(150)  # balances the toggle so the title stays centred
        top.addWidget(self.title, 1)
        top.addWidget(self.language_button, 0, Qt.AlignmentFlag.AlignTop)
        self.body = QVBoxLayout()
        self.body.setSpacing(16)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 24)
        outer.addLayout(top)
        outer.addLayout(self.body, 1)

    def retranslate(self) -> None:
        # The toggle names the *other* language, in that language.
        self.language_button.setText(translate("Page", "中文"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

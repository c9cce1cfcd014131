"""Plate entry for the parking screens: a line the attendant may type into, a province
picker while it is empty, then a keyboard of the letters, digits and special-series
characters a plate may hold. Plain entry; the plate rules are :mod:`kiosk.sales.plates`'."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.signals import emit
from kiosk.ui.widgets import button

translate = QCoreApplication.translate

# Letters a plate's serial may hold (I and O are not used), digits, special-series marks.
KEYS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ挂学警港澳领使"
# A plate is at most 8 characters (new energy), but an entry ticket's scanned token (56)
# comes in through the same line: the scanner types where the focus is.
MAX_LENGTH = 64


class PlatePad(QWidget):
    """The plate line and its two keyboards; :attr:`submitted` carries the text on Enter."""

    submitted = Signal(str)

    def __init__(self, provinces: Sequence[str], *, columns: int = 10) -> None:
        super().__init__()
        self.setObjectName("plate_pad")
        self.entry = QLineEdit()
        self.entry.setObjectName("plate_entry")
        self.entry.setMinimumHeight(64)
        self.entry.setMaxLength(MAX_LENGTH)
        self.entry.textEdited.connect(self._edited)
        self.entry.returnPressed.connect(self.submit)
        self.pages = QStackedWidget()
        self.province_page = self._grid(provinces, "province", columns)
        self.key_page = self._grid(KEYS, "key", columns)
        self.pages.addWidget(self.province_page)
        self.pages.addWidget(self.key_page)
        self.back = button("plate_back", "secondary", height=60)
        self.clear = button("plate_clear", "secondary", height=60)
        self.back.clicked.connect(self._backspace)
        self.clear.clicked.connect(self.reset)
        row = QHBoxLayout()
        row.addWidget(self.entry, 1)
        row.addWidget(self.back)
        row.addWidget(self.clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.pages)
        self.retranslate()

    def _grid(self, chars: Sequence[str], prefix: str, columns: int) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        for i, char in enumerate(chars):
            key = button(f"{prefix}_{char}", "key", height=60)
            key.setText(char)
            key.clicked.connect(lambda _=False, c=char: self.press(c))
            grid.addWidget(key, i // columns, i % columns)
        return page

    @property
    def text(self) -> str:
        return self.entry.text().strip().upper()

    def press(self, char: str) -> None:
        """A key touched: as if typed at the end of the line."""
        self.entry.setText(self.entry.text() + char)
        self._edited(self.entry.text())

    def set_text(self, text: str) -> None:
        self.entry.setText(text)
        self._edited(text)

    def reset(self) -> None:
        self.set_text("")
        self.entry.setFocus()

    def submit(self) -> None:
        if self.text:
            emit(self.submitted, self.text)

    def _backspace(self) -> None:
        self.set_text(self.entry.text()[:-1])

    def _edited(self, text: str) -> None:
        upper = text.upper()
        if upper != text:
            self.entry.setText(upper)
        self.pages.setCurrentWidget(self.key_page if upper else self.province_page)

    def retranslate(self) -> None:
        self.entry.setPlaceholderText(translate("Parking", "Plate, e.g. 粤B12345"))
        self.back.setText("⌫")
        self.clear.setText(translate("Parking", "Clear"))
        self.back.setAccessibleName(translate("Parking", "Delete"))
        self.entry.setAlignment(Qt.AlignmentFlag.AlignCenter)

"""The hidden operator menu: PIN pad, then reprint, printer status, shift close, exit."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout

from kiosk.ui.signals import emit
from kiosk.ui.widgets import Page, button, label

translate = QCoreApplication.translate
PIN_LENGTH = 6


class PinScreen(Page):
    """A numeric pad; the PIN is shown as dots and submitted when six digits are in."""

    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__("operator_pin")
        self.digits = ""
        self.shown = label("amount", name="pin_dots")
        self.message = label("warning", name="pin_message")
        grid = QGridLayout()
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "C", "0", "<"]
        self.keys = {}
        for i, key in enumerate(keys):
            b = button(f"key_{key}", "secondary" if key in "C<" else "", height=80)
            b.setText(key)
            b.setFixedWidth(140)
            b.clicked.connect(lambda _=False, k=key: self.press(k))
            grid.addWidget(b, i // 3, i % 3)
            self.keys[key] = b
        self.cancel = button("cancel", "secondary")
        pad = QHBoxLayout()
        pad.addStretch()
        pad.addLayout(grid)
        pad.addStretch()
        self.body.addWidget(self.shown)
        self.body.addWidget(self.message)
        self.body.addLayout(pad)
        self.body.addWidget(self.cancel)
        self.cancel.clicked.connect(self.cancelled)
        self.retranslate()

    def press(self, key: str) -> None:
        if key == "C":
            self.digits = ""
        elif key == "<":
            self.digits = self.digits[:-1]
        elif len(self.digits) < PIN_LENGTH:
            self.digits += key
        self.shown.setText("●" * len(self.digits) + "○" * (PIN_LENGTH - len(self.digits)))
        if len(self.digits) == PIN_LENGTH:
            pin, self.digits = self.digits, ""
            emit(self.submitted, pin)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.shown.setText("○" * PIN_LENGTH)

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(translate("Operator", "Operator PIN"))
        self.cancel.setText(translate("Operator", "Cancel"))
        self.shown.setText("●" * len(self.digits) + "○" * (PIN_LENGTH - len(self.digits)))


class OperatorMenu(Page):
    """What staff can do at the machine; long work runs on workers, results show below."""

    reprint = Signal()
    printer_status = Signal()
    shift_close = Signal()
    sync_status = Signal()
    leave = Signal()
    exit_app = Signal()

    def __init__(self) -> None:
        super().__init__("operator_menu")
        self.buttons = {
            name: button(name, role, height=80)
            for name, role in (
                ("reprint", ""),
                ("printer_status", ""),
                ("ec_balance", ""),
                ("shift_close", ""),
                ("sync_status", ""),
                ("exit", "danger"),
            )
        }
        grid = QGridLayout()
        for i, b in enumerate(self.buttons.values()):
            grid.addWidget(b, i // 2, i % 2)
        # Not built yet: shown, disabled, with the reason in the note below.
        self.buttons["ec_balance"].setEnabled(False)
        self.note = label("hint", name="note")
        self.status = label("call", name="status")
        self.back = button("back", "secondary")
        self.body.addLayout(grid)
        self.body.addWidget(self.note)
        self.body.addWidget(self.status, 1)
        self.body.addWidget(self.back)
        self.buttons["reprint"].clicked.connect(self.reprint)
        self.buttons["printer_status"].clicked.connect(self.printer_status)
        self.buttons["shift_close"].clicked.connect(self.shift_close)
        self.buttons["sync_status"].clicked.connect(self.sync_status)
        self.buttons["exit"].clicked.connect(self.exit_app)
        self.back.clicked.connect(self.leave)
        self.retranslate()

    def show_status(self, text: str) -> None:
        self.status.setText(text)

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(translate("Operator", "Operator menu"))
        texts = {
            "reprint": translate("Operator", "Reprint last"),
            "printer_status": translate("Operator", "Printer status"),
            "ec_balance": translate("Operator", "E-cash balance inquiry"),
            "shift_close": translate("Operator", "Close shift"),
            "sync_status": translate("Operator", "Sync status"),
            "exit": translate("Operator", "Exit the application"),
        }
        for name, text in texts.items():
            self.buttons[name].setText(text)
        self.note.setText(
            translate(
                "Operator",
                "E-cash balance inquiry needs the card log reader: "
                "its button stays off until then.",
            )
        )
        self.back.setText(translate("Operator", "Back to sales"))

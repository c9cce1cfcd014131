"""The parking terminal's pages: exit (plate, fee, payment), entry, cars inside and the
supervisor's menu. Layout and words only; :mod:`kiosk.ui.parking_screen` drives them."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.money import format_fen
from kiosk.ui.plate_pad import PlatePad
from kiosk.ui.widgets import Page, button, label

translate = QCoreApplication.translate


def _line(name: str, *, password: bool = False) -> QLineEdit:
    widget = QLineEdit()
    widget.setObjectName(name)
    widget.setMinimumHeight(60)
    if password:
        widget.setEchoMode(QLineEdit.EchoMode.Password)
    return widget


def _list(name: str) -> QListWidget:
    widget = QListWidget()
    widget.setObjectName(name)
    widget.setWordWrap(True)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return widget


class ParkingPage(Page):
    """A parking page: its title carries the occupancy, the attendant's words at the foot."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.message = label("call", name="message")
        self.occupancy: tuple[int, int] | None = None

    def show_occupancy(self, inside: int, capacity: int) -> None:
        self.occupancy = (inside, capacity)
        self.retranslate()

    def heading(self, title: str) -> str:
        if self.occupancy is None:
            return title
        inside, capacity = self.occupancy
        return (
            translate("Parking", "%1 · inside %2/%3")
            .replace("%1", title)
            .replace("%2", str(inside))
            .replace("%3", str(capacity))
        )


class ExitPage(ParkingPage):
    """The lot exit: a plate in, its fee and breakdown in large digits, card or cash."""

    def __init__(self, provinces: Sequence[str]) -> None:
        super().__init__("parking_exit")
        self.pad = PlatePad(provinces)
        self.stay = label("item", name="stay")
        self.fee = label("fee", name="fee", wrap=False)
        self.breakdown = _list("breakdown")
        self.tendered = _line("tendered")
        self.card = button("pay_card", height=70)
        self.cash = button("pay_cash", height=70)
        self.free = button("open_free", height=70)
        self.to_entry = button("to_entry", "secondary", height=70)
        self.to_inside = button("to_inside", "secondary", height=70)
        self.to_supervisor = button("to_supervisor", "secondary", height=70)
        self.back = button("back", "secondary", height=70)
        # A car looked up takes the keyboard's place; typing brings the keyboard back.
        self.details = QWidget()
        self.details.setObjectName("details")
        column = QVBoxLayout(self.details)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.stay)
        column.addWidget(self.breakdown, 1)
        self.pad.pages.addWidget(self.details)
        right = QVBoxLayout()
        right.addStretch()
        right.addWidget(self.fee)
        right.addStretch()
        right.addWidget(self.tendered)
        pay = QHBoxLayout()
        pay.addWidget(self.card)
        pay.addWidget(self.cash)
        right.addLayout(pay)
        right.addWidget(self.free)
        row = QHBoxLayout()
        row.addWidget(self.pad, 2)
        row.addLayout(right, 1)
        nav = QHBoxLayout()
        for b in (self.to_entry, self.to_inside, self.to_supervisor, self.back):
            nav.addWidget(b)
        self.body.addLayout(row, 1)
        self.body.addWidget(self.message)
        self.body.addLayout(nav)
        self.fee_fen: int | None = None
        self.show_fee(None, "", [])

    def show_fee(self, fee_fen: int | None, stay: str, lines: list[str]) -> None:
        """The car's fee (None: no car looked up yet), its stay and breakdown rows."""
        self.fee_fen = fee_fen
        self.stay.setText(stay)
        self.fee.setText("" if fee_fen is None else format_fen(fee_fen))
        self.breakdown.clear()
        self.breakdown.addItems(lines)
        if fee_fen is not None:
            self.pad.pages.setCurrentWidget(self.details)
        due = bool(fee_fen)
        self.card.setEnabled(due)
        self.cash.setEnabled(due)
        self.tendered.setEnabled(due)
        self.free.setEnabled(fee_fen == 0)

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.heading(translate("Parking", "Exit")))
        self.tendered.setPlaceholderText(translate("Parking", "Cash given (F6)"))
        self.card.setText(translate("Parking", "Card F5"))
        self.cash.setText(translate("Parking", "Cash F6"))
        self.free.setText(translate("Parking", "Open barrier"))
        self.to_entry.setText(translate("Parking", "Entry"))
        self.to_inside.setText(translate("Parking", "Cars inside"))
        self.to_supervisor.setText(translate("Parking", "Supervisor"))
        self.back.setText(translate("Parking", "Back"))
        self.pad.retranslate()


class EntryPage(ParkingPage):
    """The lot entry: a plate (or none: an entry ticket), the vehicle class, the lane."""

    def __init__(self, provinces: Sequence[str], lanes: Sequence[str]) -> None:
        super().__init__("parking_entry")
        self.pad = PlatePad(provinces)
        self.small = self._choice("class_small")
        self.large = self._choice("class_large")
        self.small.setChecked(True)
        self.lane = QComboBox()
        self.lane.setObjectName("lane")
        self.lane.setMinimumHeight(60)
        self.lane.addItems(list(lanes))
        self.enter = button("record_entry", height=70)
        self.ticket = button("print_ticket", height=70)
        self.to_exit = button("to_exit", "secondary", height=70)
        right = QVBoxLayout()
        right.addWidget(self.small)
        right.addWidget(self.large)
        right.addWidget(self.lane)
        right.addStretch()
        right.addWidget(self.enter)
        right.addWidget(self.ticket)
        row = QHBoxLayout()
        row.addWidget(self.pad, 2)
        row.addLayout(right, 1)
        self.body.addLayout(row, 1)
        self.body.addWidget(self.message)
        self.body.addWidget(self.to_exit)
        self.retranslate()

    def _choice(self, name: str) -> QPushButton:
        choice = button(name, "choice", height=70)
        choice.setCheckable(True)
        choice.setAutoExclusive(True)
        return choice

    @property
    def vehicle_class(self) -> str:
        return "large" if self.large.isChecked() else "small"

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.heading(translate("Parking", "Entry")))
        self.small.setText(translate("Parking", "Small vehicle"))
        self.large.setText(translate("Parking", "Large vehicle"))
        self.enter.setText(translate("Parking", "Record entry"))
        self.ticket.setText(translate("Parking", "No plate: ticket"))
        self.to_exit.setText(translate("Parking", "Back to exit"))
        self.pad.retranslate()


class InsidePage(ParkingPage):
    """The cars inside, newest first, with a search; a row opens that car's exit."""

    def __init__(self) -> None:
        super().__init__("parking_inside")
        self.search = _line("search")
        self.cars = _list("cars")
        self.cars.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.to_exit = button("to_exit", "secondary", height=70)
        self.body.addWidget(self.search)
        self.body.addWidget(self.cars, 1)
        self.body.addWidget(self.message)
        self.body.addWidget(self.to_exit)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.heading(translate("Parking", "Cars inside")))
        self.search.setPlaceholderText(translate("Parking", "Search plate or ticket"))
        self.to_exit.setText(translate("Parking", "Back to exit"))


class SupervisorPage(ParkingPage):
    """A supervisor's PIN, then: lost ticket, manual opening (with a reason), monthly passes."""

    def __init__(self) -> None:
        super().__init__("parking_supervisor")
        self.pin = _line("supervisor_pin", password=True)
        self.reason = _line("open_reason")
        self.lost = button("lost_ticket", height=70)
        self.manual = button("manual_open", "danger", height=70)
        self.passes = _list("passes")
        self.to_exit = button("to_exit", "secondary", height=70)
        actions = QGridLayout()
        actions.addWidget(self.pin, 0, 0, 1, 2)
        actions.addWidget(self.lost, 1, 0)
        actions.addWidget(self.reason, 2, 0)
        actions.addWidget(self.manual, 2, 1)
        self.passes_title = label("item", name="passes_title")
        self.body.addLayout(actions)
        self.body.addWidget(self.passes_title)
        self.body.addWidget(self.passes, 1)
        self.body.addWidget(self.message)
        self.body.addWidget(self.to_exit)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.heading(translate("Parking", "Supervisor")))
        self.pin.setPlaceholderText(translate("Parking", "Supervisor PIN"))
        self.reason.setPlaceholderText(translate("Parking", "Why open without payment"))
        self.lost.setText(translate("Parking", "Lost ticket fee"))
        self.manual.setText(translate("Parking", "Open barrier"))
        self.passes_title.setText(translate("Parking", "Monthly passes"))
        self.to_exit.setText(translate("Parking", "Back to exit"))

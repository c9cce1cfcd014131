"""The market counter (attended): PLU entry, quick items, basket with a big total, tenders,
voids, overrides, refunds and the shift — every action on a key, listed on screen, and
every button touchable. The customer sees lines and total on a second window.

Work goes to :class:`~kiosk.checkout.market.MarketDesk` on workers (reader for cards,
printer for the journal, drawer and slips, scale for weights); the card payment shows
the ticket kiosk's :class:`~kiosk.ui.payment_screens.PaymentScreen`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.checkout.market import Lamp, MarketDesk
from kiosk.checkout.pipeline import CheckoutResult
from kiosk.checkout.terminal import KioskServices
from kiosk.errors import KioskError
from kiosk.money import format_fen, parse_fen
from kiosk.sales.market import Basket, MarketItem, Role
from kiosk.sales.order import LineItem
from kiosk.ui.market_staff import StaffMember, load_staff, save_staff
from kiosk.ui.payment_screens import PaymentScreen
from kiosk.ui.texts import explain
from kiosk.ui.widgets import Page, button, label
from kiosk.ui.workers import Done, Worker

translate = QCoreApplication.translate

_COUNT_PLU = re.compile(r"(\d{1,3})\*(\d{1,6})")
_SPLIT = re.compile(r"([\d.]+)\+([\d.]+)")


def _words(code: str) -> str:
    """Plain words for the counter's own codes; the card's and devices' from texts.py."""
    words = {
        "scale.dynamic": translate("Market", "The weight is not steady yet: wait a moment"),
        "scale.busy": translate("Market", "The scale is busy: try again"),
        "scale.overload": translate("Market", "Too heavy for the scale"),
        "scale.underload": translate("Market", "The scale is below zero: check the pan"),
        "scale.garbage": translate("Market", "The scale sends something unreadable"),
        "scale.silent": translate("Market", "The scale does not answer: check its cable"),
        "scale.empty": translate("Market", "Nothing on the scale"),
        "scale.missing": translate("Market", "No scale on this counter"),
        "market.unknown_plu": translate("Market", "No item with this PLU"),
        "market.no_line": translate("Market", "No such line"),
        "market.refunded": translate("Market", "That line was refunded already"),
        "market.no_sale": translate("Market", "No paid sale with this number"),
        "tender.short": translate("Market", "Not enough cash for the total"),
        "tender.split": translate("Market", "Card part must be above zero and below the total"),
        "pin.wrong": translate("Market", "Wrong PIN"),
        "order.empty": translate("Market", "The basket is empty"),
        "staff.command": translate("Market", "Not a staff command"),
        "staff.exists": translate("Market", "That staff number exists already"),
        "staff.unknown": translate("Market", "No active staff member with that number"),
        "staff.last_supervisor": translate("Market", "The last supervisor cannot be disabled"),
    }
    return words.get(code) or explain(code).title


def line_text(line: LineItem) -> str:
    """A basket row: name, weight or count, unit price, line total."""
    if "grams" in line.meta:
        detail = f"{line.meta['grams']}g×{format_fen(line.meta['price_fen'])}/{line.unit}"
    else:
        detail = f"{line.quantity}×{format_fen(line.unit_price_fen)}"
    return f"{line.name} {detail} {format_fen(line.amount_fen)}"


def keys() -> tuple[tuple[str, str], ...]:
    """Every action's key, as the screen lists them."""
    return (
        ("Enter", translate("MarketKeys", "PLU / 3*PLU")),
        ("F1", translate("MarketKeys", "staff")),
        ("Ctrl+key", translate("MarketKeys", "quick item")),
        ("F2", translate("MarketKeys", "amount line")),
        ("F3", translate("MarketKeys", "void line")),
        ("F4", translate("MarketKeys", "e-cash load")),
        ("Esc", translate("MarketKeys", "void sale")),
        ("F5", translate("MarketKeys", "card")),
        ("F6", translate("MarketKeys", "cash")),
        ("F7", translate("MarketKeys", "card+cash")),
        ("F8", translate("MarketKeys", "price override")),
        ("F9", translate("MarketKeys", "refund")),
        ("F10", translate("MarketKeys", "open drawer")),
        ("F11", translate("MarketKeys", "X report")),
        ("F12", translate("MarketKeys", "Z close")),
    )


class CustomerDisplay(QWidget):
    """The customer's window: the lines, the total and the change, large."""

    def __init__(self, parent: QWidget) -> None:
        # A window of its own, but owned by the counter so that it goes with it.
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("customer_display")
        self.setWindowTitle("kiosk — customer")
        # The cashier's keys stay with the counter window.
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.lines = label("item", name="customer_lines")
        self.total = label("amount", name="customer_total")
        self.note = label("call", name="customer_note")
        layout = QVBoxLayout(self)
        for widget in (self.lines, self.total, self.note):
            layout.addWidget(widget)
        screens = QGuiApplication.screens()
        if len(screens) > 1:  # the second screen faces the customer
            self.setGeometry(screens[1].availableGeometry())
        self.resize(640, 400)

    def show_basket(self, lines: list[str], total_fen: int, note: str = "") -> None:
        self.lines.setText("\n".join(lines[-6:]))
        self.total.setText(format_fen(total_fen))
        self.note.setText(note)


class KeyEntry(QLineEdit):
    """The cashier's entry line; it also takes the counter's action keys (F-keys, Ctrl+key)."""

    def __init__(self) -> None:
        super().__init__()
        self.key_actions: dict[int, Callable[[], None]] = {}

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        action = self.key_actions.get(event.keyCombination().toCombined())
        if action is None:
            super().keyPressEvent(event)
        else:
            action()


class CounterPage(Page):
    def __init__(self, items: tuple[MarketItem, ...], language: Callable[[], str]) -> None:
        super().__init__("market_counter")
        self.entry = KeyEntry()
        self.entry.setObjectName("entry")
        self.basket = QListWidget()
        self.basket.setObjectName("basket")
        self.basket.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.total = label("amount", name="total")
        self.message = label("call", name="message")
        self.devices = label("hint", name="devices")
        self.keys = label("hint", name="keys")
        self.back = button("back", "secondary", height=60)
        self.scale = QSpinBox()
        self.scale.setObjectName("sim_scale")
        self.scale.setRange(0, 30_000)
        self.scale.setSuffix(" g")
        self.quick: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setSpacing(6)
        for i, item in enumerate(items):
            b = QPushButton(f"{item.quick_key} {item.name(language())}")
            b.setObjectName(f"quick_{item.plu}")
            b.setMinimumHeight(60)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            grid.addWidget(b, i // 3, i % 3)
            self.quick[item.plu] = b
        left = QVBoxLayout()
        left.setSpacing(8)
        left.addWidget(self.entry)
        left.addLayout(grid)
        bottom = QHBoxLayout()
        bottom.addWidget(self.scale, 1)
        bottom.addWidget(self.back, 1)
        left.addLayout(bottom)
        right = QVBoxLayout()
        right.addWidget(self.basket, 1)
        right.addWidget(self.total)
        right.addWidget(self.message)
        right.addWidget(self.devices)
        right.addWidget(self.keys)
        row = QHBoxLayout()
        row.addLayout(left, 1)
        row.addLayout(right, 1)
        self.body.addLayout(row, 1)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(translate("Market", "Market counter"))
        self.entry.setPlaceholderText(translate("Market", "PLU, amount or PIN, then Enter"))
        self.back.setText(translate("Market", "Back"))
        self.keys.setText("   ".join(f"{k}: {what}" for k, what in keys()))


class MarketScreen(QWidget):
    """The counter: the cashier signs in with a PIN, then sells."""

    exit_requested = Signal()

    def __init__(self, services: KioskServices, language: Callable[[], str]) -> None:
        super().__init__()
        self.setObjectName("market_screen")
        self.services = services
        self.desk: MarketDesk = services.market_desk()
        self.staff = load_staff(services.settings)
        self.cashier: StaffMember | None = None
        self.basket = Basket()
        self.reader_worker = Worker("reader", self)
        self.printer_worker = Worker("printer", self)
        self.scale_worker = Worker("scale", self)
        self._pin: tuple[Role, Callable[[StaffMember], None]] | None = None
        self._cancel = threading.Event()
        self.last_result: CheckoutResult | None = None
        self.counter = CounterPage(self.desk.catalog.items, language)
        self.payment = PaymentScreen()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.counter)
        self.stack.addWidget(self.payment)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.customer = CustomerDisplay(self)
        self.counter.scale.setVisible(self.desk.simulated_scale)
        self.counter.scale.valueChanged.connect(self.desk.simulate_weight)
        self.counter.entry.returnPressed.connect(self.enter)
        self.payment.cancel_clicked.connect(self.cancel_payment)
        self.counter.back.clicked.connect(self.exit_requested)
        for plu, b in self.counter.quick.items():
            b.clicked.connect(lambda _=False, p=plu: self.add_plu(p))
        self._keys()
        self._ask_pin(Role.CASHIER, self._signed_in, translate("Market", "Cashier PIN"))

    @property
    def current(self) -> QWidget | None:
        return self.stack.currentWidget()

    def _keys(self) -> None:
        actions: dict[str, Callable[[], None]] = {
            "F1": self.manage_staff,
            "F2": self.add_amount,
            "F3": self.void_line,
            "F4": self.load_ec,
            "Esc": self.void_sale,
            "F5": self.pay_card,
            "F6": self.pay_cash,
            "F7": self.pay_split,
            "F8": self.override,
            "F9": self.refund,
            "F10": self.open_drawer,
            "F11": self.x_report,
            "F12": self.z_close,
        }
        for item in self.desk.catalog.quick_items():
            actions[f"Ctrl+{item.quick_key}"] = self._quick(item.plu)
        # Keys are taken where the cashier types (the entry always has the focus), not as
        # window shortcuts: those need the counter window active, and the customer's window
        # or a dialog may hold that.
        self.counter.entry.key_actions = {
            QKeySequence(k)[0].toCombined(): a  # type: ignore[index]  # stubs miss __getitem__
            for k, a in actions.items()
        }

    def _quick(self, plu: str) -> Callable[[], None]:
        return lambda: self.add_plu(plu)

    # -- screen -------------------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.counter.message.setText(text)

    def _refresh(self, note: str = "") -> None:
        rows = [
            ("✗ " if gone else "") + line_text(li)
            for li, gone in zip(self.basket.lines, self.basket.voided, strict=True)
        ]
        self.counter.basket.clear()
        self.counter.basket.addItems(rows)
        self.counter.basket.setCurrentRow(len(rows) - 1)
        self.counter.total.setText(format_fen(self.basket.total_fen))
        live = [line_text(li) for li in self.basket.live_lines()]
        self.customer.show_basket(live, self.basket.total_fen, note)
        if not note:  # after a sale the pole keeps the change (or the total paid)
            self.desk.show_customer(self.basket.total_fen, Lamp.TOTAL)
        status = self.desk.pole_status
        self.counter.devices.setText(
            ""
            if status in ("none", "idle", "ok")
            else translate("Market", "Customer display fault (%1): selling goes on").replace(
                "%1", status
            )
        )

    def _failed(self, error: BaseException | None) -> bool:
        if error is None:
            return False
        code = error.code if isinstance(error, KioskError) else "internal"
        self.say(_words(code))
        return True

    def _entry(self) -> str:
        text = self.counter.entry.text().strip()
        self.counter.entry.clear()
        return text

    # -- PINs ---------------------------------------------------------------------------------

    def _ask_pin(self, role: Role, then: Callable[[StaffMember], None], prompt: str) -> None:
        self._pin = (role, then)
        self.counter.entry.setEchoMode(QLineEdit.EchoMode.Password)
        self.say(prompt)

    def _signed_in(self, member: StaffMember) -> None:
        self.cashier = member
        self.say(translate("Market", "Signed in: %1").replace("%1", member.id))
        self._refresh()

    def _supervised(self, then: Callable[[StaffMember], None]) -> None:
        self._ask_pin(Role.SUPERVISOR, then, translate("Market", "Supervisor PIN"))

    @property
    def actor(self) -> str:
        return self.cashier.id if self.cashier else "?"

    # -- keying -------------------------------------------------------------------------------

    def enter(self) -> None:
        text = self._entry()
        if self._pin is not None:
            role, then = self._pin
            member = self.staff.who(text, role=role if role is Role.SUPERVISOR else None)
            if member is None:
                self.say(_words("pin.wrong"))
                return
            self._pin = None
            self.counter.entry.setEchoMode(QLineEdit.EchoMode.Normal)
            then(member)
            return
        if self.cashier is None:
            return
        if match := _COUNT_PLU.fullmatch(text):
            self.add_plu(match[2], int(match[1]))
        elif text.isdigit():
            self.add_plu(text)

    def add_plu(self, plu: str, count: int = 1) -> None:
        if self.cashier is None or self._pin is not None:
            return
        try:
            item = self.desk.catalog.item(plu)
            if not item.weighed:
                self.basket.add_count(item, count)
                self._refresh()
                return
        except KioskError as exc:
            self._failed(exc)
            return
        self.scale_worker.run(
            lambda _job: self.desk.read_weight(), lambda d: self._weighed(item, d)
        )

    def _weighed(self, item: MarketItem, done: Done) -> None:
        if self._failed(done.error):
            return
        try:
            self.basket.add_weighed(item, done.value)
        except KioskError as exc:
            self._failed(exc)
            return
        self.say("")
        self._refresh()

    def add_amount(self) -> None:
        try:
            self.basket.add_free(parse_fen(self._entry()))
        except KioskError as exc:
            self._failed(exc)
            return
        self._refresh()

    def _selected(self) -> int:
        return self.counter.basket.currentRow()

    def void_line(self) -> None:
        try:
            line = self.basket.void_line(self._selected())
        except KioskError as exc:
            self._failed(exc)
            return
        self._journal(lambda: self.desk.line_voided(line, actor=self.actor))
        self._refresh()

    def void_sale(self) -> None:
        if self._pin is not None and self.cashier is not None:
            self._pin = None
            self.counter.entry.setEchoMode(QLineEdit.EchoMode.Normal)
            self.say("")
            return
        lines = self.basket.clear()
        if lines:
            self._journal(lambda: self.desk.sale_voided(lines, actor=self.actor))
        self._refresh()

    def override(self) -> None:
        index, text = self._selected(), self._entry()

        def approved(supervisor: StaffMember) -> None:
            try:
                before = self.basket.lines[index] if 0 <= index < len(self.basket.lines) else None
                after = self.basket.override(index, parse_fen(text), role=supervisor.role)
            except KioskError as exc:
                self._failed(exc)
                return
            assert before is not None
            self._journal(
                lambda: self.desk.price_overridden(
                    before, after, actor=self.actor, supervisor=supervisor.id
                )
            )
            self._refresh()

        self._supervised(approved)

    def _journal(self, fn: Callable[[], Any], then: Callable[[Any], None] | None = None) -> None:
        def delivered(done: Done) -> None:
            if not self._failed(done.error) and then is not None:
                then(done.value)

        self.printer_worker.run(lambda _job: fn(), delivered)

    # -- tenders ------------------------------------------------------------------------------

    def pay_card(self) -> None:
        self._card(lambda draft, progress, cancelled: self.desk.pay_card(
            draft, actor=self.actor, progress=progress, cancelled=cancelled
        ))  # fmt: skip

    def pay_split(self) -> None:
        match = _SPLIT.fullmatch(self._entry())
        if match is None:
            self.say(_words("tender.split"))
            return
        try:
            card_fen, tendered = parse_fen(match[1]), parse_fen(match[2])
        except KioskError as exc:
            self._failed(exc)
            return
        self._card(lambda draft, progress, cancelled: self.desk.pay_split(
            draft, card_fen, tendered, actor=self.actor, progress=progress, cancelled=cancelled
        ))  # fmt: skip

    def _card(self, run: Callable[..., CheckoutResult]) -> None:
        self._starting()
        try:
            draft = self.basket.draft()
        except KioskError as exc:
            self._failed(exc)
            return
        self._cancel = cancel = threading.Event()
        self.payment.start(draft.total_fen, int(self.services.settings.payment.card_timeout_s))
        self.stack.setCurrentWidget(self.payment)
        self.reader_worker.run(
            lambda _job: run(draft, lambda _stage: None, cancel.is_set), self._paid
        )

    def _starting(self) -> None:
        """A payment begins: the last one's result and words go."""
        self.last_result = None
        self.say("")

    def cancel_payment(self) -> None:
        """Stop waiting for the card (each payment has its own event)."""
        self._cancel.set()

    def pay_cash(self) -> None:
        self._starting()
        text = self._entry()
        try:
            draft = self.basket.draft()
            tendered = parse_fen(text) if text else draft.total_fen
        except KioskError as exc:
            self._failed(exc)
            return
        self.printer_worker.run(
            lambda _job: self.desk.pay_cash(draft, tendered, actor=self.actor), self._paid
        )

    def _paid(self, done: Done) -> None:
        self.payment.stop()
        self.stack.setCurrentWidget(self.counter)
        if self._failed(done.error):
            return
        result: CheckoutResult = done.value
        self.last_result = result
        if result.state.value != "approved":
            self.say(_words(result.reason or "declined"))
            return
        tenders = (result.outcome.card_data if result.outcome else {}).get("tenders", [])
        change = sum(t.get("change_fen", 0) for t in tenders)
        sold = result.draft or self.basket.draft()
        note = translate("Market", "Paid %1").replace("%1", format_fen(sold.total_fen))
        if sold.discount_fen:
            note += f"  ({sold.meta['discount']['name_zh']} -{format_fen(sold.discount_fen)})"
        if tenders and tenders[-1]["kind"] == "cash":
            note += "   " + translate("Market", "Change %1").replace("%1", format_fen(change))
            self.desk.show_customer(change, Lamp.CHANGE)
        else:
            self.desk.show_customer(sold.total_fen, Lamp.PAID)
        self.basket = Basket()
        self._refresh(note)
        self.say(f"{note}   {result.reference}")

    # -- supervisor actions -------------------------------------------------------------------

    def refund(self) -> None:
        reference, _, picked = self._entry().partition(":")

        def approved(supervisor: StaffMember) -> None:
            def run() -> Any:
                _order, lines, _done = self.desk.sold_lines(reference)
                chosen = [int(i) - 1 for i in picked.split(",") if i] or list(range(len(lines)))
                return self.desk.refund(
                    reference, chosen, actor=self.actor, supervisor=supervisor.id
                )

            self._journal(
                run,
                lambda record: self.say(
                    translate("Market", "Refunded %1").replace("%1", format_fen(record.amount_fen))
                    + f" ({record.method})"
                ),
            )

        self._supervised(approved)

    def open_drawer(self) -> None:
        self._supervised(
            lambda s: self._journal(lambda: self.desk.open_drawer(actor=s.id, reason="no sale"))
        )

    def manage_staff(self) -> None:
        """Supervisor: add a member, disable one or give one a new PIN (the command typed
        first, see :mod:`kiosk.ui.market_staff`); the file is rewritten, then journaled."""
        command = self._entry()
        if not command:
            self.say(
                translate(
                    "Market", "Staff: type +C02:PIN (add), -C02 (disable) or C02=PIN, then F1"
                )
            )
            return

        def approved(supervisor: StaffMember) -> None:
            try:
                staff, change = self.staff.change(command)
            except KioskError as exc:
                self._failed(exc)
                return

            def apply() -> None:
                save_staff(self.services.settings, staff)
                self.desk.staff_changed(
                    change.event,
                    change.member,
                    change.role.value,
                    actor=self.actor,
                    supervisor=supervisor.id,
                )

            def done(_result: Any) -> None:
                self.staff = staff
                self.say(translate("Market", "Staff changed: %1").replace("%1", change.member))

            self._journal(apply, done)

        self._supervised(approved)

    def load_ec(self) -> None:
        """E-cash load (supervisor): the amount typed first and paid in cash, then the
        supervisor's PIN, then the customer presents the card; the new balance is shown
        (and printed by the desk)."""
        self._starting()
        try:
            amount = parse_fen(self._entry())
        except KioskError as exc:
            self._failed(exc)
            return

        def loaded(done: Done) -> None:
            if self._failed(done.error):
                return
            result = done.value
            if result.loaded:
                self.say(
                    translate("Market", "Loaded %1: new e-cash balance %2")
                    .replace("%1", format_fen(result.amount_fen))
                    .replace("%2", format_fen(result.balance_after_fen))
                )
            else:
                self.say(
                    translate("Market", "Not loaded (%1): give the cash back").replace(
                        "%1", _words(result.reason)
                    )
                )

        def approved(supervisor: StaffMember) -> None:
            self.say(
                translate("Market", "Present the card to load %1").replace("%1", format_fen(amount))
            )
            self.reader_worker.run(
                lambda _job: self.desk.load_ec(amount, actor=self.actor, supervisor=supervisor.id),
                loaded,
            )

        self._supervised(approved)

    def x_report(self) -> None:
        """X: cash expected in the drawer, and each subsidy's grants and budget left."""

        def words(figures: tuple[int, list[dict[str, Any]], Any]) -> None:
            cash, subsidies, pdf = figures
            text = translate("Market", "X: cash expected %1").replace("%1", format_fen(cash))
            for rule in subsidies:
                left = rule["budget_left_fen"]
                text += f"\n{rule['code']}: {rule['grants']} × {format_fen(rule['granted_fen'])}"
                text += "" if left is None else f" / {format_fen(left)}"
            if pdf is not None:
                text += "\n" + translate("Market", "PDF: %1").replace("%1", str(pdf))
            self.say(text)

        self._journal(lambda: self.desk.x_report(actor=self.actor), words)

    def z_close(self) -> None:
        text = self._entry()
        try:
            counted = parse_fen(text, allow_zero=True)
        except KioskError as exc:
            self._failed(exc)
            return

        def approved(supervisor: StaffMember) -> None:
            self._journal(
                lambda: self.desk.close_shift(counted, actor=supervisor.id),
                lambda z: self.say(
                    translate("Market", "Z: sales %1, counted %2, expected %3")
                    .replace("%1", format_fen(z["sales_fen"]))
                    .replace("%2", format_fen(z["counted_fen"]))
                    .replace("%3", format_fen(z["expected_fen"]))
                ),
            )

        self._supervised(approved)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self.customer.show()
        self.window().activateWindow()
        self.counter.entry.setFocus()
        super().showEvent(event)

    def shutdown(self) -> None:
        self._cancel.set()
        self.customer.close()
        for worker in (self.reader_worker, self.printer_worker, self.scale_worker):
            worker.shutdown()

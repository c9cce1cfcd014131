"""The parking terminal (attended): a plate typed, picked or recognised by a camera; the
fee and its breakdown in large digits; card (the shared payment screen) or cash with
change; the receipt; the barrier. Entries, the cars inside and a supervisor's menu (lost
ticket, manual opening with a PIN, monthly passes) beside it.

Work goes to :class:`~kiosk.checkout.parking.ParkingDesk` and the lane
(:class:`~kiosk.checkout.parking_lane.ParkingLane`) on workers: the reader's for cards,
the printer's for the journal, receipts, tickets and the barrier. Camera events arrive on
the endpoint's thread and are queued to this screen as if typed.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QListWidgetItem, QStackedWidget, QVBoxLayout, QWidget

from kiosk.checkout.parking import ParkingDesk, Stay
from kiosk.checkout.parking_demo import seed_demo_cars
from kiosk.checkout.parking_lane import CameraEvent, Direction, OpenReason
from kiosk.checkout.pipeline import CheckoutResult
from kiosk.checkout.terminal import KioskServices
from kiosk.errors import KioskError
from kiosk.money import format_fen, parse_fen
from kiosk.sales.market import Role
from kiosk.sales.parking import Fee, VehicleClass, duration_words
from kiosk.sales.plates import PROVINCES
from kiosk.ui.market_staff import StaffMember, load_staff
from kiosk.ui.parking_pages import EntryPage, ExitPage, InsidePage, ParkingPage, SupervisorPage
from kiosk.ui.payment_screens import PaymentScreen
from kiosk.ui.signals import emit
from kiosk.ui.texts import explain
from kiosk.ui.workers import Done, Worker

translate = QCoreApplication.translate

#: Who the journal names for what the attendant at the lane does (no sign-in at a lane).
ATTENDANT = "attendant"


def _words(code: str) -> str:
    """Plain words for the parking codes the screens meet; others from texts.py."""
    words = {
        "pin.wrong": translate("Parking", "Wrong PIN"),
        "parking.no_car": translate("Parking", "Look up the car first"),
        "parking.not_inside": translate("Parking", "No car inside with this plate or ticket"),
        "parking.already_inside": translate("Parking", "This car is already inside"),
        "parking.full": translate("Parking", "The car park is full"),
        "parking.left": translate("Parking", "This car has already left"),
        "parking.unpaid": translate("Parking", "The fee is not paid yet"),
        "parking.nothing_to_pay": translate("Parking", "Nothing to pay"),
        "parking.fee_changed": translate(
            "Parking", "The fee went up while waiting: check the new fee and pay again"
        ),
        "parking.supervisor_required": translate("Parking", "Say why the barrier opens"),
        "tender.short": translate("Parking", "Not enough cash for the fee"),
        "barrier.failed": translate("Parking", "The barrier did not open: open it by hand"),
        "barrier.timeout": translate("Parking", "The barrier did not answer: open it by hand"),
        "barrier.unavailable": translate("Parking", "The barrier is not connected"),
    }
    if code.startswith("parking.ticket_"):
        return translate("Parking", "This entry ticket is not valid here")
    return words.get(code) or explain(code).title


class ParkingScreen(QWidget):
    """The attendant's parking terminal; starts on the exit page."""

    exit_requested = Signal()
    language_toggled = Signal()
    # ``(lane, reason)`` once the barrier reported open and the opening is journaled.
    barrier_opened = Signal(str, str)
    # A camera event is queued (emitted from the endpoint's thread; carries no object).
    _camera_ready = Signal()

    def __init__(self, services: KioskServices, language: Callable[[], str]) -> None:
        super().__init__()
        self.setObjectName("parking_screen")
        self.services, self._language = services, language
        self.desk: ParkingDesk = services.parking_desk()
        self.lane = services.parking_lane()
        self.staff = load_staff(services.settings)
        self.reader_worker = Worker("reader", self)
        self.printer_worker = Worker("printer", self)
        self._cancel = threading.Event()
        self._events: deque[CameraEvent] = deque()
        self._events_lock = threading.Lock()
        self.stay: Stay | None = None
        self.fee: Fee | None = None
        self.lost = False
        self.last_result: CheckoutResult | None = None
        self.exit_page = ExitPage(PROVINCES)
        self.entry_page = EntryPage(PROVINCES, (self.desk.entry_lane,))
        self.inside_page = InsidePage()
        self.supervisor_page = SupervisorPage()
        self.payment = PaymentScreen()
        self.pages: tuple[ParkingPage, ...] = (
            self.exit_page,
            self.entry_page,
            self.inside_page,
            self.supervisor_page,
        )
        self.stack = QStackedWidget()
        for page in (*self.pages, self.payment):
            self.stack.addWidget(page)
            page.language_toggled.connect(self.language_toggled)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self._connect()
        self._camera_ready.connect(self._camera_event, Qt.ConnectionType.QueuedConnection)
        self.camera = services.parking_camera(self._queue_camera_event)
        if self.camera is not None:
            self.camera.start()
        if services.settings.demo:
            self._journal(lambda: seed_demo_cars(self.desk), lambda _entered: None)
        self.refresh_occupancy()

    @property
    def current(self) -> QWidget | None:
        return self.stack.currentWidget()

    def _connect(self) -> None:
        x, e, i, s = self.exit_page, self.entry_page, self.inside_page, self.supervisor_page
        x.pad.submitted.connect(self.look_up)
        x.card.clicked.connect(self.pay_card)
        x.cash.clicked.connect(self.pay_cash)
        x.tendered.returnPressed.connect(self.pay_cash)
        x.free.clicked.connect(self.leave_free)
        x.to_entry.clicked.connect(lambda: self.show_page(e))
        x.to_inside.clicked.connect(self.show_inside)
        x.to_supervisor.clicked.connect(self.show_supervisor)
        x.back.clicked.connect(self.exit_requested)
        e.pad.submitted.connect(self.record_entry)
        e.enter.clicked.connect(lambda: self.record_entry(e.pad.text))
        e.ticket.clicked.connect(lambda: self.record_entry(None))
        i.search.textChanged.connect(self.show_inside)
        i.cars.itemClicked.connect(self._car_picked)
        s.lost.clicked.connect(self.lost_ticket)
        s.manual.clicked.connect(self.manual_open)
        for page in (e, i, s):
            page.to_exit.clicked.connect(lambda: self.show_page(x))
        self.payment.cancel_clicked.connect(self.cancel_payment)
        for key, action in (("F5", self.pay_card), ("F6", self.pay_cash)):
            shortcut = QShortcut(QKeySequence(key), x)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(action)

    # -- pages and words ------------------------------------------------------------------

    def show_page(self, page: ParkingPage) -> None:
        page.message.setText("")
        self.stack.setCurrentWidget(page)
        if isinstance(page, ExitPage | EntryPage):
            page.pad.entry.setFocus()

    def say(self, text: str, page: ParkingPage | None = None) -> None:
        (page or self.exit_page).message.setText(text)

    @property
    def _zh(self) -> bool:
        return self._language() != "en"

    def _failed(self, error: BaseException | None, page: ParkingPage | None = None) -> bool:
        if error is None:
            return False
        zh, en = getattr(error, "zh", None), getattr(error, "en", None)
        if isinstance(zh, str) and isinstance(en, str):
            text = zh if self._zh else en  # a bad plate says what is wrong in its own words
        else:
            text = _words(error.code if isinstance(error, KioskError) else "internal")
        self.say(text, page)
        return True

    def _journal(
        self, fn: Callable[[], Any], then: Callable[[Any], None], page: ParkingPage | None = None
    ) -> None:
        """``fn`` on the printer's worker; ``then`` with its value, or its error in words."""

        def delivered(done: Done) -> None:
            if not self._failed(done.error, page):
                then(done.value)

        self.printer_worker.run(lambda _job: fn(), delivered)

    def refresh_occupancy(self) -> None:
        def show(figures: tuple[int, int]) -> None:
            for page in self.pages:
                page.show_occupancy(*figures)

        self._journal(self.desk.occupancy, show)

    @property
    def now(self) -> datetime:
        return self.services.clock()

    def _local(self, moment: datetime) -> str:
        return moment.astimezone(self.desk.tariff.timezone).strftime("%m-%d %H:%M")

    @staticmethod
    def _who(stay: Stay) -> str:
        """The plate, or the entry ticket's number for a car without one."""
        return stay.plate or f"#{stay.ticket_id}"

    # -- exit -----------------------------------------------------------------------------

    def look_up(self, text: str) -> None:
        """The car by plate (or scanned entry ticket), and its fee now."""
        self.exit_page.pad.set_text(text)
        self._quote(lambda: self.desk.find(text), lost=False)

    def _quote(self, find: Callable[[], Stay], *, lost: bool, note: str = "") -> None:
        """On the worker: the stay ``find`` returns and its fee at the clock's now; ``note``
        is said with it."""
        self.show_page(self.exit_page)
        self.stay, self.fee, self.lost = None, None, lost
        self.exit_page.show_fee(None, "", [])

        def quote() -> tuple[Stay, Fee]:
            stay = find()
            return stay, self.desk.quote(stay, self.now, lost=lost)

        self._journal(quote, lambda found: self._quoted(found, note))

    def _quoted(self, found: tuple[Stay, Fee], note: str) -> None:
        self.stay, self.fee = found
        self._show_fee(self.stay, self.fee)
        free = translate("Parking", "No fee: open the barrier") if not self.fee.fee_fen else ""
        self.say("   ".join(t for t in (note, free) if t))

    def _show_fee(self, stay: Stay, fee: Fee) -> None:
        """The stay, its fee and breakdown on the exit page, in the screen's language."""
        zh = self._zh
        lines = [
            f"{line.label_zh if zh else line.label_en}  {format_fen(line.amount_fen)}"
            for line in fee.lines
        ]
        duration = duration_words(fee.duration_s)[0 if zh else 1]
        when = f"{self._who(stay)}\n{self._local(stay.entered_at)} · {duration}"
        self.exit_page.show_fee(fee.fee_fen, when, lines)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange and self.stay and self.fee:
            self._show_fee(self.stay, self.fee)  # the tariff's lines carry both languages
        super().changeEvent(event)

    def _need_car(self) -> tuple[Stay, Fee] | None:
        if self.stay is None or self.fee is None:
            self.say(_words("parking.no_car"))
            return None
        return self.stay, self.fee

    def leave_free(self) -> None:
        if (car := self._need_car()) is None:
            return
        stay, _fee = car
        self._journal(lambda: self._leave(stay, OpenReason.FREE), self._left)

    def _leave(self, stay: Stay, reason: OpenReason) -> tuple[str, str]:
        """On the worker: the car leaves, the barrier opens (both journaled)."""
        lane = self.desk.exit_lane
        self.desk.leave(stay, self.now, lane=lane, actor=ATTENDANT)
        self.lane.open(lane=lane, reason=reason, actor=ATTENDANT, plate=stay.plate)
        return lane, reason.value

    def _left(self, opened: tuple[str, str], note: str = "") -> None:
        emit(self.barrier_opened, *opened)
        self.stay, self.fee = None, None
        self.exit_page.show_fee(None, "", [])
        self.exit_page.pad.reset()
        self.say((note + "   " if note else "") + translate("Parking", "Barrier open"))
        self.refresh_occupancy()

    def pay_card(self) -> None:
        if (car := self._need_car()) is None or not car[1].fee_fen:
            return
        stay, fee = car
        self.last_result = None
        self._cancel = cancel = threading.Event()
        self.payment.start(fee.fee_fen, int(self.services.settings.payment.card_timeout_s))
        self.stack.setCurrentWidget(self.payment)
        lost, at = self.lost, self.now  # the grace to leave runs from the payment
        self.reader_worker.run(
            lambda _job: self.desk.pay_card(
                stay,
                at,
                lost=lost,
                shown_fen=fee.fee_fen,
                actor=ATTENDANT,
                progress=lambda _stage: None,
                cancelled=cancel.is_set,
            ),
            self._paid,
        )

    def cancel_payment(self) -> None:
        """Stop waiting for the card (each payment has its own event)."""
        self._cancel.set()

    def pay_cash(self) -> None:
        if (car := self._need_car()) is None or not car[1].fee_fen:
            return
        stay, fee = car
        text = self.exit_page.tendered.text().strip()
        try:
            tendered = parse_fen(text) if text else fee.fee_fen
        except KioskError as exc:
            self._failed(exc)
            return
        self.last_result = None
        lost, at = self.lost, self.now
        self.printer_worker.run(
            lambda _job: self.desk.pay_cash(
                stay, at, tendered, lost=lost, shown_fen=fee.fee_fen, actor=ATTENDANT
            ),
            self._paid,
        )

    def _paid(self, done: Done) -> None:
        self.payment.stop()
        self.show_page(self.exit_page)
        if self._events:
            emit(self._camera_ready)  # what the cameras saw during the payment
        if isinstance(done.error, KioskError) and done.error.code == "parking.fee_changed":
            if self.stay is not None:  # the new fee on screen, to be paid again
                stay_id, note = self.stay.id, _words("parking.fee_changed")
                self._quote(lambda: self.desk.get(stay_id), lost=self.lost, note=note)
            return
        if self._failed(done.error):
            return
        result: CheckoutResult = done.value
        self.last_result = result
        if result.state.value != "approved":
            self.say(_words(result.reason or "declined"))
            return
        self.exit_page.tendered.clear()
        tenders = (result.outcome.card_data if result.outcome else {}).get("tenders", [])
        change = sum(t.get("change_fen", 0) for t in tenders)
        paid = result.draft.total_fen if result.draft else (self.fee.fee_fen if self.fee else 0)
        note = translate("Parking", "Paid %1").replace("%1", format_fen(paid))
        if tenders and tenders[-1]["kind"] == "cash":
            note += "   " + translate("Parking", "Change %1").replace("%1", format_fen(change))
        stay = self.stay
        assert stay is not None
        self._journal(
            lambda: self._leave(stay, OpenReason.PAID), lambda opened: self._left(opened, note)
        )

    # -- entry ----------------------------------------------------------------------------

    def record_entry(self, plate: str | None) -> None:
        """A car in: by plate, or (None) with a printed entry ticket; the barrier opens."""
        page = self.entry_page
        self._enter(plate, VehicleClass(page.vehicle_class), page.lane.currentText())

    def _enter(self, plate: str | None, cls: VehicleClass, lane: str) -> None:
        page = self.entry_page

        def run() -> tuple[Stay, tuple[str, str]]:
            stay = self.desk.enter(plate, cls, lane, self.now, actor=ATTENDANT)
            self.lane.open(lane=lane, reason=OpenReason.ENTRY, actor=ATTENDANT, plate=stay.plate)
            return stay, (lane, OpenReason.ENTRY.value)

        def entered(done: tuple[Stay, tuple[str, str]]) -> None:
            stay, opened = done
            emit(self.barrier_opened, *opened)
            page.pad.reset()
            self.say(translate("Parking", "Entered: %1").replace("%1", self._who(stay)), page)
            self.refresh_occupancy()

        self._journal(run, entered, page)

    # -- cars inside ----------------------------------------------------------------------

    def show_inside(self) -> None:
        page = self.inside_page
        if self.current is not page:
            self.show_page(page)

        def listed(stays: list[Stay]) -> None:
            page.cars.clear()
            for stay in stays:
                text = f"{self._who(stay)}   {self._local(stay.entered_at)}   {stay.lane_in}"
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, stay.id)
                page.cars.addItem(item)

        search = page.search.text().strip()
        self._journal(lambda: self.desk.inside(search), listed, page)

    def _car_picked(self, item: QListWidgetItem) -> None:
        stay_id = int(item.data(Qt.ItemDataRole.UserRole))
        self.exit_page.pad.set_text("")
        self._quote(lambda: self.desk.get(stay_id), lost=False)

    # -- supervisor -----------------------------------------------------------------------

    def show_supervisor(self) -> None:
        page = self.supervisor_page
        page.pin.clear()
        page.reason.clear()
        self.show_page(page)
        page.pin.setFocus()
        page.passes.clear()
        page.passes.addItems(
            sorted(self.desk.passes) or [translate("Parking", "No monthly passes")]
        )

    def _supervisor(self) -> StaffMember | None:
        page = self.supervisor_page
        member = self.staff.who(page.pin.text(), role=Role.SUPERVISOR)
        page.pin.clear()
        if member is None:
            self.say(_words("pin.wrong"), page)
        return member

    def lost_ticket(self) -> None:
        """The lost-ticket fee for the car on the exit page (a supervisor's decision)."""
        if self.stay is None:
            self.say(_words("parking.no_car"), self.supervisor_page)
            return
        if (member := self._supervisor()) is None:
            return
        stay_id = self.stay.id
        note = translate("Parking", "Lost ticket, approved by %1").replace("%1", member.id)
        self._quote(lambda: self.desk.get(stay_id), lost=True, note=note)

    def manual_open(self) -> None:
        """The barrier up without payment: a supervisor's PIN and the reason, journaled; the
        car on the exit page (if any) leaves."""
        page = self.supervisor_page
        reason = page.reason.text().strip()
        if not reason:
            self.say(_words("parking.supervisor_required"), page)
            return
        if (member := self._supervisor()) is None:
            return
        lane, stay = self.desk.exit_lane, self.stay

        def run() -> tuple[str, str]:
            self.desk.open_without_payment(
                stay, supervisor=member.id, reason=reason, actor=member.id, lane=lane, now=self.now
            )
            self.lane.open(
                lane=lane,
                reason=OpenReason.MANUAL,
                actor=member.id,
                plate=stay.plate if stay is not None else "",
                supervisor=member.id,
                note=reason,
            )
            return lane, OpenReason.MANUAL.value

        def opened(done: tuple[str, str]) -> None:
            emit(self.barrier_opened, *done)
            page.reason.clear()
            self.stay, self.fee = None, None
            self.exit_page.show_fee(None, "", [])
            self.say(translate("Parking", "Barrier open (by %1)").replace("%1", member.id), page)
            self.refresh_occupancy()

        self._journal(run, opened, page)

    # -- cameras --------------------------------------------------------------------------

    def _queue_camera_event(self, event: CameraEvent) -> None:
        """The endpoint's thread: queue the event, wake the GUI thread."""
        with self._events_lock:
            self._events.append(event)
        emit(self._camera_ready)

    def _camera_event(self) -> None:
        with self._events_lock:
            if not self._events:
                return
            if self.current is self.payment:
                return  # a card is being asked for: the event waits for the payment's end
            event = self._events.popleft()
        if event.direction is Direction.EXIT:
            self.look_up(event.plate)
        else:
            self._enter(event.plate, VehicleClass.SMALL, event.lane)

    def shutdown(self) -> None:
        self._cancel.set()
        if self.camera is not None:
            self.camera.stop()
        for worker in (self.reader_worker, self.printer_worker):
            worker.shutdown()
        self.lane.close()

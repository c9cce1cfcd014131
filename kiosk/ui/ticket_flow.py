"""The unattended ticket sale, from the attract loop back to it.

attract -> products -> summary -> payment -> processing -> result -> attract, with the
out-of-service screen whenever the printer or the journal is not ready (checked before
each sale and every :data:`HEALTH_MS` while idle, so that no card is ever asked to pay
when the tickets could not be printed or the sale not recorded).

Every device or database call runs on a worker (``reader`` for payment, ``printer`` for
health, quotas and printing); results come back by signal and are applied only if the
visitor's session (:attr:`TicketFlow.session`, bumped at each return to attract) is still
the one that asked.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QStackedWidget, QVBoxLayout, QWidget

from kiosk.checkout import CheckoutResult
from kiosk.checkout.terminal import KioskServices
from kiosk.errors import KioskError
from kiosk.sales.order import OrderDraft
from kiosk.sales.tickets import SaleError, today_in_china
from kiosk.ui.dialogs import OverlayDialogs
from kiosk.ui.i18n import Translations
from kiosk.ui.operator_access import CornerTaps
from kiosk.ui.operator_desk import OperatorDesk
from kiosk.ui.payment_screens import (
    OutOfServiceScreen,
    PaymentScreen,
    ProcessingScreen,
    ResultScreen,
)
from kiosk.ui.result_words import failure, outcome_words
from kiosk.ui.signals import emit
from kiosk.ui.texts import explain, stage_text
from kiosk.ui.ticket_screens import AttractScreen, ProductsScreen, SummaryScreen
from kiosk.ui.widgets import Page
from kiosk.ui.workers import Done, Worker

log = logging.getLogger(__name__)
translate = QCoreApplication.translate

#: Seconds the "are you still there?" prompt waits before the return to attract.
STILL_THERE_MS = 20_000
#: How long a result stays up before the machine is ready for the next visitor.
RESULT_MS = 20_000
#: Readiness check period while nobody is buying.
HEALTH_MS = 30_000
#: Codes that stop sales: the screen goes out of service instead of asking for a card.
_STOPS_SALES = ("printer.", "journal.", "reader.unavailable")


class TicketFlow(QWidget):
    """The ticket kiosk: screens, the visitor's cart and session, timers and workers."""

    exit_requested = Signal()

    def __init__(self, services: KioskServices, translations: Translations) -> None:
        super().__init__()
        self.setObjectName("ticket_flow")
        self.services, self.translations = services, translations
        self.session = 0
        self.reader_worker = Worker("reader", self)
        self.printer_worker = Worker("printer", self)
        self._cancel = threading.Event()
        self._draft: OrderDraft | None = None
        self._sold: dict[tuple[str, str], int] = {}
        self._pay_job = 0
        self._timed_out = False
        self._last_press = -1
        language = lambda: self.translations.language  # noqa: E731 - read at render time
        catalog = services.catalog
        self.attract = AttractScreen(services.settings.terminal.merchant_name)
        self.products = ProductsScreen(catalog, language)
        self.summary = SummaryScreen(catalog, language)
        self.payment = PaymentScreen()
        self.processing = ProcessingScreen()
        self.result = ResultScreen()
        self.out_of_service = OutOfServiceScreen()
        self.stack = QStackedWidget()
        self.desk = OperatorDesk(services, self.printer_worker, self._show, self._asks, self)
        for page in (
            self.attract, self.products, self.summary, self.payment, self.processing,
            self.result, self.out_of_service, self.desk.pin, self.desk.menu,
        ):  # fmt: skip
            self.stack.addWidget(page)
            page.language_toggled.connect(self.toggle_language)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.dialogs = OverlayDialogs(self)
        self.idle_timer = self._timer(int(services.settings.ui.idle_timeout_s * 1000), self._idle)
        self.result_timer = self._timer(RESULT_MS, self.go_attract)
        self.health_timer = self._timer(HEALTH_MS, self._periodic_health, single=False)
        self.corner = CornerTaps()
        self._connect()
        self.reader_worker.progress.connect(self._progress)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.go_attract()
        self.health_timer.start()

    def _timer(self, ms: int, slot: Callable[[], None], *, single: bool = True) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(single)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    def _connect(self) -> None:
        self.attract.touched.connect(self.start)
        self.products.next_clicked.connect(self.to_summary)
        self.products.cancel_clicked.connect(self.go_attract)
        self.summary.back_clicked.connect(lambda: self._show(self.products))
        self.summary.pay_clicked.connect(self.pay)
        self.payment.cancel_clicked.connect(self.cancel_payment)
        self.payment.timed_out.connect(self._card_timeout)
        self.result.done_clicked.connect(self.go_attract)
        self.desk.pin.cancelled.connect(self.go_attract)
        self.desk.menu.leave.connect(self.go_attract)
        self.desk.menu.exit_app.connect(self.exit_requested)

    # -- navigation ------------------------------------------------------------------------------

    @property
    def current(self) -> QWidget | None:
        return self.stack.currentWidget()

    def _show(self, page: Page) -> None:
        self.stack.setCurrentWidget(page)
        # Idle watch on the screens where a visitor makes choices; payment has its own clock.
        if page in (self.products, self.summary) or (page is self.payment and not self._paying):
            self.idle_timer.start()
        else:
            self.idle_timer.stop()

    @property
    def _paying(self) -> bool:
        return self.reader_worker.busy

    def go_attract(self) -> None:
        """End the visitor's session: forget the cart, drop prompts, back to the pictures."""
        self.session += 1
        self._cancel.set()
        self.dialogs.close()
        self.result_timer.stop()
        self.payment.stop()
        self.products.reset()
        self._draft = None
        self._show(self.attract)

    def _asks(self, page: Page | None = None) -> Callable[[], bool]:
        """A ``still_wanted`` for a worker call: same session (and still on ``page``)."""
        session = self.session
        return lambda: self.session == session and (page is None or self.current is page)

    def toggle_language(self) -> None:
        self.translations.use("en" if self.translations.language != "en" else "zh_CN")

    # -- readiness -------------------------------------------------------------------------------

    def start(self) -> None:
        """The attract screen was touched: check readiness and today's quotas, then sell."""
        day = today_in_china(self.services.clock())

        def check(_job: int) -> tuple[tuple[str, ...], dict[tuple[str, str], int]]:
            self.services.begin_sale()  # a new bundle's catalog, between sales only
            problems = self.services.health()
            return problems, ({} if problems else self.services.sold_on(day))

        self.printer_worker.run(check, self._started, still_wanted=self._asks(self.attract))

    def _started(self, done: Done) -> None:
        if done.error is not None:
            self._out_of_service(("internal",))
            return
        problems, sold = done.value
        if problems:
            self._out_of_service(problems)
            return
        catalog = self.services.catalog
        self.products.set_catalog(catalog)
        self.summary.set_catalog(catalog)
        left = {}
        for product in catalog.products:
            if product.daily_quota is not None and not product.slots:
                left[product.code] = product.daily_quota - sold.get((product.code, ""), 0)
        self._sold = sold
        self.products.set_limits(left)
        self._show(self.products)

    def _out_of_service(self, codes: tuple[str, ...]) -> None:
        self.session += 1
        self.out_of_service.show_codes(codes)
        self._show(self.out_of_service)

    def _periodic_health(self) -> None:
        if self.current not in (self.attract, self.out_of_service) or self.printer_worker.busy:
            return
        self.printer_worker.run(
            lambda _job: self.services.health(), self._health_seen, still_wanted=self._asks()
        )

    def _health_seen(self, done: Done) -> None:
        problems = ("internal",) if done.error is not None else done.value
        if problems:
            self._out_of_service(problems)
        elif self.current is self.out_of_service:
            self.go_attract()

    # -- the order ---------------------------------------------------------------------------------

    def to_summary(self) -> None:
        counts, slots = self.products.cart()
        try:
            draft = self.services.catalog.order(
                counts,
                visit_day=today_in_china(self.services.clock()),
                slot=slots,
                sold=self._sold,
            )
        except SaleError as exc:
            self.products.show_message(explain(exc.code).title)
            return
        self._draft = draft
        self.summary.show_draft(draft)
        self._show(self.summary)

    # -- payment -----------------------------------------------------------------------------------

    def pay(self) -> None:
        """Check the printer and journal again, then ask for a card on the reader worker."""
        draft = self._draft
        if draft is None:
            return
        if not self.services.can_pay:
            self.payment.show_unavailable(draft.total_fen, "payment.unavailable")
            self._show(self.payment)
            return
        self.printer_worker.run(
            lambda _job: self.services.health(),
            self._ready_to_pay,
            still_wanted=self._asks(self.summary),
        )

    def _ready_to_pay(self, done: Done) -> None:
        problems = ("internal",) if done.error is not None else done.value
        if problems:
            self._out_of_service(problems)
            return
        draft = self._draft
        assert draft is not None  # set by to_summary; the session check guards the rest
        self._cancel = cancel = threading.Event()
        self._timed_out = False
        self.payment.start(draft.total_fen, int(self.services.settings.payment.card_timeout_s))
        worker = self.reader_worker

        def run(job: int) -> CheckoutResult:
            return self.services.pay(
                draft,
                progress=lambda stage: emit(worker.progress, job, stage),
                cancelled=cancel.is_set,
            )

        self._pay_job = worker.run(run, self._paid, still_wanted=self._asks())
        self._show(self.payment)

    def _progress(self, job: int, stage: str) -> None:
        if job != self._pay_job or self.current not in (
            self.payment,
            self.processing,
        ):
            return
        if stage != "card.waiting":
            self.payment.stop()
            self.processing.set_stage(stage_text(stage))
            self._show(self.processing)

    def _card_timeout(self) -> None:
        """The countdown ran out: stop waiting; the result will say no card came."""
        self._timed_out = True
        self._cancel.set()

    def cancel_payment(self) -> None:
        """Cancel pressed: stop waiting for a card (nothing is charged) and start over."""
        self._cancel.set()
        self.go_attract()

    def _paid(self, done: Done) -> None:
        self.payment.stop()
        if isinstance(done.error, KioskError):
            code = done.error.code
            if code.startswith(_STOPS_SALES):
                # Raised before the card was asked (Checkout.pay's readiness check).
                self._out_of_service((code,))
                return
            self._show_result(lambda: failure(code))
            return
        if done.error is not None:
            log.error("payment failed: %r", done.error)
            self._show_result(lambda: failure("internal"))
            return
        result: CheckoutResult = done.value
        # The order as charged: a card discount may have lowered it once the card was read.
        draft, timed_out = result.draft or self._draft, self._timed_out
        assert draft is not None
        self._show_result(
            lambda: outcome_words(result, draft, self.translations.language, timed_out=timed_out)
        )

    def _show_result(self, render: Callable[[], tuple[str, str, str, str]]) -> None:
        self.result.show_result(render)
        self._show(self.result)
        self.result_timer.start()

    # -- idle --------------------------------------------------------------------------------------

    def _idle(self) -> None:
        self.dialogs.ask(
            translate("Idle", "Are you still there?"),
            [("yes", translate("Idle", "Yes, I need more time"))],
            self._still_there,
            timeout_ms=STILL_THERE_MS,
            timeout_answer="timeout",
        )

    def _still_there(self, answer: str) -> None:
        if answer == "yes":
            self.idle_timer.start()
        else:
            self.go_attract()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress, QEvent.Type.TouchBegin):
            if self.idle_timer.isActive():
                self.idle_timer.start()  # restart: the visitor is still there
            # A press propagates from the widget under the finger to its parents, each
            # delivery passing this filter: count it once, by its timestamp.
            if (
                kind == QEvent.Type.MouseButtonPress
                and isinstance(event, QMouseEvent)
                and isinstance(watched, QWidget)
                and watched.window() is self.window()
                and event.timestamp() != self._last_press
                and self.isVisible()
            ):
                self._last_press = event.timestamp()
                pos = self.mapFromGlobal(event.globalPosition().toPoint())
                if self.corner.tap(pos.x(), pos.y()):
                    self.open_operator()
        return False

    # -- operator ----------------------------------------------------------------------------------

    def open_operator(self) -> None:
        """The corner gesture was made: end the visitor's session, ask for the PIN."""
        self.session += 1
        self._cancel.set()
        self.dialogs.close()
        self.desk.open()

    def shutdown(self) -> None:
        """Stop the workers (the window is closing)."""
        self._cancel.set()
        for timer in (self.idle_timer, self.result_timer, self.health_timer, self.attract.timer):
            timer.stop()
        self.payment.stop()
        self.dialogs.close()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.reader_worker.shutdown()
        self.printer_worker.shutdown()

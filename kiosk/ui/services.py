"""What the screens ask of the rest of the system, built in one place from the settings.

Plain Python, no Qt: every function here runs on a :class:`~kiosk.ui.workers.Worker`
thread, never on the GUI thread. Screens never import the journal, the printer or the
reader; they get a :class:`KioskServices` and hand its methods to a worker.

:func:`build_services` is the one factory: the card payment provider plugs in at
:func:`payment_provider` (one line) once ``kiosk.checkout.card_provider`` is on main.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from kiosk.checkout import Checkout, CheckoutResult, PaymentProvider
from kiosk.checkout.printing import JobPrinter
from kiosk.config import Settings
from kiosk.errors import KioskError
from kiosk.journal.models import (
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentState,
    PrintJob,
    PrintStatus,
)
from kiosk.journal.store import JournalError, JournalStore, utcnow
from kiosk.payment.reader_sim import SimReader
from kiosk.sales.order import OrderDraft
from kiosk.sales.tickets import Catalog, load_catalog

#: Returned by :meth:`KioskServices.health` when everything needed for a sale is ready.
READY: tuple[str, ...] = ()


class PaymentUnavailableError(KioskError):
    """No card payment provider is wired on this terminal (nothing can be charged)."""

    code = "payment.unavailable"


@dataclass(frozen=True)
class ShiftTotals:
    """What a shift close reports: approved payments since the previous close."""

    since_seq: int
    until_seq: int
    count: int
    amount_fen: int


@dataclass
class KioskServices:
    """The journal, checkout, printer, catalog and (in the demo) the simulated reader."""

    settings: Settings
    store: JournalStore
    catalog: Catalog
    printer: JobPrinter | None
    provider: PaymentProvider | None
    #: The in-process reader the demo's card panel drives (``payment.reader = sim:…``).
    sim_reader: SimReader | None = None
    clock: Callable[[], datetime] = utcnow
    checkout: Checkout = field(init=False)

    def __post_init__(self) -> None:
        self.checkout = Checkout(
            self.store,
            self.provider or _Unavailable(),
            self.printer,
            unattended=self.settings.terminal.unattended,
            clock=self.clock,
        )

    # -- readiness ---------------------------------------------------------------------------

    def health(self) -> tuple[str, ...]:
        """Codes of what stops a sale now (printer, journal); empty when a sale may start."""
        problems = []
        if self.printer is None:
            problems.append("printer.missing")
        else:
            try:
                self.printer.ready()
            except KioskError as exc:
                problems.append(exc.code)
        try:
            with self.store.read() as session:
                session.execute(select(func.count()).select_from(Order)).scalar_one()
        except Exception as exc:  # noqa: BLE001 - any database fault means: no sale
            problems.append(JournalError(str(exc)).code)
        return tuple(problems)

    @property
    def can_pay(self) -> bool:
        return self.provider is not None

    # -- sales ---------------------------------------------------------------------------------

    def sold_on(self, day: date) -> dict[tuple[str, str], int]:
        """Tickets sold for ``day``, per (product, slot label), from paid orders (for quotas)."""
        since = datetime.combine(
            day - timedelta(days=2), datetime.min.time(), tzinfo=self.clock().tzinfo
        )
        sold: Counter[tuple[str, str]] = Counter()
        with self.store.read() as session:
            rows = session.execute(
                select(OrderLine.sku, OrderLine.quantity, OrderLine.meta)
                .join(Order)
                .where(Order.status == OrderStatus.PAID, Order.created_at >= since)
            )
            for sku, quantity, meta in rows:
                if meta.get("visit_day") == day.isoformat():
                    sold[(sku, meta.get("slot", ""))] += quantity
        return dict(sold)

    def pay(
        self,
        draft: OrderDraft,
        *,
        progress: Callable[[str], None],
        cancelled: Callable[[], bool],
    ) -> CheckoutResult:
        """Take payment and print through the one checkout pipeline (see Checkout.pay)."""
        if self.provider is None:
            raise PaymentUnavailableError("no card payment provider on this terminal")
        return self.checkout.pay(draft, actor="customer", progress=progress, cancelled=cancelled)

    # -- operator ------------------------------------------------------------------------------

    def printer_status(self) -> str:
        """``ok`` or the printer's error code."""
        if self.printer is None:
            return "printer.missing"
        try:
            self.printer.ready()
        except KioskError as exc:
            return exc.code
        return "ok"

    def reprint_last(self) -> tuple[int, str]:
        """Print what is still queued; if nothing is, reprint the last paid order's receipt.

        Tickets are never queued twice (a second copy would admit twice); only jobs that
        never printed, and receipts. Returns (jobs left unprinted, error code).
        """
        with self.store.read() as session:
            queued = session.scalar(
                select(func.count())
                .select_from(PrintJob)
                .where(PrintJob.status == PrintStatus.QUEUED)
            )
            last = session.scalar(
                select(Order.id)
                .where(Order.status == OrderStatus.PAID)
                .order_by(Order.id.desc())
                .limit(1)
            )
        if not queued and last is not None:
            with self.store.transaction(now=self.clock()) as tx:
                job = PrintJob(
                    terminal_id=tx.terminal_id,
                    order_id=last,
                    kind="receipt",
                    status=PrintStatus.QUEUED,
                    attempts=0,
                    last_error="",
                    created_at=tx.now,
                )
                tx.session.add(job)
                tx.session.flush()
                tx.append(
                    "print.queued",
                    {"job": job.id, "order": last, "kind": "receipt", "reprint": True},
                    actor="operator",
                )
        return self.checkout.print_queued(actor="operator")

    def close_shift(self) -> ShiftTotals:
        """Record ``shift.closed`` with the approved total since the last close; queue the slip."""
        entries = self.store.entries()
        since = max((e.seq for e in entries if e.event == "shift.closed"), default=0)
        approved = [e for e in entries if e.seq > since and e.event == "payment.approved"]
        totals = ShiftTotals(
            since,
            entries[-1].seq if entries else 0,
            len(approved),
            sum(int(e.payload.get("amount_fen") or 0) for e in approved),
        )
        with self.store.transaction(now=self.clock()) as tx:
            entry = tx.append("shift.closed", _as_payload(totals), actor="operator")
            job = PrintJob(
                terminal_id=tx.terminal_id,
                order_id=None,
                kind=f"shift_close:{entry.seq}",
                status=PrintStatus.QUEUED,
                attempts=0,
                last_error="",
                created_at=tx.now,
            )
            tx.session.add(job)
            tx.session.flush()
            tx.append("print.queued", {"job": job.id, "kind": job.kind}, actor="operator")
        self.checkout.print_queued(actor="operator")
        return totals

    def last_payment(self) -> Payment | None:
        """The newest payment row (detached), for the operator's status line."""
        with self.store.read() as session:
            return session.scalar(select(Payment).order_by(Payment.id.desc()).limit(1))

    def uncertain_payments(self) -> int:
        with self.store.read() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(Payment)
                    .where(Payment.state == PaymentState.UNCERTAIN)
                )
                or 0
            )

    def dispose(self) -> None:
        self.store.dispose()


def _as_payload(totals: ShiftTotals) -> dict[str, Any]:
    return {
        "since_seq": totals.since_seq,
        "until_seq": totals.until_seq,
        "count": totals.count,
        "amount_fen": totals.amount_fen,
    }


class _Unavailable:
    """Stands in for the provider in :class:`Checkout` until one is wired; never charges."""

    def pay(self, request: Any, hooks: Any) -> Any:
        raise PaymentUnavailableError("no card payment provider on this terminal")


def payment_provider(settings: Settings) -> PaymentProvider | None:
    """The card payment provider for ``settings``; None while the card adapter is not built.

    The one place the real provider plugs in (``kiosk.checkout.card_provider``).
    """
    try:
        module = importlib.import_module("kiosk.checkout.card_provider")
    except ModuleNotFoundError:
        return None
    provider: PaymentProvider = module.provider_from_settings(settings)
    return provider


def job_printer(settings: Settings) -> JobPrinter | None:
    """The checkout's printer for ``settings``; None while no journal-to-document adapter exists."""
    try:
        module = importlib.import_module("kiosk.checkout.documents")
    except ModuleNotFoundError:
        return None
    printer: JobPrinter = module.printer_from_settings(settings)
    return printer


def build_services(settings: Settings) -> KioskServices:
    """Open the journal and wire printer, provider and catalog for ``settings``."""
    store = JournalStore(settings.journal_url, settings.terminal.id)
    sim = SimReader(name="Demo card panel") if settings.payment.reader.startswith("sim:") else None
    return KioskServices(
        settings=settings,
        store=store,
        catalog=load_catalog(),
        printer=job_printer(settings),
        provider=payment_provider(settings),
        sim_reader=sim,
    )

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
from kiosk.checkout.documents import payment_path, printer_from_settings
from kiosk.checkout.printing import JobPrinter
from kiosk.config import Settings
from kiosk.errors import KioskError
from kiosk.journal.models import (
    Order,
    OrderLine,
    OrderStatus,
    PrintJob,
    PrintStatus,
)
from kiosk.journal.store import JournalError, JournalStore, iso, utcnow
from kiosk.journal.used_tickets import JournalUsedTickets
from kiosk.payment.reader_sim import SimReader
from kiosk.sales.gate import GateDecision, GateVerdict, check_ticket, gate_keys
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
    #: Key id -> secret of the ticket tokens the gate accepts.
    ticket_keys: dict[int, bytes] = field(default_factory=gate_keys)
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
                    kind="receipt:reprint",
                    status=PrintStatus.QUEUED,
                    attempts=0,
                    last_error="",
                    created_at=tx.now,
                )
                tx.session.add(job)
                tx.session.flush()
                tx.append(
                    "print.queued",
                    {"job": job.id, "order": last, "kind": job.kind},
                    actor="operator",
                )
        return self.checkout.print_queued(actor="operator")

    def close_shift(self) -> ShiftTotals:
        """Record ``shift.closed`` with the approved payments since the last close (by payment
        path) and queue its slip, printed from that entry."""
        entries = self.store.entries()
        previous = [e for e in entries if e.event == "shift.closed"]
        since = previous[-1].seq if previous else 0
        opened = previous[-1].ts if previous else (entries[0].ts if entries else "")
        approved = [e for e in entries if e.seq > since and e.event == "payment.approved"]
        by_path: dict[str, list[int]] = {}
        for e in approved:
            total = by_path.setdefault(payment_path(e.payload.get("path") or "").value, [0, 0])
            total[0] += 1
            total[1] += int(e.payload.get("amount_fen") or 0)
        totals = ShiftTotals(
            since,
            entries[-1].seq if entries else 0,
            len(approved),
            sum(t[1] for t in by_path.values()),
        )
        with self.store.transaction(now=self.clock()) as tx:
            entry = tx.append(
                "shift.closed",
                {
                    **_as_payload(totals),
                    "by_path": by_path,
                    "opened": (opened or iso(tx.now)).replace("Z", "+00:00"),
                    "mode": self.settings.terminal.mode.value,
                },
                actor="operator",
            )
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

    # -- gate --------------------------------------------------------------------------------

    def check_ticket(self, scanned: str) -> tuple[GateDecision, datetime | None]:
        """The gate's decision on a scan (admitted tickets are marked used in the journal),
        and when a USED ticket was admitted before. Refusals are journalled too."""
        used = JournalUsedTickets(self.store)
        decision = check_ticket(scanned, self.ticket_keys, used, now=self.clock())
        ticket_id = decision.ticket.ticket_id if decision.ticket else None
        if decision.admitted:
            return decision, None
        self.store.record(
            "gate.refused", {"verdict": decision.verdict.value, "ticket": ticket_id}, actor="gate"
        )
        if decision.verdict is GateVerdict.USED and ticket_id is not None:
            return decision, used.used_at(ticket_id)
        return decision, None

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


def build_services(settings: Settings) -> KioskServices:
    """Open the journal and wire printer, provider and catalog for ``settings``."""
    store = JournalStore(settings.journal_url, settings.terminal.id)
    sim = SimReader(name="Demo card panel") if settings.payment.reader.startswith("sim:") else None
    catalog = load_catalog()
    return KioskServices(
        settings=settings,
        store=store,
        catalog=catalog,
        printer=printer_from_settings(settings, store, catalog),
        provider=payment_provider(settings),
        sim_reader=sim,
    )

"""The market counter's use cases: card, cash and split sales with subsidies, voids,
overrides, refunds and the cash drawer, each journaled with who did it.

Plain Python, run on a worker. The screens keep a :class:`~kiosk.sales.market.Basket`
and call :class:`MarketDesk` to journal what a cashier does to it (``basket.line_voided``,
``basket.voided``, ``basket.price_override`` with the supervisor who approved it) and to
take payment through the one pipeline (:meth:`Checkout.pay
<kiosk.checkout.pipeline.Checkout.pay>`). A card sale is priced by the market's subsidy
rules once the card is known, before it is asked to approve (:mod:`kiosk.sales.subsidy`);
the day's grants are read back from the journal (orders whose payment was not declined
or aborted), so budgets and per-card limits survive a restart.

A refund of an earlier sale is journaled (``sale.refunded``) whatever the tender: cash
goes back from the drawer, and a card refund is recorded for the back office — the
acquirer link that would refund a card online is not there yet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from kiosk.checkout.card_provider import CardPaymentProvider
from kiosk.checkout.documents import JournalPrinter
from kiosk.checkout.ec_load import EcLoadResult, ec_load
from kiosk.checkout.market_reports import granted_in, market_report, subsidy_summary, today
from kiosk.checkout.pipeline import Checkout, CheckoutResult
from kiosk.checkout.provider import PaymentProvider
from kiosk.checkout.settlement import shift_period
from kiosk.checkout.shift import close_shift
from kiosk.checkout.tenders import CashTender, SplitTender, cash_part, split_tenders
from kiosk.errors import ConfigError
from kiosk.journal.models import JournalEntry, Order, Payment, PaymentState
from kiosk.journal.store import JournalStore, iso
from kiosk.pole_display import Lamp, PoleFeed
from kiosk.printing.layouts import EcLoadSlipData, SlipHeader, ec_load_slip
from kiosk.printing.records import Period
from kiosk.sales.market import MarketCatalog, refund_lines
from kiosk.sales.order import LineItem, OrderDraft
from kiosk.sales.subsidy import SubsidyGrant, decide, subsidised
from kiosk.sales.tickets import CHINA, CardFacts, SaleError
from kiosk.scale.frames import ScaleError
from kiosk.scale.scale import Scale, SimScale

__all__ = ["Lamp", "MarketDesk", "RefundRecord", "line_payload"]


def line_payload(line: LineItem) -> dict[str, Any]:
    """A line as a journal entry shows it (weight and unit price included)."""
    return {
        "sku": line.sku,
        "name": line.name,
        "quantity": line.quantity,
        "amount_fen": line.amount_fen,
        **{k: line.meta[k] for k in ("grams", "price_fen", "unit") if k in line.meta},
    }


@dataclass(frozen=True)
class RefundRecord:
    """What a refund wrote: the original sale, the lines, the amount and how it goes back."""

    reference: str
    lines: list[int]
    amount_fen: int
    #: ``cash`` (from the drawer) or ``card_recorded`` (for the back office).
    method: str


@dataclass
class MarketDesk:
    """The market's use cases on one terminal's journal, checkout, printer and card."""

    store: JournalStore
    checkout: Checkout
    catalog: MarketCatalog
    card: PaymentProvider
    printer: JournalPrinter | None
    clock: Callable[[], datetime]
    #: The counter's scale (``scale``; the demo's simulated one), None without one.
    scale: Scale | SimScale | None = None
    #: Where the X and Z reports are written as PDF; None: no PDF (slips and journal only).
    reports_dir: Path | None = None
    #: The customer pole display (``[market] pole_display``), None without one.
    pole: PoleFeed | None = None

    def read_weight(self) -> int:
        """A steady weight in grams; ScaleError in plain words otherwise (``scale.missing``
        when the counter has no scale)."""
        if self.scale is None:
            raise ScaleError("no scale on this counter", code="scale.missing")
        return self.scale.read()

    @property
    def simulated_scale(self) -> bool:
        """Whether the scale is the demo's (its weight set on screen)."""
        return isinstance(self.scale, SimScale)

    def simulate_weight(self, grams: int) -> None:
        """Demo: put ``grams`` on the simulated scale."""
        if isinstance(self.scale, SimScale):
            self.scale.grams = grams

    def show_customer(self, fen: int, figure: Lamp) -> None:
        """Show ``fen`` on the pole display with the ``figure``'s lamp lit (price, total,
        paid, change); returns at once, and a fault never stops a sale (:attr:`pole_status`)."""
        if self.pole is not None:
            self.pole.show(fen, figure)

    @property
    def pole_status(self) -> str:
        """``none`` (no display), ``idle``, ``ok`` or the code of the display's last fault."""
        return "none" if self.pole is None else self.pole.status

    # -- subsidies ----------------------------------------------------------------------------

    def granted_today(self) -> list[SubsidyGrant]:
        """Subsidies granted since midnight (China time), from the journal."""
        return granted_in(self.store, today(self.clock()))

    def subsidy_summary(self) -> list[dict[str, Any]]:
        """Per rule: grants and fen given today, and the budget left (None: no budget)."""
        return subsidy_summary(self.catalog.subsidies, self.granted_today())

    def _pricing(self, draft: OrderDraft) -> Callable[[CardFacts], OrderDraft | None]:
        def price(card: CardFacts) -> OrderDraft | None:
            offer = decide(self.catalog.subsidies, draft, card, self.granted_today())
            return None if offer is None else subsidised(draft, *offer, card.pan_token)

        return price

    # -- tenders ------------------------------------------------------------------------------

    def pay_card(
        self,
        draft: OrderDraft,
        *,
        actor: str,
        progress: Callable[[str], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> CheckoutResult:
        """The whole sale on a card, subsidised when a rule applies."""
        return self.checkout.pay(
            draft,
            actor=actor,
            progress=progress,
            cancelled=cancelled,
            pricing=self._pricing(draft),
            provider=self.card,
        )

    def pay_cash(self, draft: OrderDraft, tendered_fen: int, *, actor: str) -> CheckoutResult:
        """Cash: the change is in ``result.outcome.card_data["tenders"]``; the drawer opens.

        Raises TenderError ``tender.short`` before anything is journaled."""
        cash_part(draft.total_fen, tendered_fen)  # too little cash: refused before the journal
        result = self.checkout.pay(draft, actor=actor, provider=CashTender(tendered_fen))
        if result.state is PaymentState.APPROVED:
            self._kick(actor, order=result.order_id)
        return result

    def pay_split(
        self,
        draft: OrderDraft,
        card_fen: int,
        tendered_fen: int,
        *,
        actor: str,
        progress: Callable[[str], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> CheckoutResult:
        """``card_fen`` on the card (its e-cash balance when that is short), the rest in cash.

        No subsidy: the card's part is fixed before it is read. Raises TenderError
        (``tender.split``, ``tender.short``) before anything is journaled."""
        split_tenders(draft.total_fen, card_fen, tendered_fen)
        result = self.checkout.pay(
            draft,
            actor=actor,
            progress=progress,
            cancelled=cancelled,
            provider=SplitTender(self.card, card_fen, tendered_fen),
        )
        if result.state is PaymentState.APPROVED:
            self._kick(actor, order=result.order_id)
        return result

    # -- sensitive actions, journaled with who -------------------------------------------------

    def line_voided(self, line: LineItem, *, actor: str) -> None:
        self.store.record(
            "basket.line_voided", {"line": line_payload(line)}, actor=actor, now=self.clock()
        )

    def sale_voided(self, lines: Sequence[LineItem], *, actor: str) -> None:
        self.store.record(
            "basket.voided",
            {
                "lines": [line_payload(li) for li in lines],
                "total_fen": sum(li.amount_fen for li in lines),
            },
            actor=actor,
            now=self.clock(),
        )

    def price_overridden(
        self, before: LineItem, after: LineItem, *, actor: str, supervisor: str
    ) -> None:
        self.store.record(
            "basket.price_override",
            {
                "before": line_payload(before),
                "after": line_payload(after),
                "supervisor": supervisor,
            },
            actor=actor,
            now=self.clock(),
        )

    def staff_changed(
        self, event: str, member: str, role: str, *, actor: str, supervisor: str
    ) -> None:
        """Journal a change of the counter's staff (``staff.added``, ``staff.disabled``,
        ``staff.pin_changed``) with who made it; never the PIN or its hash."""
        self.store.record(
            event,
            {"member": member, "role": role, "supervisor": supervisor},
            actor=actor,
            now=self.clock(),
        )

    def open_drawer(self, *, actor: str, reason: str) -> None:
        """Open the drawer without a sale (journaled first, then the pulse)."""
        self._kick(actor, reason=reason)

    def _kick(self, actor: str, **why: Any) -> None:
        """Journal ``drawer.opened``, then pulse the drawer on the receipt printer (its
        PrinterError propagates: the journal already says the drawer was asked to open)."""
        self.store.record("drawer.opened", why, actor=actor, now=self.clock())
        if self.printer is not None:
            self.printer.service.kick_drawer()

    # -- e-cash load ----------------------------------------------------------------------------

    def load_ec(self, amount_fen: int, *, actor: str, supervisor: str) -> EcLoadResult:
        """The customer paid ``amount_fen`` in cash: load it onto the presented card's
        electronic cash online (:func:`kiosk.checkout.ec_load.ec_load`), journal the result
        with who did it, and when the card took it, open the drawer and print the slip with
        the new balance. A failed load takes no cash (the cashier hands it back).

        Raises ConfigError ``ec_load.no_host`` without the acquirer link, ``ec_load.no_ec``
        for a card without e-cash; ReaderError when no card comes."""
        if not isinstance(self.card, CardPaymentProvider):
            raise ConfigError("an EC load needs the card reader", code="ec_load.no_card")
        now = self.clock()
        result = ec_load(self.card, amount_fen, now=now, timeout_s=self.card.card_timeout_s)
        event = "ec.loaded" if result.loaded else "ec.load_failed"
        self.store.record(event, asdict(result) | {"supervisor": supervisor}, actor=actor, now=now)
        if result.loaded:
            self._kick(actor, ec_load=result.amount_fen)
            if self.printer is not None:
                slip = self.printer.slip
                data = EcLoadSlipData(
                    SlipHeader(slip.merchant_name, slip.terminal_id, now.astimezone(CHINA)),
                    result.pan_masked,
                    result.amount_fen,
                    result.balance_before_fen,
                    result.balance_after_fen,
                    actor,
                    supervisor,
                )
                self.printer.service.print_document(ec_load_slip(data, slip.width, slip.lang))
        return result

    # -- refunds -------------------------------------------------------------------------------

    def sold_lines(self, reference: str) -> tuple[Order, list[dict[str, Any]], list[int]]:
        """The paid market sale ``reference``: its lines and the lines refunded already.

        Raises SaleError ``market.no_sale``."""
        with self.store.read() as session:
            order = session.scalars(
                select(Order).where(
                    Order.terminal_id == self.store.terminal_id,
                    Order.reference == reference.strip(),
                    Order.mode == "market",
                )
            ).first()
            paid = order is not None and any(
                p.state in (PaymentState.APPROVED, PaymentState.SETTLED) for p in order.payments
            )
            if order is None or not paid:
                raise SaleError(f"no paid sale {reference!r}", code="market.no_sale")
            lines = [
                {"name": li.name, "amount_fen": li.amount_fen, "quantity": li.quantity}
                for li in sorted(order.lines, key=lambda li: li.position)
            ]
            refunded = [
                index
                for payload in session.scalars(
                    select(JournalEntry.payload).where(
                        JournalEntry.terminal_id == self.store.terminal_id,
                        JournalEntry.event == "sale.refunded",
                    )
                )
                if payload.get("order") == order.id
                for index in payload["lines"]
            ]
            session.expunge(order)
            return order, lines, refunded

    def refund(
        self, reference: str, chosen: Sequence[int], *, actor: str, supervisor: str
    ) -> RefundRecord:
        """Refund lines ``chosen`` of sale ``reference`` (a supervisor approved it).

        Cash sales are paid back from the drawer (which opens); card sales are recorded
        for the back office. Raises SaleError (``market.no_sale``, ``market.refunded`` …).
        """
        order, lines, refunded = self.sold_lines(reference)
        picked, amount = refund_lines(lines, chosen, refunded)
        # The order's discount is shared over its lines as settlement shares it: the customer
        # gets back what was paid for the lines, not their list price.
        subtotal = sum(li["amount_fen"] for li in lines)
        amount -= order.discount_fen * amount // subtotal if subtotal else 0
        with self.store.read() as session:
            payment = session.scalars(select(Payment).where(Payment.order_id == order.id)).first()
            path = payment.path if payment is not None else ""
        method = "cash" if path == "cash" else "card_recorded"
        self.store.record(
            "sale.refunded",
            {
                "order": order.id,
                "reference": order.reference,
                "lines": picked,
                "amount_fen": amount,
                "method": method,
                "supervisor": supervisor,
                # the acquirer link that refunds a card online is not there yet
                "card_refund": "" if method == "cash" else "not_available",
            },
            actor=actor,
            now=self.clock(),
        )
        if method == "cash":
            self._kick(actor, refund=order.reference)
        return RefundRecord(order.reference, picked, amount, method)

    # -- shift ----------------------------------------------------------------------------------

    def cash_expected(self) -> int:
        """Cash that should be in the drawer for the open shift: cash tenders of approved
        sales less cash refunds, plus the cash paid for e-cash loads (the float is counted
        apart)."""
        period = shift_period(self.store, self.clock())
        with self.store.read() as session:
            payments = session.scalars(
                select(Payment).where(
                    Payment.terminal_id == self.store.terminal_id,
                    Payment.created_at >= period.start,
                    Payment.state.in_([PaymentState.APPROVED, PaymentState.SETTLED]),
                )
            )
            cash = sum(
                t["fen"]
                for p in payments
                for t in (p.card_data or {}).get("tenders", [])
                if t["kind"] == "cash"
            )
            refunds = session.scalars(
                select(JournalEntry.payload).where(
                    JournalEntry.terminal_id == self.store.terminal_id,
                    JournalEntry.event == "sale.refunded",
                    JournalEntry.ts >= iso(period.start),
                )
            )
            refunded = sum(r["amount_fen"] for r in refunds if r.get("method") == "cash")
            loads = session.scalars(
                select(JournalEntry.payload).where(
                    JournalEntry.terminal_id == self.store.terminal_id,
                    JournalEntry.event == "ec.loaded",
                    JournalEntry.ts >= iso(period.start),
                )
            )
            loaded = sum(p["amount_fen"] for p in loads)  # paid in cash at the counter
        return cash - refunded + loaded

    def x_report(self, *, actor: str) -> tuple[int, list[dict[str, Any]], Path | None]:
        """X: the cash expected in the drawer and today's subsidies, and the shift so far
        as PDF (its path; None without ``reports_dir``). Nothing is closed."""
        cash, subsidies = self.cash_expected(), self.subsidy_summary()
        pdf = self._report_pdf(
            "x", shift_period(self.store, self.clock()), {"expected_fen": cash}, subsidies
        )
        self.store.record(
            "shift.x_report",
            {"expected_fen": cash, "pdf": pdf.name if pdf else ""},
            actor=actor,
            now=self.clock(),
        )
        return cash, subsidies, pdf

    def close_shift(self, counted_fen: int, *, actor: str) -> dict[str, Any]:
        """Z: journal the cash counted against expected, then close the shift (journal, slip)
        and write its PDF. Returns the figures (sales, refunds, net, counted, expected,
        difference) and ``pdf``, the report's path (None without ``reports_dir``)."""
        expected, subsidies, now = self.cash_expected(), self.subsidy_summary(), self.clock()
        self.store.record("subsidy.day_summary", {"rules": subsidies}, actor=actor, now=now)
        figures = {
            "counted_fen": counted_fen,
            "expected_fen": expected,
            "difference_fen": counted_fen - expected,
        }
        self.store.record("shift.cash_counted", figures, actor=actor, now=now)
        period = shift_period(self.store, now)  # the shift being closed, as its slip has it
        summary = close_shift(self.store, self.printer, now=now, actor=actor)
        pdf = self._report_pdf("z", period, figures, subsidies)
        return figures | {
            "sales_fen": summary.sales.amount_fen,
            "sales": summary.sales.count,
            "refunds_fen": summary.refunds.amount_fen,
            "net_fen": summary.net_fen,
            "pdf": pdf,
        }

    def _report_pdf(
        self,
        kind: str,
        period: Period,
        cash: dict[str, int],
        subsidies: list[dict[str, Any]],
    ) -> Path | None:
        if self.reports_dir is None:
            return None
        when = self.clock().astimezone(CHINA)
        out = self.reports_dir / f"{kind}-{self.store.terminal_id}-{when:%Y%m%d-%H%M%S}.pdf"
        market_report(
            self.store,
            kind=kind,
            period=period,
            out_path=out,
            cash=cash,
            subsidies=subsidies,
            merchant_name=self.printer.slip.merchant_name if self.printer else "",
        )
        return out

"""The one pipeline every mode uses: order -> pending payment -> provider -> outcome -> print.

Each step is its own committed transaction with its journal entry, so that a crash
at any instant leaves either a finished payment or a pending one that
:func:`kiosk.checkout.recovery.recover_pending` resolves. Printing happens after
the outcome is committed and from the journal; a printer failure never changes the
payment, it leaves the job queued for reprint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from kiosk.checkout.outcomes import (
    AfterCard,
    CloseRecord,
    close_record,
    memory_views,
    order_lines,
)
from kiosk.checkout.pricing import Pricing, check_repriced, record_discount
from kiosk.checkout.printing import JobPrinter, PrintQueue
from kiosk.checkout.provider import (
    CardIdentity,
    PaymentOutcome,
    PaymentProvider,
    PaymentRequest,
)
from kiosk.checkout.recovery import recover_pending
from kiosk.errors import KioskError, UsageError
from kiosk.journal.disk import DiskGuard, OutcomeSpool
from kiosk.journal.models import (
    Order,
    OrderStatus,
    Payment,
    PaymentState,
)
from kiosk.journal.states import PaymentClosedError, lock_pending, transition
from kiosk.journal.store import JournalStore, utcnow
from kiosk.sales.order import OrderDraft
from kiosk.sales.tickets import CardFacts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckoutResult:
    """What the screen shows after a payment attempt."""

    order_id: int
    reference: str
    payment_id: int
    state: PaymentState
    reason: str = ""
    outcome: PaymentOutcome | None = None
    #: Print jobs still queued after this attempt (printer trouble): reprint later.
    unprinted: int = 0
    print_error: str = ""
    #: The order as charged: the draft given, or the card-discounted one (``pricing``).
    draft: OrderDraft | None = None


class _Hooks:
    """Connects the provider's commit point, card pricing and progress to the journal and
    the screen. ``draft`` is the order as it is to be charged."""

    def __init__(
        self,
        checkout: Checkout,
        payment_id: int,
        actor: str,
        progress: Callable[[str], None] | None,
        *,
        order_id: int = 0,
        draft: OrderDraft | None = None,
        pricing: Pricing | None = None,
    ) -> None:
        self._checkout, self._payment_id, self._actor = checkout, payment_id, actor
        self._progress, self._order_id, self._pricing = progress, order_id, pricing
        self.draft = draft
        self.committed = False

    def reprice(self, card: CardFacts) -> int | None:
        """``PaymentRequest.reprice``: the pricing's new total, journalled first
        (``order.discounted``); None when it leaves the total as it is.

        Raises ``UsageError`` after the commit point or for a price that is not lower.
        """
        if self.committed or self._pricing is None or self.draft is None:
            raise UsageError("the price is fixed once the card is asked", code="usage.reprice")
        after = self._pricing(card)
        if after is None or not check_repriced(self.draft, after):
            return None
        checkout = self._checkout
        record_discount(
            checkout.store,
            order_id=self._order_id,
            payment_id=self._payment_id,
            before=self.draft,
            after=after,
            actor=self._actor,
            now=checkout.clock(),
        )
        self.draft = after
        return after.total_fen

    def before_card_commit(self, card: CardIdentity) -> None:
        with self._checkout.store.transaction(now=self._checkout.clock()) as tx:
            lock_pending(tx, self._payment_id)
            payment = tx.session.get(Payment, self._payment_id)
            assert payment is not None
            payment.pan_masked, payment.pan_token = card.pan_masked, card.pan_token
            payment.aid, payment.interface, payment.atc = card.aid, card.interface, card.atc
            payment.updated_at = payment.card_committed_at = tx.now
            tx.append(
                "payment.card_commit",
                {
                    "payment": self._payment_id,
                    "pan_masked": card.pan_masked,
                    "pan_token": card.pan_token,
                    "aid": card.aid,
                    "interface": card.interface,
                    "atc": card.atc,
                },
                actor=self._actor,
            )
        self.committed = True

    def progress(self, stage: str) -> None:
        if self._progress is not None:
            self._progress(stage)


class Checkout:
    """Runs sales through the journal, a payment provider and a printer."""

    def __init__(
        self,
        store: JournalStore,
        provider: PaymentProvider,
        printer: JobPrinter | None,
        *,
        unattended: bool,
        clock: Callable[[], datetime] = utcnow,
        disk: DiskGuard | None = None,
        spool: OutcomeSpool | None = None,
    ) -> None:
        self.store, self.provider = store, provider
        self.unattended, self.clock = unattended, clock
        #: Free space checked before each sale; its reserve is released after the card.
        self.disk = disk
        #: Writes the card's answer; keeps it in ``spool`` when the journal cannot take it.
        self.after_card = AfterCard(store, disk, spool)
        #: This terminal's documents, printed from the journal after each sale.
        self.documents = PrintQueue(store, printer, clock=clock, spool=spool)
        #: False while start-up recovery is still owed (a full disk put it off).
        self.recovered = True

    def recover(self, *, actor: str = "recovery") -> None:
        """Journal what was kept outside it, then resolve what a crash left pending
        (:func:`~kiosk.checkout.recovery.recover_pending`). Raises JournalError when the
        journal still cannot be written; the next sale tries again."""
        self.recovered = False
        self.after_card.settle(actor=actor, clock=self.clock)
        recover_pending(self.store, actor=actor, now=self.clock())
        self.recovered = True

    def pay(
        self,
        draft: OrderDraft,
        *,
        actor: str,
        progress: Callable[[str], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
        pricing: Pricing | None = None,
        provider: PaymentProvider | None = None,
    ) -> CheckoutResult:
        """Take payment for ``draft`` and print its documents.

        ``pricing`` (a card discount) may lower the total once the card is known, before
        it is asked to approve (:mod:`kiosk.checkout.pricing`); ``result.draft`` is the
        order as charged. ``provider`` replaces the terminal's card provider for this sale
        (the market's cash and split tenders, :mod:`kiosk.checkout.tenders`).

        Raises before anything is charged when an unattended terminal's printer is not
        ready (the printer's error) or the journal cannot be written (``JournalError``).
        Card-side failures do not raise: they end in an aborted or uncertain payment.
        """
        if self.unattended:
            self.documents.ready()
        self.after_card.ready()
        if not self.recovered or self.after_card.pending:
            self.recover()
        order_id, reference, payment_id = self._open(draft, actor)
        hooks = _Hooks(
            self, payment_id, actor, progress, order_id=order_id, draft=draft, pricing=pricing
        )
        request = PaymentRequest(
            payment_id,
            draft.total_fen,
            reference,
            self.clock(),
            cancelled,
            reprice=hooks.reprice if pricing is not None else None,
        )
        try:
            outcome = (provider or self.provider).pay(request, hooks)
        except PaymentClosedError as exc:
            # Settled elsewhere before the card was asked: nothing to record, nothing charged.
            return CheckoutResult(
                order_id, reference, payment_id, exc.state, exc.code, draft=hooks.draft
            )
        except KioskError as exc:
            state = PaymentState.UNCERTAIN if hooks.committed else PaymentState.ABORTED
            self._fail(payment_id, state, exc.code, actor)
            return CheckoutResult(
                order_id, reference, payment_id, state, exc.code, draft=hooks.draft
            )
        except BaseException:
            # A bug or an interrupt: record what we know, then let it propagate.
            state = PaymentState.UNCERTAIN if hooks.committed else PaymentState.ABORTED
            self._fail(payment_id, state, "internal", actor)
            raise
        record = close_record(payment_id, outcome, committed=hooks.committed)
        if self.after_card.write(record, actor=actor, now=self.clock()):
            unprinted, error = self.documents.print_queued(order_id=order_id, actor=actor)
        elif record.state is PaymentState.APPROVED:
            # Paid, and the journal will have it once it can: the customer gets the truth
            # and the documents, from memory.
            sold = hooks.draft or draft
            unprinted, error = self._print_from_memory(record, sold, order_id, reference)
        else:
            unprinted, error = 0, ""
        return CheckoutResult(
            order_id,
            reference,
            payment_id,
            record.state,
            outcome.reason,
            outcome,
            unprinted,
            error,
            draft=hooks.draft,
        )

    # -- steps, one transaction each ---------------------------------------------------------

    def _open(self, draft: OrderDraft, actor: str) -> tuple[int, str, int]:
        with self.store.transaction(now=self.clock()) as tx:
            reference = f"{tx.terminal_id}{tx.next_seq:08d}"
            order = Order(
                terminal_id=tx.terminal_id,
                reference=reference,
                mode=draft.mode.value,
                status=OrderStatus.OPEN,
                created_at=tx.now,
                subtotal_fen=draft.subtotal_fen,
                discount_fen=draft.discount_fen,
                total_fen=draft.total_fen,
                meta=dict(draft.meta),
            )
            order.lines = order_lines(draft)
            payment = Payment(
                terminal_id=tx.terminal_id,
                state=PaymentState.PENDING,
                amount_fen=draft.total_fen,
                created_at=tx.now,
                updated_at=tx.now,
            )
            order.payments = [payment]
            tx.session.add(order)
            tx.session.flush()
            tx.append(
                "order.created",
                {
                    "order": order.id,
                    "reference": reference,
                    "mode": draft.mode.value,
                    "lines": [
                        {
                            "sku": li.sku,
                            "name": li.name,
                            "quantity": li.quantity,
                            "unit_price_fen": li.unit_price_fen,
                        }
                        for li in draft.lines
                    ],
                    "subtotal_fen": draft.subtotal_fen,
                    "discount_fen": draft.discount_fen,
                    "total_fen": draft.total_fen,
                },
                actor=actor,
            )
            tx.append(
                "payment.pending",
                {"payment": payment.id, "order": order.id, "amount_fen": draft.total_fen},
                actor=actor,
            )
            return order.id, reference, payment.id

    def _fail(self, payment_id: int, state: PaymentState, reason: str, actor: str) -> None:
        with self.store.transaction(now=self.clock()) as tx:
            transition(tx, payment_id, state, reason=reason)
            tx.append(
                f"payment.{state.value}", {"payment": payment_id, "reason": reason}, actor=actor
            )

    def _close(
        self, payment_id: int, outcome: PaymentOutcome, *, committed: bool, actor: str
    ) -> PaymentState:
        """Journal the outcome (raises JournalError when it cannot; see :meth:`pay`)."""
        record = close_record(payment_id, outcome, committed=committed)
        self.after_card.write(record, actor=actor, now=self.clock())
        return record.state

    def _print_from_memory(
        self, record: CloseRecord, draft: OrderDraft, order_id: int, reference: str
    ) -> tuple[int, str]:
        """The documents of a sale the journal could not take yet, printed from memory."""
        views = memory_views(
            record, draft, order_id=order_id, reference=reference, now=self.clock()
        )
        printer, printed = self.documents.printer, []
        if printer is None:
            return len(views), "printer.missing"
        error = ""
        for view in views:
            try:
                printer.print_job(view)
            except KioskError as exc:
                error = exc.code
                break
            printed.append(view.kind)
        self.after_card.printed(record, printed)
        return len(views) - len(printed), error

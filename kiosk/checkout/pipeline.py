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

from kiosk.checkout.pricing import Pricing, check_repriced, record_discount
from kiosk.checkout.printing import JobPrinter, PrintQueue
from kiosk.checkout.provider import (
    CardIdentity,
    PaymentOutcome,
    PaymentProvider,
    PaymentRequest,
    PaymentVerdict,
)
from kiosk.errors import KioskError, UsageError
from kiosk.journal import fulfilment
from kiosk.journal.models import (
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentState,
)
from kiosk.journal.states import transition
from kiosk.journal.store import JournalStore, Tx, utcnow
from kiosk.sales.order import OrderDraft
from kiosk.sales.tickets import CardFacts

log = logging.getLogger(__name__)

#: PaymentOutcome fields copied onto the payment row when the provider filled them in.
_OUTCOME_COLUMNS = (
    "reason",
    "path",
    "interface",
    "aid",
    "app_label",
    "pan_masked",
    "pan_token",
    "atc",
    "cid",
    "cryptogram",
    "response_code",
    "ec_balance_before_fen",
    "ec_balance_after_fen",
)

_OUTCOME_STATE = {
    PaymentVerdict.APPROVED: PaymentState.APPROVED,
    PaymentVerdict.DECLINED: PaymentState.DECLINED,
    PaymentVerdict.ABORTED: PaymentState.ABORTED,
}


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
    ) -> None:
        self.store, self.provider = store, provider
        self.unattended, self.clock = unattended, clock
        #: This terminal's documents, printed from the journal after each sale.
        self.documents = PrintQueue(store, printer, clock=clock)

    def pay(
        self,
        draft: OrderDraft,
        *,
        actor: str,
        progress: Callable[[str], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
        pricing: Pricing | None = None,
    ) -> CheckoutResult:
        """Take payment for ``draft`` and print its documents.

        ``pricing`` (a card discount) may lower the total once the card is known, before
        it is asked to approve (:mod:`kiosk.checkout.pricing`); ``result.draft`` is the
        order as charged.

        Raises before anything is charged when an unattended terminal's printer is not
        ready (the printer's error) or the journal cannot be written (``JournalError``).
        Card-side failures do not raise: they end in an aborted or uncertain payment.
        """
        if self.unattended:
            self.documents.ready()
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
            outcome = self.provider.pay(request, hooks)
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
        state = self._close(payment_id, outcome, committed=hooks.committed, actor=actor)
        unprinted, error = self.documents.print_queued(order_id=order_id, actor=actor)
        return CheckoutResult(
            order_id,
            reference,
            payment_id,
            state,
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
            order.lines = [
                OrderLine(
                    position=i,
                    sku=li.sku,
                    name=li.name,
                    quantity=li.quantity,
                    unit=li.unit,
                    unit_price_fen=li.unit_price_fen,
                    amount_fen=li.amount_fen,
                    meta=dict(li.meta),
                )
                for i, li in enumerate(draft.lines)
            ]
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
        state = _OUTCOME_STATE[outcome.outcome]
        if state is PaymentState.ABORTED and committed:
            # The card was asked; "aborted" would claim nothing was charged.
            state = PaymentState.UNCERTAIN
        values = {
            name: getattr(outcome, name)
            for name in _OUTCOME_COLUMNS
            if getattr(outcome, name) not in ("", None)
        }
        with self.store.transaction(now=self.clock()) as tx:
            row = transition(tx, payment_id, state, card_data=outcome.card_data, **values)
            payload = {
                "payment": payment_id,
                "amount_fen": row.amount_fen,
                "reason": outcome.reason,
                "path": outcome.path,
                "aid": outcome.aid,
                "pan_masked": outcome.pan_masked,
                "atc": outcome.atc,
                "cid": outcome.cid,
                "cryptogram": outcome.cryptogram,
                "response_code": outcome.response_code,
                "ec_balance_after_fen": outcome.ec_balance_after_fen,
            }
            tx.append(f"payment.{state.value}", payload, actor=actor)
            if state is PaymentState.APPROVED:
                fulfil(tx, row.order_id, actor)
        return state


def fulfil(tx: Tx, order_id: int, actor: str) -> None:
    """The order of an approved payment, in the approval's transaction: marked paid, its
    receipt and one ticket per ticket unit sold queued for printing (prepared: hot path)."""
    tx.run(fulfilment.MARK_PAID, {"oid": order_id})
    lines = tx.run(fulfilment.ORDER_LINES, {"oid": order_id})
    kinds = ["receipt"] + [
        f"ticket:{line.position}:{n}"
        for line in lines
        if line.meta.get("ticket")
        for n in range(line.quantity)
    ]
    for kind in kinds:
        params = {"tid": tx.terminal_id, "oid": order_id, "kind": kind, "now": tx.now}
        [(job_id,)] = tx.run(fulfilment.QUEUE_JOB, params)
        tx.append("print.queued", {"job": job_id, "order": order_id, "kind": kind}, actor=actor)

"""Card pricing: the order's amount may drop once the card is known (card discounts).

The UI hands :meth:`Checkout.pay <kiosk.checkout.pipeline.Checkout.pay>` a
:data:`Pricing` callback (the ticket kiosk: the catalog's best card discount). The
provider asks it through ``PaymentRequest.reprice`` before the card is asked to
approve — contact after READ RECORD (BIN, AID, e-cash known), qPBOC after SELECT (the
AID only) — and :func:`record_discount` writes the new order total and the pending
payment's amount in one journal transaction with an ``order.discounted`` entry, so
that the ``payment.card_commit`` after it and the receipt show the discounted amount.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from kiosk.errors import UsageError
from kiosk.journal.models import Order, Payment
from kiosk.journal.store import JournalStore
from kiosk.sales.order import OrderDraft
from kiosk.sales.tickets import CardFacts

__all__ = ["Pricing", "check_repriced", "record_discount"]

#: Given the card's facts, the order as it is to be charged; None: as it is.
Pricing = Callable[[CardFacts], OrderDraft | None]


def check_repriced(before: OrderDraft, after: OrderDraft) -> bool:
    """Whether ``after`` changes what is charged for ``before``; only a lower total on the
    same lines is a valid change. Raises ``UsageError`` ``usage.reprice`` otherwise."""
    if after.lines != before.lines or after.mode is not before.mode:
        raise UsageError("a card price may not change the order's lines", code="usage.reprice")
    if after.total_fen > before.total_fen:
        raise UsageError(
            "a card price may only lower the total",
            code="usage.reprice",
            before=before.total_fen,
            after=after.total_fen,
        )
    return after.total_fen != before.total_fen


def record_discount(
    store: JournalStore,
    *,
    order_id: int,
    payment_id: int,
    before: OrderDraft,
    after: OrderDraft,
    actor: str,
    now: datetime,
) -> None:
    """Write ``after``'s discount and total on the order and its pending payment, with an
    ``order.discounted`` entry, in one transaction. Raises ``JournalError``."""
    with store.transaction(now=now) as tx:
        order = tx.session.get(Order, order_id)
        payment = tx.session.get(Payment, payment_id)
        assert order is not None and payment is not None  # written by Checkout._open
        order.discount_fen, order.total_fen = after.discount_fen, after.total_fen
        order.meta = dict(after.meta)
        payment.amount_fen, payment.updated_at = after.total_fen, tx.now
        tx.append(
            "order.discounted",
            {
                "order": order_id,
                "payment": payment_id,
                "discount": after.meta.get("discount"),
                "discount_fen": after.discount_fen,
                "total_fen": after.total_fen,
                "previous_total_fen": before.total_fen,
            },
            actor=actor,
        )

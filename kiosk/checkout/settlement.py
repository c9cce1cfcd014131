"""Settlement figures from the journal, for the shift and day PDF reports.

Each order line of a paid (or refunded, voided, declined) payment becomes one
:class:`~kiosk.printing.records.TransactionRecord`, so that the report can total by
product; an order's discount is spread over its lines in proportion (the remainder on
the last line) so that the lines add up to what the card paid. A split sale (card part +
cash) carries each line's amount by tender, so the card part is counted under the card's
path and the cash under cash. Times are China time,
the operator's clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kiosk.journal.models import Order, Payment, PaymentState, Shift, ShiftStatus
from kiosk.journal.store import JournalStore
from kiosk.printing.records import PaymentPath, Period, SaleMode, TransactionRecord, TxStatus
from kiosk.sales.tickets import CHINA

_STATUS = {
    PaymentState.APPROVED: TxStatus.APPROVED,
    PaymentState.SETTLED: TxStatus.APPROVED,
    PaymentState.DECLINED: TxStatus.DECLINED,
    PaymentState.VOIDED: TxStatus.VOIDED,
    PaymentState.REFUNDED: TxStatus.APPROVED,
}


#: How a payment was approved (``Payment.path``, as the card provider writes it) -> the
#: settlement column it counts in. qPBOC offline approvals spend the card's electronic
#: cash (JR/T 0025.12, 9F5D) just as contact EC does; a contact TC on the debit/credit
#: application is offline without being EC; only the host's approval is online.
_PATHS = {
    "online": PaymentPath.ONLINE,
    "ec_offline": PaymentPath.OFFLINE_EC,
    "qpboc_offline": PaymentPath.OFFLINE_EC,
    "offline": PaymentPath.OFFLINE,
    "cash": PaymentPath.CASH,
}


def settlement_path(path: str) -> PaymentPath:
    """The settlement column of a payment approved by ``path``; a payment that was never
    approved has no path (declined, voided) and is not totalled by path: online."""
    return _PATHS.get(path, PaymentPath.ONLINE)


def day_period(day: date) -> Period:
    """Midnight to midnight, China time."""
    start = datetime.combine(day, time(0), CHINA)
    return Period(start, start + timedelta(days=1))


def shift_period(store: JournalStore, now: datetime) -> Period:
    """The open shift (or the last closed one); with no shift at all, today so far."""
    with store.read() as session:
        shift = session.scalars(
            select(Shift).where(Shift.terminal_id == store.terminal_id).order_by(Shift.id.desc())
        ).first()
    if shift is None:
        return Period(day_period(now.astimezone(CHINA).date()).start, now.astimezone(CHINA))
    end = shift.closed_at if shift.status is ShiftStatus.CLOSED and shift.closed_at else now
    return Period(shift.opened_at.astimezone(CHINA), end.astimezone(CHINA))


def _shares(amounts: list[int], discount: int) -> list[int]:
    """Split ``discount`` over ``amounts`` in proportion, the rounding remainder on the last."""
    total = sum(amounts)
    if not total or not discount:
        return [0] * len(amounts)
    shares = [discount * a // total for a in amounts]
    shares[-1] += discount - sum(shares)
    return shares


def _tender_parts(
    payment: Payment, path: PaymentPath, nets: list[int]
) -> list[tuple[tuple[PaymentPath, int], ...]]:
    """Per line, its amount by tender when the payment was split (``card_data["tenders"]``,
    :mod:`kiosk.checkout.tenders`): the card part under the card's path, cash under cash.

    The tenders fill the lines in order (the card's part first), so every path's total is
    its tender's and at most one line per boundary is shared between two tenders; a share
    in proportion would round a small line's part past its amount.
    """
    tenders = (payment.card_data or {}).get("tenders", [])
    if len(tenders) < 2:
        return [()] * len(nets)
    columns = [PaymentPath.CASH if t["kind"] == "cash" else path for t in tenders]
    left = [int(t["fen"]) for t in tenders]
    lines, k = [], 0
    for net in nets:
        parts: list[tuple[PaymentPath, int]] = []
        due = net
        while due and k < len(left):
            take = min(due, left[k])
            parts.append((columns[k], take))
            due, left[k] = due - take, left[k] - take
            k += left[k] == 0
        lines.append(tuple(parts))
    return lines


def transaction_records(store: JournalStore, period: Period) -> Iterator[TransactionRecord]:
    """Records of this terminal's payments created inside ``period``."""
    with store.read() as session:
        payments = session.scalars(
            select(Payment)
            .where(
                Payment.terminal_id == store.terminal_id,
                Payment.created_at >= period.start,
                Payment.created_at < period.end,
                Payment.state.in_(list(_STATUS)),
            )
            .options(selectinload(Payment.order).selectinload(Order.lines))
            .execution_options(yield_per=1000)
        )
        for payment in payments:
            yield from _records(payment)


def _records(payment: Payment) -> Iterator[TransactionRecord]:
    order = payment.order
    when = payment.created_at.astimezone(CHINA)
    path = settlement_path(payment.path or "")
    mode = SaleMode(order.mode) if order.mode in SaleMode.__members__.values() else SaleMode.TICKET
    amounts = [line.amount_fen for line in order.lines]
    shares = _shares(amounts, order.discount_fen)
    nets = [a - s for a, s in zip(amounts, shares, strict=True)]
    for line, net, parts in zip(order.lines, nets, _tender_parts(payment, path, nets), strict=True):
        yield TransactionRecord(
            when, mode, path, line.name, net, _STATUS[payment.state], parts=parts
        )
        if payment.state is PaymentState.REFUNDED:
            yield TransactionRecord(when, mode, PaymentPath.REFUND, line.name, net)

"""The payment state machine: which transitions are legal.

``pending`` is written before the card is asked to approve. From there the card's
answer (or its absence) decides; ``uncertain`` is left for reconciliation, which
may only resolve it to approved or declined. Settled, voided and refunded follow
an approval. Anything else is a programming error, refused with
:class:`IllegalTransitionError`.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table, bindparam, select

from kiosk.errors import KioskError, UsageError
from kiosk.journal.models import Payment
from kiosk.journal.models import PaymentState as S
from kiosk.journal.prepared import Prepared
from kiosk.journal.store import Tx

TRANSITIONS: dict[S, frozenset[S]] = {
    S.PENDING: frozenset({S.APPROVED, S.DECLINED, S.ABORTED, S.UNCERTAIN}),
    S.UNCERTAIN: frozenset({S.APPROVED, S.DECLINED}),
    S.APPROVED: frozenset({S.SETTLED, S.VOIDED, S.REFUNDED}),
    S.SETTLED: frozenset({S.REFUNDED}),
    S.DECLINED: frozenset(),
    S.ABORTED: frozenset(),
    S.VOIDED: frozenset(),
    S.REFUNDED: frozenset(),
}

#: States in which the customer's money has left the card (or may have).
CHARGED = frozenset({S.APPROVED, S.SETTLED, S.UNCERTAIN})


class IllegalTransitionError(UsageError):
    """A payment was asked to move to a state its current state does not allow."""

    code = "journal.illegal_transition"


def check_transition(current: S, target: S) -> None:
    """Raise :class:`IllegalTransitionError` unless ``current -> target`` is allowed."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransitionError(
            f"payment cannot go from {current.value} to {target.value}",
            current=current.value,
            target=target.value,
        )


class PaymentClosedError(KioskError):
    """The payment is no longer *pending*: the card must not be asked to approve it.

    ``state`` is the state found. Only a process that does not hold the terminal's lock
    could have moved it (see :mod:`kiosk.journal.terminal_lock`); this is the last guard.
    """

    code = "payment.closed"

    def __init__(self, payment_id: int, state: S) -> None:
        super().__init__(
            f"payment {payment_id} is {state.value}, no longer pending", payment=payment_id
        )
        self.state = state


def lock_pending(tx: Tx, payment_id: int) -> None:
    """Lock payment ``payment_id``'s row in ``tx`` and check it is still *pending*; raises
    :class:`PaymentClosedError` otherwise (before the card is asked, in the same transaction
    that records the commit point)."""
    rows = tx.run(_LOCK_PAYMENT, {"pid": payment_id})
    if not rows:
        raise KioskError(f"payment {payment_id} not found", code="journal.not_found")
    if S(rows[0].state) is not S.PENDING:
        raise PaymentClosedError(payment_id, S(rows[0].state))


def transition(tx: Tx, payment_id: int, target: S, **values: Any) -> Any:
    """Move payment ``payment_id`` to ``target`` (locking its row), setting ``values`` too.

    Returns the row's ``order_id`` and ``amount_fen``. Raises :class:`IllegalTransitionError`
    for a transition the table above does not allow, KioskError ``journal.not_found`` for an
    unknown payment.
    """
    rows = tx.run(_LOCK_PAYMENT, {"pid": payment_id})
    if not rows:
        raise KioskError(f"payment {payment_id} not found", code="journal.not_found")
    row = rows[0]
    check_transition(S(row.state), target)
    params = {"pid": payment_id, "state": target, "updated_at": tx.now, **values}
    tx.run(_update_payment(frozenset(params) - {"pid"}), params)
    return row


# Every sale moves a payment at least twice: these statements are prepared (hot path).
PAYMENTS: Table = Payment.__table__  # type: ignore[assignment]


@functools.cache
def _update_payment(columns: frozenset[str]) -> Prepared:
    """``UPDATE payment SET <columns> WHERE id = :pid``, built once per set of columns."""
    return Prepared(
        PAYMENTS.update()
        .where(PAYMENTS.c.id == bindparam("pid"))
        .values({name: bindparam(name) for name in sorted(columns)})
    )


_LOCK_PAYMENT = Prepared(
    select(PAYMENTS.c.state, PAYMENTS.c.order_id, PAYMENTS.c.amount_fen)
    .where(PAYMENTS.c.id == bindparam("pid"))
    .with_for_update()
)

"""The payment state machine: which transitions are legal.

``pending`` is written before the card is asked to approve. From there the card's
answer (or its absence) decides; ``uncertain`` is left for reconciliation, which
may only resolve it to approved or declined. Settled, voided and refunded follow
an approval. Anything else is a programming error, refused with
:class:`IllegalTransitionError`.
"""

from __future__ import annotations

from kiosk.errors import UsageError
from kiosk.journal.models import PaymentState as S

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

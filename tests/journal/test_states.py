"""The payment state machine allows exactly the documented transitions."""

from __future__ import annotations

import itertools

import pytest

from kiosk.journal.models import PaymentState as S
from kiosk.journal.states import IllegalTransitionError, check_transition

ALLOWED = {
    (S.PENDING, S.APPROVED),
    (S.PENDING, S.DECLINED),
    (S.PENDING, S.ABORTED),
    (S.PENDING, S.UNCERTAIN),
    (S.UNCERTAIN, S.APPROVED),
    (S.UNCERTAIN, S.DECLINED),
    (S.APPROVED, S.SETTLED),
    (S.APPROVED, S.VOIDED),
    (S.APPROVED, S.REFUNDED),
    (S.SETTLED, S.REFUNDED),
}


@pytest.mark.parametrize(
    ("current", "target"), list(itertools.product(S, S)), ids=lambda s: s.value
)
def test_transition_table(current: S, target: S) -> None:
    """Every pair of states: allowed pairs pass, all others raise IllegalTransitionError."""
    if (current, target) in ALLOWED:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransitionError) as info:
            check_transition(current, target)
        assert info.value.code == "journal.illegal_transition"

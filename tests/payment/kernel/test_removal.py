"""The card pulled out after every possible number of APDUs: a clean outcome each time,
and ``committed`` true exactly when the card had been asked to approve."""

from __future__ import annotations

import pytest

from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.kernel import Outcome
from kiosk.payment.reader import Interface
from tests.payment.kernel.conftest import Hooks, transact

# profile, interface, APDUs of a whole transaction, APDU number of GENERATE AC / qPBOC GPO
CASES = {
    "debit-ec": (Interface.CONTACT, 16, 15),
    "qpboc-debit-ec": (Interface.CONTACTLESS, 8, 3),
}


def expected(profile: str, n: int) -> tuple[Outcome, bool]:
    """Before the commit APDU: try again, uncommitted — except when the card left right
    before it, where the command was sent and the kernel cannot know it never arrived.
    Contact EC: once the TC is in, the approval stands (the balance read after it is
    optional). qPBOC: records still missing after the GPO: try again, committed."""
    interface, total, commit = CASES[profile]
    if n >= total:
        return Outcome.APPROVED_OFFLINE, True
    if n < commit:
        return Outcome.TRY_AGAIN, n == commit - 1
    if interface is Interface.CONTACT:
        return Outcome.APPROVED_OFFLINE, True
    return Outcome.TRY_AGAIN, True


@pytest.mark.parametrize(
    ("profile", "n"),
    [(p, n) for p, (_, total, _) in CASES.items() for n in range(1, total + 1)],
    ids=[f"{p}-after-{n}" for p, (_, total, _) in CASES.items() for n in range(1, total + 1)],
)
def test_card_removed_after_n_apdus(profile: str, n: int, capk: CaKeyStore) -> None:
    """Removal after APDU ``n`` ends cleanly; ``committed`` tells whether the card was asked."""
    interface = CASES[profile][0]
    hooks = Hooks()
    card = load_card(profile)
    result, _ = transact(card, capk, interface=interface, hooks=hooks, remove_after=n)
    outcome, committed = expected(profile, n)
    assert (result.outcome, result.committed) == (outcome, committed)
    assert len(hooks.commits) == int(committed)
    if outcome is Outcome.TRY_AGAIN:
        assert result.reason == "reader.card_removed"

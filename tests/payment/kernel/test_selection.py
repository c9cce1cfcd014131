"""Application selection: PSE, list of AIDs with partial selection, priorities, the
confirmation bit, blocked cards and applications, GPO 6985 -> next candidate."""

from __future__ import annotations

import pytest

from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.cardsim.scripted import ScriptedCard
from kiosk.payment.kernel import AidEntry, Outcome, TerminalConfig
from tests.payment.kernel.cards import Rewriting, patch, refuse
from tests.payment.kernel.conftest import transact

DEBIT, EC = "A000000333010101", "A000000333010106"
PSE_SELECT = "00A404000E315041592E5359532E444446303100"
NO_PSE = refuse("00A404000E315041592E", "6A82")
PSE_RECORD = "00B2"


def test_multi_app_picks_highest_priority(capk: CaKeyStore) -> None:
    """Two matching applications: the debit one (priority 1) is selected."""
    result, _ = transact(load_card("multi-app"), capk)
    assert (result.outcome, result.aid, result.app_label) == (
        Outcome.APPROVED_OFFLINE,
        DEBIT,
        "UnionPay Debit",
    )


@pytest.mark.parametrize(
    ("attended", "aid"), [(False, EC), (True, DEBIT)], ids=["unattended", "attended"]
)
def test_confirmation_bit(attended: bool, aid: str, capk: CaKeyStore) -> None:
    """87 b8 set on the debit entry: an unattended terminal leaves it out (Book 1 §12.4)."""
    card = Rewriting(load_card("multi-app"), [patch(PSE_RECORD, "870101", "870181")])
    result, _ = transact(card, capk, config=TerminalConfig(attended=attended))
    assert result.aid == aid


def test_list_of_aids_with_partial_selection(capk: CaKeyStore) -> None:
    """No PSE: the terminal AID A000000333 finds both applications by next occurrence."""
    config = TerminalConfig(aids=(AidEntry("A000000333"),))
    card = Rewriting(load_card("multi-app"), [NO_PSE])
    result, _ = transact(card, capk, config=config)
    selects = [c.hex().upper() for c in card.sent if c[:2] == b"\x00\xa4"]
    assert selects[1:4] == [
        "00A4040005A00000033300",
        "00A4040205A00000033300",
        "00A4040205A00000033300",
    ]
    assert (result.outcome, result.aid) == (Outcome.APPROVED_OFFLINE, DEBIT)


def test_exact_aid_without_partial_selection(capk: CaKeyStore) -> None:
    """A terminal AID that does not allow partial selection ignores longer card AIDs."""
    config = TerminalConfig(aids=(AidEntry("A000000333", partial_selection=False),))
    card = Rewriting(load_card("debit-ec"), [NO_PSE])
    result, _ = transact(card, capk, config=config)
    assert (result.outcome, result.reason) == (Outcome.END_APPLICATION, "card.no_application")
    assert not result.committed


def test_card_blocked(capk: CaKeyStore) -> None:
    """6A81 to the first SELECT: the card is blocked, the session ends (Book 1 §12.3.2)."""
    card = ScriptedCard([(PSE_SELECT, "6A81")])
    result, _ = transact(card, capk)
    assert (result.outcome, result.reason, result.apdu_count) == (
        Outcome.END_APPLICATION,
        "card.blocked",
        1,
    )
    card.assert_done()


def test_blocked_application_is_skipped(capk: CaKeyStore) -> None:
    """6283 to the final SELECT of the debit application: the EC one is used instead."""
    card = Rewriting(load_card("multi-app"), [refuse("00A4040008" + DEBIT, "6283")])
    result, _ = transact(card, capk)
    assert (result.outcome, result.aid) == (Outcome.APPROVED_OFFLINE, EC)


def test_gpo_6985_goes_to_next_candidate(capk: CaKeyStore) -> None:
    """6985 to GPO: the next candidate is selected and used (Book 3 §10.1)."""
    card = Rewriting(load_card("multi-app"), [refuse("80A8", "6985", times=1)])
    result, _ = transact(card, capk)
    assert (result.outcome, result.aid) == (Outcome.APPROVED_OFFLINE, EC)


def test_no_matching_aid(capk: CaKeyStore) -> None:
    """A terminal that accepts none of the card's applications ends the transaction."""
    config = TerminalConfig(aids=(AidEntry("A0000000031010"),))
    result, _ = transact(load_card("debit-ec"), capk, config=config)
    assert (result.outcome, result.reason) == (Outcome.END_APPLICATION, "card.no_application")

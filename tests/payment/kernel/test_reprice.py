"""Repricing once the card is known (``KernelHooks.amount_for``): a contact restart with
the lower amount, an AID-only price on qPBOC, and what the kernel refuses."""

from __future__ import annotations

import pytest

from kiosk.errors import UsageError
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.kernel import Outcome, PricingFacts
from kiosk.payment.reader import Interface
from tests.payment.kernel.cards import Rewriting
from tests.payment.kernel.conftest import Hooks, transact

SELECT, GPO, READ, GENERATE_AC = "00a4", "80a8", "00b2", "80ae"
#: debit-ec without repricing: PSE SELECT + 2 directory records, SELECT, GPO, 7 records, …
FIRST_PASS = 12  # APDUs up to the last record of the first READ RECORD phase
RESTART = 9  # SELECT, GPO and the AFL's 7 READ RECORDs again


def _heads(card: Rewriting) -> list[str]:
    return [apdu[:2].hex() for apdu in card.sent]


def _gen_ac_amount(card: Rewriting) -> int:
    """9F02 as sent in the first GENERATE AC (CDOL1 starts with it, 6 BCD bytes)."""
    gen_ac = next(a for a in card.sent if a[:2].hex() == GENERATE_AC)
    return int(gen_ac[5:11].hex())


def test_contact_lower_amount_restarts_and_charges_it(capk: CaKeyStore) -> None:
    """A lower amount after READ RECORD: SELECT/GPO/records again, the card debits exactly it."""
    card = Rewriting(load_card("debit-ec"), [])
    hooks = Hooks(amount=900)
    result, _ = transact(card, capk, amount=1000, hooks=hooks)
    assert (result.outcome, result.amount_fen, result.committed) == (
        Outcome.APPROVED_OFFLINE,
        900,
        True,
    )
    token = hooks.facts[0].pan_token  # the keyed token, for per-card subsidy limits
    assert hooks.facts == [
        PricingFacts(
            Interface.CONTACT, "A000000333010101", "62123400", electronic_cash=True, pan_token=token
        )
    ]
    assert len(token) >= 16 and token == hooks.commits[0].pan_token
    heads = _heads(card)
    assert heads[FIRST_PASS : FIRST_PASS + RESTART] == [SELECT, GPO] + [READ] * 7
    assert card.sent[FIRST_PASS] == card.sent[3]  # the same application selected again
    assert result.apdu_count == 16 + RESTART
    assert result.atc == 2  # the first GPO spent one ATC value
    assert _gen_ac_amount(card) == 900
    assert result.ec_balance_before_fen - result.ec_balance_after_fen == 900
    assert card.card.state.ec_balance == 50000 - 900
    assert len(hooks.commits) == 1


@pytest.mark.parametrize("answer", [None, 1000], ids=["none", "same-amount"])
def test_contact_unchanged_amount_costs_nothing(answer: int | None, capk: CaKeyStore) -> None:
    """No new amount (None, or the same): no restart, the same APDUs as without the hook."""
    plain = Rewriting(load_card("debit-ec"), [])
    base, _ = transact(plain, capk, amount=1000)
    card = Rewriting(load_card("debit-ec"), [])
    hooks = Hooks(amount=answer)
    result, _ = transact(card, capk, amount=1000, hooks=hooks)
    assert len(hooks.facts) == 1
    assert card.sent == plain.sent
    assert (result.apdu_count, result.amount_fen, result.atc) == (base.apdu_count, 1000, 1)


@pytest.mark.parametrize(
    ("interface", "profile", "answer"),
    [
        (Interface.CONTACT, "debit-ec", 1001),
        (Interface.CONTACT, "debit-ec", 0),
        (Interface.CONTACT, "debit-ec", -5),
        (Interface.CONTACTLESS, "qpboc-debit-ec", 1500),
    ],
    ids=["contact-higher", "contact-zero", "contact-negative", "contactless-higher"],
)
def test_amount_not_lowered_is_refused(
    interface: Interface, profile: str, answer: int, capk: CaKeyStore
) -> None:
    """A higher (or no) amount raises UsageError before the card is asked to approve."""
    card = load_card(profile)
    hooks = Hooks(amount=answer)
    with pytest.raises(UsageError) as caught:
        transact(card, capk, amount=1000, interface=interface, hooks=hooks)
    assert caught.value.code == "usage.amount_raised"
    assert hooks.commits == []
    assert card.state.ec_balance == load_card(profile).state.ec_balance


def test_contactless_prices_by_aid_before_gpo(capk: CaKeyStore) -> None:
    """qPBOC: asked after SELECT with the AID only; the GPO carries and debits the new amount."""
    card = Rewriting(load_card("qpboc-debit-ec"), [])
    hooks = Hooks(amount=700)
    result, _ = transact(card, capk, amount=1000, interface=Interface.CONTACTLESS, hooks=hooks)
    assert hooks.facts == [PricingFacts(Interface.CONTACTLESS, "A000000333010101")]
    assert (result.outcome, result.amount_fen, result.apdu_count) == (
        Outcome.APPROVED_OFFLINE,
        700,
        8,
    )
    assert (result.ec_balance_before_fen, result.ec_balance_after_fen) == (30000, 29300)
    assert card.card.state.ec_balance == 29300
    assert result.data["9F02"] == "000000000700"


@pytest.mark.parametrize("n", range(FIRST_PASS + 1, FIRST_PASS + RESTART + 1))
def test_card_pulled_during_restart_ends_uncommitted(n: int, capk: CaKeyStore) -> None:
    """Card removed after APDU ``n`` of the restart: try again, never asked, nothing debited."""
    card = load_card("debit-ec")
    hooks = Hooks(amount=900)
    result, _ = transact(card, capk, amount=1000, hooks=hooks, remove_after=n)
    assert (result.outcome, result.reason, result.committed) == (
        Outcome.TRY_AGAIN,
        "reader.card_removed",
        False,
    )
    assert hooks.commits == []
    assert card.state.ec_balance == 50000


def test_restart_refused_by_the_card_ends_the_application(capk: CaKeyStore) -> None:
    """The re-selected application refuses its second GPO (6985): end, nothing asked."""
    gpos = []

    def second_gpo_refused(apdu: bytes, answer: bytes) -> bytes | None:
        if apdu[:2].hex() != GPO:
            return None
        gpos.append(apdu)
        return bytes.fromhex("6985") if len(gpos) == 2 else None

    card = Rewriting(load_card("debit-ec"), [second_gpo_refused])
    hooks = Hooks(amount=900)
    result, _ = transact(card, capk, amount=1000, hooks=hooks)
    assert (result.outcome, result.reason, result.committed) == (
        Outcome.END_APPLICATION,
        "card.restart_refused",
        False,
    )
    assert hooks.commits == []

"""Every simulated card profile through the whole kernel: outcome, TVR, ODA, balance."""

from __future__ import annotations

import pytest

from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.profiles import list_profiles, load_card
from kiosk.payment.kernel import Outcome, TerminalConfig
from kiosk.payment.kernel.context import Tvr
from kiosk.payment.kernel.types import OnlinePolicy
from kiosk.payment.reader import Interface
from tests.payment.kernel.conftest import Hooks, IssuerHost, transact

A, D, E = Outcome.APPROVED_OFFLINE, Outcome.DECLINED, Outcome.END_APPLICATION
CL = Interface.CONTACTLESS

# profile: (interface, outcome with no host, reason, TVR, ODA "method:result", EC balances).
# Without a host the terminal is offline-only: a card that would go online is decided by the
# default action codes with the second GENERATE AC (EMV Book 3 §10.7, §10.11).
PROFILES = {
    "debit-ec": (None, A, "", "0000000000", "dda:passed", (50000, 49000)),
    "debit-ec-sm4": (None, A, "", "0000000000", "dda:passed", (50000, 49000)),
    "pure-ec": (None, A, "", "0000000000", "dda:passed", (20000, 19000)),
    "multi-app": (None, A, "", "0000000000", "dda:passed", (50000, 49000)),
    "qpboc-debit-ec": (CL, A, "", "0000000000", "fdda:passed", (30000, 29000)),
    "credit": (None, D, "card.declined", "0008006000", "dda:passed", (None, None)),
    "broken-expired": (None, D, "card.expired", "0840000000", "dda:failed", (50000, None)),
    "broken-issuer-cert": (
        None, D, "card.oda_failed", "0800000000", "dda:failed", (50000, None),
    ),
    "broken-sda-data": (None, D, "card.oda_failed", "0800000000", "dda:failed", (50000, None)),
    "broken-missing-tag": (
        None, E, "card.data_missing", "2000000000", "none:not_performed", (None, None),
    ),
    "broken-gpo-6985": (
        None, E, "card.no_application", "0000000000", "none:not_performed", (None, None),
    ),
    "broken-record-tlv": (
        None, E, "card.tlv.value_truncated", "0000000000", "none:not_performed", (None, None),
    ),
    "broken-ec-low-balance": (
        None, D, "card.ec_balance_low", "0008006000", "dda:passed", (100, None),
    ),
}  # fmt: skip


def test_every_profile_has_a_row() -> None:
    """The table covers every card profile shipped, so a new profile needs an expectation."""
    assert set(PROFILES) == {p.name for p in list_profiles()}


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_profile_without_host(name: str, capk: CaKeyStore) -> None:
    """Each profile ends with its expected outcome, TVR, ODA result and EC balances; a
    decline is the card's answer to the second GENERATE AC or the first (Z3 / Z1), never a
    card left mid-transaction."""
    interface, outcome, reason, tvr, oda, balances = PROFILES[name]
    hooks = Hooks()
    result, _ = transact(
        load_card(name), capk, interface=interface or Interface.CONTACT, hooks=hooks
    )
    assert (result.outcome, result.reason, result.tvr) == (outcome, reason, tvr)
    assert f"{result.oda.method}:{result.oda.result}" == oda
    assert (result.ec_balance_before_fen, result.ec_balance_after_fen) == balances
    assert result.committed == bool(hooks.commits) == (outcome is not E)
    assert len(hooks.commits) <= 1
    assert not set(result.data) & {"5A", "57", "56", "9F6B", "9F1F", "9F20"}
    card_pan = load_card(name).profile.pan  # type: ignore[attr-defined]
    assert card_pan not in repr(result)
    if result.committed:
        assert result.pan_masked == card_pan[:6] + "******" + card_pan[-4:]
        assert len(result.pan_token) == 64
    if outcome is D:
        assert result.response_code in ("Z1", "Z3")


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_policy_never_is_the_same_terminal(name: str, capk: CaKeyStore) -> None:
    """Online policy ``never`` with a host given behaves as no host at all."""
    interface, outcome, reason, tvr, *_ = PROFILES[name]
    config = TerminalConfig(online=OnlinePolicy.NEVER)
    result, _ = transact(
        load_card(name),
        capk,
        interface=interface or Interface.CONTACT,
        config=config,
        host=IssuerHost(),
    )
    assert (result.outcome, result.reason, result.tvr) == (outcome, reason, tvr)


def test_expired_card_sets_expired_and_dda_failed(capk: CaKeyStore) -> None:
    """broken-expired: TVR 'expired application' and 'DDA failed' (ICC certificate expired)."""
    result, _ = transact(load_card("broken-expired"), capk)
    tvr = Tvr.from_hex(result.tvr)
    assert Tvr.EXPIRED in tvr and Tvr.DDA_FAILED in tvr
    assert result.oda.failure == "icc_certificate:expired"


def test_issuer_certificate_failure_is_named(capk: CaKeyStore) -> None:
    """broken-issuer-cert fails at the issuer certificate, not later."""
    result, _ = transact(load_card("broken-issuer-cert"), capk)
    assert result.oda.failure.startswith("issuer_certificate:")

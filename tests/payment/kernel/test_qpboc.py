"""qPBOC: the card decides in GPO; cryptogram type from the IAD, TTQ bits, fDDA after the
card leaves, other-interface outcomes, and no more APDUs than the card's data needs."""

from __future__ import annotations

import json

import pytest

from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.errors import CardError
from kiosk.payment.kernel import Outcome, TerminalConfig
from kiosk.payment.kernel.action import AcType
from kiosk.payment.kernel.context import Tvr
from kiosk.payment.kernel.pan import pan_token
from kiosk.payment.kernel.qpboc import cryptogram_type_from_iad, ttq_for
from kiosk.payment.kernel.types import OnlinePolicy
from kiosk.payment.reader import Interface
from tests.payment.kernel.cards import ByHeader, Rewriting, refuse, set_value
from tests.payment.kernel.conftest import DATA, Hooks, IssuerHost, transact
from tests.payment.kernel.test_phases import make_ctx

CL = Interface.CONTACTLESS


@pytest.mark.parametrize(
    ("iad", "expected"),
    [
        ("0701010380000001", AcType.AAC),
        ("0701010390000001", AcType.TC),
        ("07010103A0000001", AcType.ARQC),
    ],
    ids=["aac", "tc", "arqc"],
)
def test_cryptogram_type_from_iad(iad: str, expected: AcType) -> None:
    """IAD byte index 4, bits 6-5: 00 AAC, 01 TC, 10 ARQC (9F27 absent)."""
    assert cryptogram_type_from_iad(bytes.fromhex(iad)) is expected


@pytest.mark.parametrize("iad", ["07010103B0", "070101"], ids=["rfu-11", "too-short"])
def test_cryptogram_type_from_bad_iad(iad: str) -> None:
    """An IAD naming no type is a card error, not a guess."""
    with pytest.raises(CardError):
        cryptogram_type_from_iad(bytes.fromhex(iad))


@pytest.mark.parametrize(
    ("amount", "policy", "attended", "capable", "ttq"),
    [
        (1000, OnlinePolicy.AUTO, False, True, "30000000"),
        (60000, OnlinePolicy.AUTO, False, True, "30800000"),
        (60000, OnlinePolicy.AUTO, False, False, "30800000"),
        (1000, OnlinePolicy.ALWAYS, False, True, "30800000"),
        (1000, OnlinePolicy.NEVER, True, False, "3A000000"),
    ],
    ids=["small", "over-floor", "over-floor-offline", "always-online", "offline-only-attended"],
)
def test_ttq(amount: int, policy: OnlinePolicy, attended: bool, capable: bool, ttq: str) -> None:
    """TTQ from config with the per-transaction bits (online required, offline only);
    above the floor limit 'online cryptogram required' is set even with the host down."""
    ctx = make_ctx({}, amount=amount, config=TerminalConfig(online=policy, attended=attended))
    ctx.online_capable = capable
    assert ttq_for(ctx).hex().upper() == ttq


def test_recorded_qpboc_gpo_goes_online_in_three_apdus(capk: CaKeyStore) -> None:
    """The recorded card answers GPO with an ARQC (type only in its IAD) and no AFL: the
    kernel asks for nothing more; with no host to ask it declines."""
    pairs = [
        (bytes.fromhex(p["c"]), bytes.fromhex(p["r"]))
        for p in json.loads((DATA / "qpboc_trace.json").read_text())
    ]
    hooks = Hooks()
    result, _ = transact(ByHeader(pairs), capk, interface=CL, hooks=hooks)
    assert (result.outcome, result.reason) == (Outcome.DECLINED, "host.unavailable")
    assert (result.cid, result.apdu_count) == ("80", 3)
    assert result.cryptogram == "AD03EE811AFAD484" and result.atc == 0x0ADC
    assert result.pan_masked == "629999******9999"
    assert result.ec_balance_before_fen == 38787
    assert len(hooks.commits) == 1 and result.committed


def test_offline_approval_uses_minimum_apdus(capk: CaKeyStore) -> None:
    """TC with fDDA: PPSE, SELECT, GPO and the AFL's records only (no GET DATA), and the
    card may leave before fDDA is checked."""
    card = Rewriting(load_card("qpboc-debit-ec"), [])
    hooks = Hooks()
    result, _ = transact(card, capk, interface=CL, hooks=hooks)
    assert result.outcome is Outcome.APPROVED_OFFLINE and result.response_code == "Y1"
    assert (result.oda.method, result.oda.result) == ("fdda", "passed")
    assert result.apdu_count == 8 == len(card.sent)
    assert not [c for c in card.sent if c[:2] == b"\x80\xca"]
    assert hooks.stages.index("card.remove") > hooks.stages.index("card.reading")
    assert (result.ec_balance_before_fen, result.ec_balance_after_fen) == (30000, 29000)


def test_fdda_failure_declines(capk: CaKeyStore) -> None:
    """A signed dynamic data that does not verify: DDA failed, declined."""

    def corrupt(apdu: bytes, answer: bytes) -> bytes | None:
        if apdu[:2] != b"\x80\xa8":
            return None
        at = answer.index(b"\x9f\x4b") + 5
        return answer[:at] + bytes([answer[at] ^ 1]) + answer[at + 1 :]

    result, _ = transact(Rewriting(load_card("qpboc-debit-ec"), [corrupt]), capk, interface=CL)
    assert (result.outcome, result.reason) == (Outcome.DECLINED, "card.oda_failed")
    assert Tvr.DDA_FAILED in Tvr.from_hex(result.tvr)


@pytest.mark.parametrize("amount", [100_000, 100_001], ids=["at-limit", "above-limit"])
def test_contactless_limit_uses_contact(amount: int, capk: CaKeyStore) -> None:
    """At or above the reader contactless transaction limit: use contact, before anything
    is sent (EMV Book B pre-processing: 'greater than or equal to')."""
    result, _ = transact(load_card("qpboc-debit-ec"), capk, interface=CL, amount=amount)
    assert (result.outcome, result.reason, result.apdu_count, result.committed) == (
        Outcome.USE_OTHER_INTERFACE,
        "amount.over_contactless_limit",
        0,
        False,
    )


def test_just_below_the_contactless_limit_goes_on(capk: CaKeyStore) -> None:
    """One fen under the limit the card is asked (and, over the floor, goes online)."""
    host = IssuerHost()
    result, _ = transact(load_card("qpboc-debit-ec"), capk, interface=CL, amount=99_999, host=host)
    assert result.outcome is Outcome.APPROVED_ONLINE and result.committed


def test_host_down_above_floor_is_not_approved_offline(capk: CaKeyStore) -> None:
    """Above the floor limit with the host down, TTQ still says 'online cryptogram
    required': the card answers ARQC and the terminal declines — it never lets the card
    approve offline up to its own contactless limit."""
    config = TerminalConfig(floor_limit_fen=10_000)
    card = Rewriting(load_card("qpboc-debit-ec"), [])
    result, _ = transact(
        card, capk, interface=CL, amount=20_000, config=config,
        host=IssuerHost(), host_reachable=False,
    )  # fmt: skip
    assert (result.outcome, result.reason, result.cid) == (
        Outcome.DECLINED,
        "host.unavailable",
        "80",
    )
    gpo = next(c for c in card.sent if c[:2] == b"\x80\xa8")
    assert bytes.fromhex("30800000") in gpo


def test_tc_after_online_was_required_is_declined(capk: CaKeyStore) -> None:
    """A card that answers TC although the TTQ asked for an online cryptogram is declined
    (JR/T 0025.12 reader rules), not approved: here the card never saw the bit."""

    def hide_online_bit(apdu: bytes) -> bytes:
        return apdu.replace(bytes.fromhex("30800000"), bytes.fromhex("30000000"))

    card = Rewriting(load_card("qpboc-debit-ec"), [], command=hide_online_bit)
    config = TerminalConfig(floor_limit_fen=500)
    result, _ = transact(card, capk, interface=CL, amount=1_000, config=config)
    assert (result.outcome, result.reason, result.cid) == (
        Outcome.DECLINED,
        "card.offline_not_allowed",
        "40",
    )


def test_6984_to_gpo_uses_other_interface(capk: CaKeyStore) -> None:
    """6984 to GPO: 'try another interface'; the card was asked, so it is committed."""
    card = Rewriting(load_card("qpboc-debit-ec"), [refuse("80A8", "6984")])
    result, _ = transact(card, capk, interface=CL)
    assert (result.outcome, result.reason, result.committed) == (
        Outcome.USE_OTHER_INTERFACE,
        "card.other_interface",
        True,
    )


def test_online_approval(capk: CaKeyStore) -> None:
    """Over the floor limit with a host: ARQC in GPO, verified and approved by the issuer."""
    host = IssuerHost()
    result, _ = transact(load_card("qpboc-debit-ec"), capk, interface=CL, amount=60000, host=host)
    assert (result.outcome, result.cid) == (Outcome.APPROVED_ONLINE, "80")
    assert host.arqc_valid == [True]


def test_exception_file_declines_offline_approval(capk: CaKeyStore) -> None:
    """A card on the exception file is declined even though it approved in GPO."""
    card_data = {0x5A: bytes.fromhex("6212340000000043"), 0x5F34: b"\x01"}
    token = pan_token(TerminalConfig().pan_token_key, card_data)
    config = TerminalConfig(exception_file=frozenset({token}))
    result, _ = transact(load_card("qpboc-debit-ec"), capk, interface=CL, config=config)
    assert (result.outcome, result.reason) == (Outcome.DECLINED, "card.exception_file")
    assert Tvr.CARD_ON_EXCEPTION_FILE in Tvr.from_hex(result.tvr)


def test_gpo_answer_with_empty_cryptogram_ends(capk: CaKeyStore) -> None:
    """A qPBOC GPO answer whose 9F26 is empty is not an approval (found by the fuzz test)."""
    card = Rewriting(load_card("qpboc-debit-ec"), [set_value("80A8", 0x9F26, b"")])
    result, _ = transact(card, capk, interface=CL)
    assert (result.outcome, result.reason) == (Outcome.END_APPLICATION, "card.gen_ac")
    assert result.cryptogram == ""


def test_offline_only_reader_gets_a_decline(capk: CaKeyStore) -> None:
    """An offline-only reader (TTQ byte 1 b4) and an amount over the card's balance: the
    card declines in GPO with an AAC, typed in its IAD."""
    config = TerminalConfig(online=OnlinePolicy.NEVER)
    result, _ = transact(
        load_card("qpboc-debit-ec"), capk, interface=CL, amount=40000, config=config
    )
    assert (result.outcome, result.reason, result.cid) == (Outcome.DECLINED, "card.declined", "00")
    assert result.data["9F66"][:2] == "38"

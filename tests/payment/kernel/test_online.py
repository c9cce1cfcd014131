"""Online processing and completion against a faithful issuer: ARQC verified, ARPC checked
by the card (EXTERNAL AUTHENTICATE), second GENERATE AC, issuer scripts, unable to go online."""

from __future__ import annotations

import pytest

from kiosk.payment import tlv
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.base import VirtualCard
from kiosk.payment.cardsim.card import PbocCard
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.crypto import derive_session_key, script_mac
from kiosk.payment.host.response_codes import RESPONSE_CODES, ResponseCode, response_code
from kiosk.payment.kernel import Outcome, TerminalConfig
from kiosk.payment.kernel.context import Tsi, Tvr
from tests.payment.kernel.cards import Rewriting
from tests.payment.kernel.conftest import Hooks, IssuerHost, transact


@pytest.mark.parametrize("profile", ["credit", "debit-ec", "debit-ec-sm4"])
def test_online_approval(profile: str, capk: CaKeyStore) -> None:
    """The issuer finds the ARQC genuine, the card accepts the ARPC and gives a TC."""
    host = IssuerHost()
    hooks = Hooks()
    result, _ = transact(load_card(profile), capk, host=host, hooks=hooks, force_online=True)
    assert result.outcome is Outcome.APPROVED_ONLINE, result.reason
    assert host.arqc_valid == [True]
    assert result.cid == "40" and result.response_code == "00"
    tsi = Tsi(int(result.tsi, 16))
    assert Tsi.ISSUER_AUTHENTICATION_PERFORMED in tsi
    assert Tvr.ISSUER_AUTHENTICATION_FAILED not in Tvr.from_hex(result.tvr)
    assert Tvr.MERCHANT_FORCED_ONLINE in Tvr.from_hex(result.tvr)
    assert hooks.stages[-2:] == ["host.waiting", "card.completing"]
    assert len(hooks.commits) == 1 and hooks.commits[0].pan_masked.startswith("621234")


def test_host_request_carries_field55_without_pan(capk: CaKeyStore) -> None:
    """Field 55 holds the ARQC and terminal data, never 5A or 57; the PAN goes separately."""
    host = IssuerHost()
    transact(load_card("credit"), capk, host=host)
    request = host.requests[0]
    assert {0x9F26, 0x9F27, 0x9F10, 0x9F36, 0x95, 0x9F37, 0x82, 0x9F02} <= set(request.icc_data)
    assert not {0x5A, 0x57, 0x9F6B, 0x56, 0x9F1F} & set(request.icc_data)
    assert request.pan == "6212340000000027" and "0000000027" not in repr(request)


def test_host_decline(capk: CaKeyStore) -> None:
    """Response code 05: the terminal asks for an AAC and the card gives it."""
    result, _ = transact(load_card("credit"), capk, host=IssuerHost(approve=False))
    assert (result.outcome, result.reason, result.cid) == (Outcome.DECLINED, "host.declined", "00")


@pytest.mark.parametrize(
    ("host", "reachable", "code", "asked"),
    [(IssuerHost(reachable=False), True, "Z3", 1), (IssuerHost(), False, "Z1", 0)],
    ids=["host-times-out", "host-known-unreachable"],
)
def test_unable_to_go_online(
    host: IssuerHost, reachable: bool, code: str, asked: int, capk: CaKeyStore
) -> None:
    """No answer: the default action codes decide. A host that times out after the ARQC
    gets Z3 in the 2nd GENERATE AC; a host known to be down makes the first one an AAC."""
    result, _ = transact(load_card("credit"), capk, host=host, host_reachable=reachable)
    assert (result.outcome, result.reason) == (Outcome.DECLINED, "host.unavailable")
    assert (result.response_code, len(host.requests)) == (code, asked)


def _load_script(card: PbocCard, new_balance: int, *, atc: int, arqc: bytes, good: bool) -> bytes:
    """Issuer script 72 with one PUT DATA 9F79 (EC load) MACed with the card's MAC key."""
    value = bytes.fromhex(f"{new_balance:012d}")
    header = bytes.fromhex("04DA9F790A")
    key = derive_session_key(card.image.mk_smi, atc, suite=card.profile.suite)
    mac = script_mac(key, header + atc.to_bytes(2, "big") + arqc + value, suite=card.profile.suite)
    if not good:
        mac = bytes(4)
    command = header + value + mac
    return tlv.encode(0x72, tlv.encode(0x9F18, b"\x00\x00\x00\x01") + tlv.encode(0x86, command))


class ScriptingIssuer(IssuerHost):
    """Approves and sends an EC load script built for this very ARQC."""

    def __init__(self, card: PbocCard, *, good: bool) -> None:
        super().__init__()
        self.card, self.good = card, good

    def authorize(self, request):  # type: ignore[no-untyped-def]
        icc = request.icc_data
        self.scripts = (
            _load_script(
                self.card,
                80000,
                atc=int.from_bytes(icc[0x9F36], "big"),
                arqc=icc[0x9F26],
                good=self.good,
            ),
        )
        return super().authorize(request)


@pytest.mark.parametrize("good", [True, False], ids=["valid-mac", "bad-mac"])
def test_issuer_script_after_second_ac(good: bool, capk: CaKeyStore) -> None:
    """A 72 script runs after the 2nd GENERATE AC; a refused command sets TVR 'script
    failed after final AC' and leaves the balance alone."""
    card = load_card("debit-ec")
    assert isinstance(card, PbocCard)
    result, _ = transact(card, capk, host=ScriptingIssuer(card, good=good), force_online=True)
    assert result.outcome is Outcome.APPROVED_ONLINE
    assert Tsi.SCRIPT_PROCESSING_PERFORMED in Tsi(int(result.tsi, 16))
    assert (Tvr.SCRIPT_FAILED_AFTER_AC in Tvr.from_hex(result.tvr)) is not good
    assert card.state.ec_balance == (80000 if good else 50000)
    # 9F5B / DF31: performed (2x) or failed at command 1 (11), then the script's 9F18
    assert result.script_results == ("2000000001" if good else "1100000001")
    assert result.data["DF31"] == result.script_results
    assert result.data["95"] == result.tvr  # the TVR after the second GENERATE AC


def wants_issuer(card: VirtualCard) -> Rewriting:
    """A card whose own risk management wants the issuer: it answers the first GENERATE AC
    with an ARQC whatever the terminal asked (Book 3 §10.8 lets the card go lower)."""
    first = [True]

    def ask_arqc(apdu: bytes) -> bytes:
        if apdu[:2] != b"\x80\xae" or not first[0]:
            return apdu
        first[0] = False
        return apdu[:2] + b"\x80" + apdu[3:]

    return Rewriting(card, [], command=ask_arqc)


def test_no_host_completes_with_the_second_generate_ac(capk: CaKeyStore) -> None:
    """No host configured: an ARQC is not left hanging (the old ONLINE_REQUEST); the
    terminal completes as unable to go online — default action codes, 8A = Y3, second
    GENERATE AC asking for a TC — and the card approves it (Book 3 §10.11)."""
    card = wants_issuer(load_card("debit-ec"))
    result, _ = transact(card, capk)
    gen_ac = [a for a in card.sent if a[:2] == b"\x80\xae"]
    assert [a[2] for a in gen_ac] == [0x40, 0x40]
    assert (result.outcome, result.response_code, result.cid) == (
        Outcome.APPROVED_OFFLINE,
        "Y3",
        "40",
    )
    assert b"Y3" in gen_ac[1]  # 8A in the CDOL2 data


def test_offline_only_terminal_offers_ec_above_the_floor_limit(capk: CaKeyStore) -> None:
    """Without a host the terminal is offline-only: 9F35 26 (unattended) and 9F7A = 01 above
    the floor limit, so the card pays from electronic cash instead of asking for a host
    that is not there (JR/T 0025.13; EMV Book 4 Annex A1)."""
    config = TerminalConfig(floor_limit_fen=10_000)
    result, _ = transact(load_card("debit-ec"), capk, amount=20_000, config=config)
    assert (result.outcome, result.electronic_cash) == (Outcome.APPROVED_OFFLINE, True)
    assert (result.ec_balance_before_fen, result.ec_balance_after_fen) == (50_000, 30_000)
    assert result.data["9F35"] == "26"
    online, _ = transact(
        load_card("debit-ec"), capk, amount=20_000, config=config, host=IssuerHost()
    )
    assert (online.outcome, online.electronic_cash) == (Outcome.APPROVED_ONLINE, False)
    assert online.data["9F35"] == "25"


@pytest.mark.parametrize(
    "entry", [*RESPONSE_CODES.values(), response_code("P3")], ids=lambda e: e.code
)
def test_response_code(entry: ResponseCode, capk: CaKeyStore) -> None:
    """Each field-39 code through the kernel: an approval code (00, 10, 11) gets a TC from
    the card with that code in 8A; any other is declined with the table's reason, and
    the card gives an AAC."""
    result, _ = transact(load_card("credit"), capk, host=IssuerHost(code=entry.code))
    assert result.response_code == entry.code
    if entry.approves:
        assert (result.outcome, result.cid) == (Outcome.APPROVED_ONLINE, "40")
    else:
        assert (result.outcome, result.reason, result.cid) == (
            Outcome.DECLINED,
            entry.reason,
            "00",
        )

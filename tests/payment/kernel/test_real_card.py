"""The recorded session of a real UnionPay test card, replayed in-process and through
pcscd + vpcd (``kiosk card-sim --trace``), with 9F37 fixed to the recorded 7863AFC6."""

from __future__ import annotations

import json

import pytest

from kiosk.payment import tlv
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.replay import ReplayCard
from kiosk.payment.dol import parse_dol, split_dol_data
from kiosk.payment.host.base import AuthorizationRequest, AuthorizationResponse
from kiosk.payment.kernel import (
    Outcome,
    TerminalConfig,
    TransactionParams,
    TransactionResult,
    run_transaction,
)
from kiosk.payment.kernel.context import TransactionContext, Tvr
from kiosk.payment.kernel.initiate import initiate_application_processing
from kiosk.payment.kernel.oda import offline_data_authentication
from kiosk.payment.kernel.read_data import read_application_data
from kiosk.payment.kernel.selection import build_candidate_list, select_application
from kiosk.payment.procedures import CardChannel
from kiosk.payment.reader import Interface, Reader
from kiosk.payment.reader.pcsc import PcscReader
from kiosk.payment.reader.sim import SimReader
from kiosk.payment.tags import Tag
from tests.payment.conftest import SLOT, CardSim
from tests.payment.kernel.cards import Rewriting
from tests.payment.kernel.conftest import DATA, WHEN, Hooks, never_random

TRACE = DATA / "upi_contact_trace.json"
UN = bytes.fromhex("7863AFC6")


class RecordedIssuer:
    """Answers as the recording's host did: approved, with 91 = 1122334455667788 (which
    the card refused with 6700). The real card's keys are unknown, so nothing is checked."""

    def __init__(self) -> None:
        self.requests: list[AuthorizationRequest] = []

    def authorize(self, request: AuthorizationRequest) -> AuthorizationResponse:
        self.requests.append(request)
        return AuthorizationResponse("00", bytes.fromhex("1122334455667788"))

    def reverse(self, request: AuthorizationRequest, *, reason: str) -> None:
        raise AssertionError("no reversal expected")


def _run(reader: Reader, capk: CaKeyStore, host: RecordedIssuer) -> TransactionResult:
    presence = reader.wait_for_card(5)
    try:
        return run_transaction(
            reader,
            presence,
            TransactionParams(
                amount_fen=6580, when=WHEN, unpredictable_number=UN, force_online=True
            ),
            TerminalConfig(),
            capk=capk,
            host=host,
            hooks=Hooks(),
            rng=never_random,
        )
    finally:
        reader.disconnect()


def _check(result: TransactionResult, host: RecordedIssuer) -> None:
    assert result.aid == "A000000333010102"
    assert (result.oda.method, result.oda.result) == ("dda", "passed")
    assert result.outcome is Outcome.APPROVED_ONLINE
    assert result.cid == "40" and result.cryptogram == "E5869B494D460AB4"
    assert Tvr.ISSUER_AUTHENTICATION_FAILED in Tvr.from_hex(result.tvr)
    assert result.pan_masked == "621094******0011"
    assert "5A" not in result.data and "57" not in result.data
    assert host.requests[0].icc_data[0x9F26] == bytes.fromhex("B04398D218017BF9")


def test_replay_in_process(capk: CaKeyStore) -> None:
    """The kernel selects the credit AID, passes DDA with CA key 09, copes with the 6700 to
    EXTERNAL AUTHENTICATE and ends approved online on the card's TC; every command it sent
    had a recorded answer."""
    card = ReplayCard.from_file(TRACE)
    host = RecordedIssuer()
    result = _run(SimReader(card), capk, host)
    _check(result, host)
    assert card.unmatched == []
    assert result.apdu_count == 22


#: Values of the GENERATE AC data that belong to the terminal, not the card, and so differ
#: from the recording by design; every other field must be what the real terminal sent.
TERMINAL_SPECIFIC = {
    0x9F1A: "country: the recording's terminal was in Australia (0036), this one is 0156",
    0x5F2A: "currency: 0036 there, CNY 0156 here",
    0x9A: "transaction date of the run",
    0x9F21: "transaction time of the run",
    0x9F37: "the recording drew a new UN for GENERATE AC; this kernel uses one per transaction",
    0x95: "TVR: the recording's floor limit was exceeded; here 'merchant forced online'",
    0x9F34: "CVM results: the recording's terminal took a signature; a kiosk has no CVM",
}


def _recorded_values() -> dict[int, bytes]:
    """Primitive objects of the recording's READ RECORD answers (CDOL1/2, DDOL …)."""
    values: dict[int, bytes] = {}
    for item in json.loads(TRACE.read_text()):
        if item["c"].startswith("00B2") and item["r"].endswith("9000"):
            body = bytes.fromhex(item["r"])[:-2]
            values |= {t.tag: t.value for t in tlv.decode(body).walk() if not t.constructed}
    return values


def test_command_data_matches_the_recording_field_by_field(capk: CaKeyStore) -> None:
    """INTERNAL AUTHENTICATE and both GENERATE ACs: same header, and the data, cut by the
    card's DDOL / CDOL1 / CDOL2, equal to what the real terminal sent field by field, but
    for the terminal-specific values named in ``TERMINAL_SPECIFIC``."""
    card, host = Rewriting(ReplayCard.from_file(TRACE), []), RecordedIssuer()
    _check(_run(SimReader(card), capk, host), host)
    recorded = [
        bytes.fromhex(item["c"])
        for item in json.loads(TRACE.read_text())
        if item["c"][2:4] in ("88", "AE")
    ]
    sent = [c for c in card.sent if c[1] in (0x88, 0xAE)]
    assert [c[:4] for c in sent] == [c[:4] for c in recorded]
    values = _recorded_values()
    dols = [values[Tag.DDOL], values[Tag.CDOL1], values[Tag.CDOL2]]
    compared = set()
    for ours, theirs, dol in zip(sent, recorded, dols, strict=True):
        entries = parse_dol(dol)
        mine = split_dol_data(entries, ours[5 : 5 + ours[4]])
        real = split_dol_data(entries, theirs[5 : 5 + theirs[4]])
        for entry in entries:
            if ours[1] == 0xAE and entry.tag in TERMINAL_SPECIFIC:
                continue
            assert mine[entry.tag] == real[entry.tag], f"{entry.tag:X} in {ours[:4].hex()}"
            compared.add(entry.tag)
    assert compared == {0x9F37, 0x9F02, 0x9F03, 0x9C, 0x9F4E, 0x8A, 0x9B}


def test_recorded_static_data_verifies_by_sda_too(capk: CaKeyStore) -> None:
    """With DDA switched off in the terminal's capabilities, SDA over tag 93 passes."""
    reader = SimReader(ReplayCard.from_file(TRACE))
    presence = reader.wait_for_card(1)
    config = TerminalConfig(terminal_capabilities="E00880")
    result = run_transaction(
        reader,
        presence,
        TransactionParams(amount_fen=6580, when=WHEN, unpredictable_number=UN),
        config,
        capk=capk,
        rng=never_random,
    )
    assert (result.oda.method, result.oda.result) == ("sda", "passed")
    assert Tvr.SDA_SELECTED in Tvr.from_hex(result.tvr)


def test_recorded_oda_values_match_reference(capk: CaKeyStore) -> None:
    """The static data the kernel assembled is the reference's (SFI 2 record 1 + AIP)."""
    reference = json.loads((DATA / "upi_contact_oda.json").read_text())
    reader = SimReader(ReplayCard.from_file(TRACE))
    reader.wait_for_card(1)
    ctx = TransactionContext(
        TerminalConfig(),
        TransactionParams(amount_fen=1, when=WHEN),
        Interface.CONTACT,
        CardChannel(reader),
        never_random,
    )
    select_application(ctx, build_candidate_list(ctx))
    initiate_application_processing(ctx)
    read_application_data(ctx)
    assert bytes(ctx.card.oda_records) + ctx.card.aip == bytes.fromhex(
        reference["static_data_to_authenticate"]
    )
    ctx.terminal.unpredictable_number = UN
    offline_data_authentication(ctx, capk)
    assert ctx.oda.result == "passed"


@pytest.mark.pcsc
def test_replay_through_pcscd(card_sim: CardSim, capk: CaKeyStore) -> None:
    """The same session through pcscd + vpcd, the card served by ``kiosk card-sim --trace``."""
    card_sim("--trace", str(TRACE))
    host = RecordedIssuer()
    result = _run(PcscReader(SLOT, interface=Interface.CONTACT), capk, host)
    _check(result, host)

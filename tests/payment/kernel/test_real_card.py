"""The recorded session of a real UnionPay test card, replayed in-process and through
pcscd + vpcd (``kiosk card-sim --trace``), with 9F37 fixed to the recorded 7863AFC6."""

from __future__ import annotations

import json

import pytest

from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.replay import ReplayCard
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
from tests.payment.conftest import SLOT, CardSim
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

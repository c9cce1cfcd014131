"""The issuer simulator against genuine cryptograms from the software card.

Each test makes the card compute a real ARQC (plain APDUs through the in-process reader),
has the simulator decide, and gives its ARPC and scripts back to the card: a host that
merely looked right would be caught by the card's EXTERNAL AUTHENTICATE and PUT DATA.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from kiosk.payment import tlv
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.errors import HostError
from kiosk.payment.host.issuer_sim import HostFault, IssuerSimulator, LedgerState
from kiosk.payment.reader.sim import SimReader
from kiosk.payment.tags import Tag
from tests.payment.host.plain_terminal import AAC, ARQC, TC, PlainTerminal


@pytest.fixture
def host() -> IssuerSimulator:
    return IssuerSimulator()


def _terminal(profile: str, amount: int, *, ec: bool = False) -> Iterator[PlainTerminal]:
    reader = SimReader(load_card(profile))
    reader.wait_for_card(0)
    term = PlainTerminal(reader, amount, ec=ec)
    term.start("A000000333010102" if profile == "credit" else "A000000333010101")
    yield term


@pytest.fixture(params=["debit-ec", "debit-ec-sm4", "credit"])
def terminal(request: pytest.FixtureRequest) -> Iterator[PlainTerminal]:
    yield from _terminal(request.param, 12_345)


def test_genuine_arqc_approved_and_card_accepts_arpc(
    terminal: PlainTerminal, host: IssuerSimulator
) -> None:
    """A genuine ARQC (3DES and SM4) is approved 00; the card accepts the ARPC and gives a TC."""
    cid, response = terminal.online(host)
    assert response.response_code == "00" and response.approved
    assert len(response.issuer_authentication_data) == 10
    assert response.issuer_authentication_data[8:] == b"00"
    assert terminal.auth_sw == 0x9000
    assert cid == TC
    assert host.balance(terminal.pan, terminal.psn) == 1_000_000 - 12_345
    [entry] = host.ledger
    assert entry.state is LedgerState.APPROVED and entry.atc == terminal.atc


@pytest.mark.parametrize(
    "tag",
    [Tag.APPLICATION_CRYPTOGRAM, Tag.AMOUNT_AUTHORISED, Tag.UNPREDICTABLE_NUMBER, Tag.ATC],
    ids=["cryptogram", "amount", "unpredictable-number", "atc"],
)
def test_flipped_bit_declined_05(terminal: PlainTerminal, host: IssuerSimulator, tag: int) -> None:
    """One flipped bit in the ARQC or the data it covers is declined 05, without tag 91."""
    assert terminal.generate_ac(ARQC) == ARQC
    request = terminal.request()
    value = request.icc_data[tag]
    icc = dict(request.icc_data) | {tag: value[:-1] + bytes([value[-1] ^ 0x01])}
    response = host.authorize(replace(request, icc_data=icc))
    assert response.response_code == "05"
    assert response.issuer_authentication_data == b""
    assert host.ledger[0].state is LedgerState.DECLINED
    assert host.balance(terminal.pan, terminal.psn) == 1_000_000


@pytest.fixture
def debit() -> Iterator[PlainTerminal]:
    yield from _terminal("debit-ec", 30_000)


def test_wrong_pan_fails_cryptogram(debit: PlainTerminal, host: IssuerSimulator) -> None:
    """The keys are the card's own: the same data under another PAN does not verify."""
    debit.generate_ac(ARQC)
    request = debit.request()
    assert host.authorize(replace(request, pan="6212340000000027")).response_code == "05"


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (lambda h, t: h.set_balance(t.pan, t.psn, 29_999), "51"),
        (lambda h, t: h.block(t.pan, t.psn), "62"),
    ],
    ids=["insufficient-funds", "blocked-card"],
)
def test_declines_are_authenticated(
    debit: PlainTerminal, host: IssuerSimulator, setup, code
) -> None:
    """A decline carries an ARPC over its own ARC; the card accepts it and answers AAC."""
    debit.generate_ac(ARQC)
    setup(host, debit)
    before = host.balance(debit.pan, debit.psn)
    response = host.authorize(debit.request())
    assert response.response_code == code and not response.approved
    assert response.issuer_authentication_data[8:] == code.encode()
    assert debit.complete(response) == AAC
    assert debit.auth_sw == 0x9000
    assert host.balance(debit.pan, debit.psn) == before


def test_amount_disagreeing_with_field_55_is_13(
    debit: PlainTerminal, host: IssuerSimulator
) -> None:
    """A request whose amount is not the amount the card signed is refused 13."""
    debit.generate_ac(ARQC)
    assert host.authorize(replace(debit.request(), amount_fen=1)).response_code == "13"


def test_missing_icc_data_is_format_error(debit: PlainTerminal, host: IssuerSimulator) -> None:
    """Field 55 without the IAD cannot be checked: 30, no tag 91."""
    debit.generate_ac(ARQC)
    request = debit.request()
    icc = {t: v for t, v in request.icc_data.items() if t != Tag.ISSUER_APPLICATION_DATA}
    response = host.authorize(replace(request, icc_data=icc))
    assert response.response_code == "30" and response.issuer_authentication_data == b""


def test_bad_arpc_fault_makes_card_decline(debit: PlainTerminal, host: IssuerSimulator) -> None:
    """A host answering 00 with a wrong ARPC: the card fails issuer authentication (6300), AAC."""
    host.fault = HostFault.BAD_ARPC
    cid, response = debit.online(host)
    assert response.approved
    assert debit.auth_sw == 0x6300
    assert cid == AAC


@pytest.mark.parametrize("fault", [HostFault.MALFORMED, HostFault.UNREACHABLE], ids=str)
def test_faults_raise_host_error(debit: PlainTerminal, host: IssuerSimulator, fault) -> None:
    """Each transport fault is a HostError with its stable code; nothing is booked."""
    debit.generate_ac(ARQC)
    host.fault = fault
    with pytest.raises(HostError) as info:
        host.authorize(debit.request())
    assert info.value.code == fault.value
    with pytest.raises(HostError):
        host.reverse(debit.request(), reason="timeout")
    assert host.ledger == []


def test_timeout_books_then_reversal_undoes(debit: PlainTerminal, host: IssuerSimulator) -> None:
    """A timeout loses the answer after booking; the reversal that follows restores funds."""
    debit.generate_ac(ARQC)
    host.fault = HostFault.TIMEOUT
    with pytest.raises(HostError) as info:
        host.authorize(debit.request(stan=7))
    assert info.value.code == "host.timeout"
    assert host.balance(debit.pan, debit.psn) == 1_000_000 - 30_000
    host.fault = HostFault.NONE
    host.reverse(debit.request(stan=7), reason="host.timeout")
    assert host.balance(debit.pan, debit.psn) == 1_000_000
    assert [e.state for e in host.ledger] == [LedgerState.REVERSED]


def test_same_stan_same_answer_and_reversal_idempotent(
    debit: PlainTerminal, host: IssuerSimulator
) -> None:
    """A repeated STAN books nothing new; a reversal twice restores the account once."""
    debit.generate_ac(ARQC)
    request = debit.request(stan=42)
    first = host.authorize(request)
    assert host.authorize(request) == first
    assert host.balance(debit.pan, debit.psn) == 1_000_000 - 30_000
    host.reverse(request, reason="card_declined")
    host.reverse(request, reason="card_declined")
    assert host.balance(debit.pan, debit.psn) == 1_000_000
    [entry] = host.ledger
    assert entry.state is LedgerState.REVERSED and entry.reversal_reason == "card_declined"
    host.reverse(replace(request, stan=43), reason="unknown")  # nothing to undo
    assert len(host.ledger) == 1


def test_ledger_keeps_no_pan(debit: PlainTerminal, host: IssuerSimulator) -> None:
    """The ledger identifies the card by a hash; its repr carries no PAN."""
    debit.online(host)
    assert debit.pan not in repr(host.ledger)


@pytest.mark.parametrize("profile", ["debit-ec", "debit-ec-sm4"])
def test_ec_load_script_tops_up_card(profile: str, host: IssuerSimulator) -> None:
    """A queued EC load comes back as PUT DATA 9F79 that the card accepts: balance rises."""
    [term] = _terminal(profile, 100)
    host.queue_ec_load(term.pan, term.psn, 20_000)
    cid, response = term.online(host)
    assert cid == TC
    [script] = response.issuer_scripts
    assert tlv.decode(script)[0].tag == Tag.ISSUER_SCRIPT_TEMPLATE_2
    assert term.script_sw == [0x9000]
    balance = tlv.decode(term.send(bytes.fromhex("80CA9F7900")))[0].value
    assert balance == bytes.fromhex("000000070000")  # 500.00 + 200.00
    # The load is sent once only.
    [again] = _terminal(profile, 100)
    assert again.online(host, stan=2)[1].issuer_scripts == ()


def test_tampered_script_refused_by_card(host: IssuerSimulator) -> None:
    """A script whose MAC does not match is refused by the card (6988); balance unchanged."""
    [term] = _terminal("debit-ec", 100)
    host.queue_ec_load(term.pan, term.psn, 20_000)
    term.generate_ac(ARQC)
    response = host.authorize(term.request())
    script = bytearray(response.issuer_scripts[0])
    script[-5] ^= 0x01  # the last byte of the new balance
    assert term.complete(replace(response, issuer_scripts=(bytes(script),))) == TC
    assert term.script_sw == [0x6988]
    balance = tlv.decode(term.send(bytes.fromhex("80CA9F7900")))[0].value
    assert balance == bytes.fromhex("000000050000")


def test_load_of_nothing_refused(host: IssuerSimulator) -> None:
    """Queueing a zero load is a programming error."""
    with pytest.raises(ValueError):
        host.queue_ec_load("6212340000000019", "01", 0)

"""The transport rules (61xx, 6Cxx, T=0 case 4) and APDU parsing, through the in-process reader."""

from __future__ import annotations

import pytest

from kiosk.errors import UsageError
from kiosk.payment.apdu import CommandApdu, Response, exchange
from kiosk.payment.cardsim.scripted import ScriptedCard
from kiosk.payment.errors import CardError
from kiosk.payment.reader.sim import SimReader

SELECT_PPSE = "00A404000E325041592E5359532E444446303100"
SELECT_PPSE_T0 = "00A404000E325041592E5359532E4444463031"  # case 4 sent as case 3 under T=0
FCI = "6F0A840E325041592E5359532E"

# (id, t0, command, script of (wire command, wire response), expected data, expected SW)
CASES = [
    ("plain", False, SELECT_PPSE, [(SELECT_PPSE, FCI + "9000")], FCI, 0x9000),
    (
        "61xx-chained-twice",
        False,
        SELECT_PPSE,
        [(SELECT_PPSE, "6104"), ("00C0000004", "6F0A840E6106"), ("00C0000006", "325041592E539000")],
        "6F0A840E325041592E53",
        0x9000,
    ),
    (
        "61xx-data-with-first-part",
        False,
        "80CA9F7900",
        [("80CA9F7900", "9F796103"), ("00C0000003", "0600009000")],
        "9F79060000",
        0x9000,
    ),
    (
        "6Cxx-resend-with-le",
        False,
        "00B2010C00",
        [("00B2010C00", "6C03"), ("00B2010C03", "7001AA9000")],
        "7001AA",
        0x9000,
    ),
    (
        "61-00-means-256",
        False,
        "00B2011400",
        [("00B2011400", "6100"), ("00C0000000", "AB" * 256 + "9000")],
        "AB" * 256,
        0x9000,
    ),
    ("error-passed-through", False, "00B2040C00", [("00B2040C00", "6A83")], "", 0x6A83),
    (
        "t0-case4-as-case3-then-get-response",
        True,
        SELECT_PPSE,
        [(SELECT_PPSE_T0, "610E"), ("00C000000E", FCI + "9000")],
        FCI,
        0x9000,
    ),
    (
        "t0-case2-untouched",
        True,
        "80CA9F3600",
        [("80CA9F3600", "9F360200069000")],
        "9F36020006",
        0x9000,
    ),
    (
        "t0-case4-warning-kept",
        True,
        SELECT_PPSE,
        [(SELECT_PPSE_T0, "6283"), ("00C0000000", "6C0E"), ("00C000000E", FCI + "9000")],
        FCI,
        0x6283,
    ),
    (
        "t0-case4-warning-without-data",
        True,
        SELECT_PPSE,
        [(SELECT_PPSE_T0, "6283"), ("00C0000000", "6A86")],
        "",
        0x6283,
    ),
    ("t1-warning-not-chased", False, SELECT_PPSE, [(SELECT_PPSE, "6283")], "", 0x6283),
]


@pytest.mark.parametrize(
    ("t0", "command", "script", "data", "sw"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_transport_rules(
    t0: bool, command: str, script: list[tuple[str, str]], data: str, sw: int
) -> None:
    """One logical command yields the card's whole data and one status word, script used up."""
    card = ScriptedCard(script)
    reader = SimReader(card, t0=t0)
    reader.wait_for_card(0)
    response = reader.transmit(bytes.fromhex(command))
    assert response == Response(bytes.fromhex(data), sw)
    card.assert_done()
    assert len([e for e in reader.trace.entries if not e.assembled]) == len(script)


def test_endless_chaining_is_a_card_error() -> None:
    """A card answering 61xx forever ends in CardError card.chaining, not a hang."""
    with pytest.raises(CardError) as info:
        exchange(lambda command: bytes.fromhex("6101"), bytes.fromhex("80CA9F7900"))
    assert info.value.code == "card.chaining"


def test_response_without_status_word() -> None:
    """A one-byte answer is a CardError card.no_status."""
    with pytest.raises(CardError) as info:
        exchange(lambda command: b"\x90", bytes.fromhex("80CA9F7900"))
    assert info.value.code == "card.no_status"


PARSE = [
    ("case1", "00A40400", None, b"", 1),
    ("case2", "80CA9F3600", 256, b"", 2),
    ("case2-le", "00B2010C1C", 28, b"", 2),
    ("case3", "00820000081122334455667788", None, bytes.fromhex("1122334455667788"), 3),
    ("case4", "80A8000002830000", 256, bytes.fromhex("8300"), 4),
]


@pytest.mark.parametrize(
    ("raw", "le", "data", "case"), [p[1:] for p in PARSE], ids=[p[0] for p in PARSE]
)
def test_command_parse_round_trip(raw: str, le: int | None, data: bytes, case: int) -> None:
    """Short APDUs of every ISO 7816-4 case parse to their parts and encode back unchanged."""
    command = CommandApdu.parse(bytes.fromhex(raw))
    assert (command.le, command.data, command.case) == (le, data, case)
    assert bytes(command).hex().upper() == raw


@pytest.mark.parametrize(
    "raw",
    ["00A404", "00A4040005A000", "00A40400000007A0000003330101", "00A4040002A00000FF"],
    ids=["too-short", "lc-longer-than-data", "extended-length", "trailing-bytes"],
)
def test_malformed_command_is_a_usage_error(raw: str) -> None:
    """A malformed or extended APDU from the terminal side is a UsageError, never sent."""
    sent: list[bytes] = []
    with pytest.raises(UsageError):
        exchange(lambda command: sent.append(command) or b"\x90\x00", bytes.fromhex(raw))
    assert sent == []

"""The scripted card used to replay recorded sessions in tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.errors import UsageError
from kiosk.payment import tlv
from kiosk.payment.cardsim.scripted import Match, ScriptedCard, ScriptMismatchError
from kiosk.payment.tags import Tag

TRACE = Path(__file__).parent / "data" / "upi_contact_trace.json"


def test_replays_the_real_unionpay_session() -> None:
    """The recorded UnionPay session replays command by command and ends used up."""
    card = ScriptedCard.from_trace(TRACE)
    card.power_on()
    fci = card.process(bytes.fromhex("00A404000E315041592E5359532E444446303100"))
    assert tlv.decode(fci[:-2]).first(Tag.SFI_OF_DIRECTORY) == b"\x01"
    assert card.remaining == 21
    with pytest.raises(ScriptMismatchError):
        card.assert_exhausted()


def test_unexpected_command_fails_loudly() -> None:
    """A command other than the next scripted one raises ScriptMismatchError (a UsageError)."""
    card = ScriptedCard([(bytes.fromhex("00A4040000"), b"\x90\x00")])
    with pytest.raises(ScriptMismatchError) as err:
        card.process(bytes.fromhex("00B2010C00"))
    assert isinstance(err.value, UsageError)
    assert err.value.context["step"] == 0


def test_header_match_ignores_terminal_data() -> None:
    """With Match.HEADER a GENERATE AC with other data still gets the recorded answer."""
    card = ScriptedCard([(bytes.fromhex("80AE8000021122"), b"\x69\x85")], match=Match.HEADER)
    assert card.process(bytes.fromhex("80AE8000023344")) == b"\x69\x85"
    card.assert_exhausted()
    with pytest.raises(ScriptMismatchError):
        card.process(bytes.fromhex("80AE8000023344"))


def test_bad_trace_file_is_usage_error(tmp_path: Path) -> None:
    """A trace file that is not a list of {c, r} objects is a UsageError."""
    bad = tmp_path / "bad.json"
    bad.write_text('[{"c": "00"}]')
    with pytest.raises(UsageError) as err:
        ScriptedCard.from_trace(bad)
    assert err.value.code == "cardsim.bad_trace"


def test_default_atr_checksum() -> None:
    """The scripted card's ATR announces T=1 with a valid TCK."""
    atr = ScriptedCard([]).power_on()
    check = 0
    for b in atr[1:]:
        check ^= b
    assert atr[0] == 0x3B and check == 0

"""The scripted card and the replay card that terminal-side tests talk to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.errors import ConfigError
from kiosk.payment.cardsim.replay import ReplayCard
from kiosk.payment.cardsim.scripted import ScriptedCard, ScriptError
from kiosk.payment.reader.sim import SimReader

DATA = Path(__file__).resolve().parents[1] / "data"
UPI = DATA / "upi_contact_trace.json"


def test_scripted_card_rejects_an_unexpected_command() -> None:
    """A command other than the next scripted one fails with the step and both commands."""
    card = ScriptedCard([("80CA9F3600", "9F360200069000")])
    with pytest.raises(ScriptError, match=r"step 1: expected 80CA9F3600, got 80CA9F1300"):
        card.process(bytes.fromhex("80CA9F1300"))


def test_scripted_card_rejects_commands_past_the_end() -> None:
    """A command after the last step fails too."""
    card = ScriptedCard([("80CA9F3600", "9F360200069000")])
    card.process(bytes.fromhex("80CA9F3600"))
    with pytest.raises(ScriptError, match="after the end"):
        card.process(bytes.fromhex("80CA9F3600"))


def test_scripted_card_checks_it_was_used_up() -> None:
    """assert_done names the first step never sent, and passes once all were."""
    card = ScriptedCard([("80CA9F3600", "9F360200069000"), ("80CA9F1300", "9F130200019000")])
    card.process(bytes.fromhex("80CA9F3600"))
    with pytest.raises(ScriptError, match="1 step\\(s\\) left, next was 80CA9F1300"):
        card.assert_done()
    card.process(bytes.fromhex("80CA9F1300"))
    card.assert_done()


def _pairs(path: Path) -> list[tuple[bytes, bytes]]:
    return [(bytes.fromhex(p["c"]), bytes.fromhex(p["r"])) for p in json.loads(path.read_text())]


def test_replay_answers_the_whole_recorded_session() -> None:
    """Replaying every recorded command, in order, gives every recorded answer (repeats too)."""
    pairs = _pairs(UPI)
    reader = SimReader(ReplayCard.from_file(UPI))
    reader.wait_for_card(0)
    for command, response in pairs:
        assert bytes(reader.transmit(command)) == response, command.hex()


@pytest.mark.parametrize(
    ("ins", "answer_starts"),
    [(0xAE, "801380"), (0x88, "8081B0")],
    ids=["generate-ac", "internal-authenticate"],
)
def test_replay_matches_variable_commands_by_header(ins: int, answer_starts: str) -> None:
    """GENERATE AC / INTERNAL AUTHENTICATE with other data (amount, UN) get the recorded
    answer; the recorded data itself (UN 7863AFC6) matches exactly."""
    card = ReplayCard.from_file(UPI)
    card.power_on()
    recorded = next(c for c, _ in _pairs(UPI) if c[1] == ins)
    other = recorded[:5] + bytes(len(recorded) - 6) + b"\x00"
    assert other != recorded
    assert card.process(other).hex().upper().startswith(answer_starts)
    card.power_on()
    assert card.process(recorded).hex().upper().startswith(answer_starts)
    assert card.unmatched == []


def test_replay_does_not_match_other_commands_by_header() -> None:
    """A READ RECORD for another record is not answered with a recorded one."""
    card = ReplayCard.from_file(UPI)
    card.power_on()
    assert card.process(bytes.fromhex("00B2090C00")).hex().upper() == "6F00"


def test_replay_skips_forward_but_never_back() -> None:
    """A skipped command is fine; going back to an answered one has no recording (6F00)."""
    card = ReplayCard.from_file(UPI)
    card.power_on()
    assert card.process(bytes.fromhex("80CA9F1300")).hex().upper() == "9F130200019000"
    assert card.process(bytes.fromhex("80CA9F3600")).hex().upper() == "6F00"
    assert card.unmatched == [bytes.fromhex("80CA9F3600")]
    card.power_on()
    assert card.process(bytes.fromhex("80CA9F3600")).hex().upper() == "9F360200069000"


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '[{"c": "00A4"}]',
        '[{"c": "zz", "r": "9000"}]',
        '[{"c": "00A40400", "r": "90"}]',
    ],
    ids=["not-json", "empty", "missing-response", "bad-hex", "short-response"],
)
def test_bad_recording_is_a_config_error(tmp_path: Path, content: str) -> None:
    """An unusable recording file is a ConfigError cardsim.bad_trace naming the file."""
    path = tmp_path / "trace.json"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        ReplayCard.from_file(path)
    assert info.value.code == "cardsim.bad_trace"
    assert info.value.context["path"] == str(path)

"""The APDU trace never shows a full PAN, Track 2 data or a PIN, whatever the card sends."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from kiosk.payment.cardsim.replay import ReplayCard
from kiosk.payment.cardsim.scripted import ScriptedCard
from kiosk.payment.reader_sim import SimReader
from kiosk.payment.reader_trace import ApduTrace, mask_command, mask_response

DATA = Path(__file__).resolve().parents[1] / "data"
UPI_PAN = "6210948000000011"  # the test card of upi_contact_trace.json
QPBOC_PAN = "6299999999999999"  # qpboc_trace.json, in Track 2 equivalent data (57)


def _forbidden(pan: str) -> list[str]:
    """Every clear form of the PAN a trace could leak: BCD hex, ASCII hex, and text."""
    return [pan, pan.encode().hex().upper(), pan.encode().hex()]


@pytest.mark.parametrize(
    ("trace", "pan"),
    [("upi_contact_trace.json", UPI_PAN), ("qpboc_trace.json", QPBOC_PAN)],
    ids=["contact-upi", "qpboc"],
)
def test_recorded_sessions_leave_no_full_pan(
    trace: str, pan: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A whole recorded session through the reader: the PAN shows only as first 6 + last 4."""
    reader = SimReader(ReplayCard.from_file(DATA / trace))
    reader.wait_for_card(0)
    with caplog.at_level(logging.DEBUG, logger="kiosk.payment.apdu"):
        for pair in json.loads((DATA / trace).read_text()):
            reader.transmit(bytes.fromhex(pair["c"]))
    text = reader.trace.text()
    for clear in _forbidden(pan):
        assert clear not in text
        assert clear not in caplog.text
    masked = pan[:6] + "*" * (len(pan) - 10) + pan[-4:]
    assert masked in text
    assert masked in caplog.text


def test_track2_discretionary_data_is_masked() -> None:
    """After the field separator of tag 57 nothing shows (expiry, service code, CVV area)."""
    response = bytes.fromhex("701357116299999999999999D201120101234567899000")
    assert mask_response(response) == "70135711629999******9999D" + "*" * 17 + "9000"


def test_pan_tag_keeps_first_six_and_last_four() -> None:
    """Tag 5A keeps its F padding and the 6 + 4 digits."""
    response = bytes.fromhex("700C5A0A6210948000000011234F9000")
    assert mask_response(response) == "700C5A0A621094*********1234F9000"


def test_track1_and_discretionary_data_masked_whole() -> None:
    """Tags 56, 9F1F and 9F20 are masked completely (they carry the PAN as ASCII)."""
    response = bytes.fromhex("70099F1F033132335601429000")
    assert mask_response(response) == "70099F1F03******5601**9000"


def test_learned_pan_masked_later_in_commands_and_ascii() -> None:
    """Once seen, the PAN is masked in the terminal's own commands and as ASCII text."""
    pans: set[str] = set()
    mask_response(bytes.fromhex("700A5A08" + UPI_PAN + "9000"), pans)
    command = bytes.fromhex("80AE800010" + UPI_PAN + UPI_PAN.encode().hex() + "00")
    text = mask_command(command, pans)
    for clear in _forbidden(UPI_PAN):
        assert clear not in text
    assert "621094******0011" in text


@pytest.mark.parametrize(
    "data",
    [
        "5A08" + UPI_PAN + "5A",  # TLV running off the end after the PAN
        "FF" * 3 + "5A08" + UPI_PAN + "9F",  # padding, then a truncated tag
        "7082FFFF5A08" + UPI_PAN,  # a template claiming more than there is
        "DEAD" + UPI_PAN + "BEEF",  # no tag at all: a bare BCD run
    ],
    ids=["truncated-after-pan", "padding-then-truncated", "overlong-template", "bare-bcd"],
)
def test_malformed_responses_still_masked(data: str) -> None:
    """Data that is not well-formed TLV is scanned; the PAN never shows in clear."""
    text = mask_response(bytes.fromhex(data + "9000"))
    assert UPI_PAN not in text
    assert text.endswith("9000")


def test_pin_in_verify_is_masked() -> None:
    """VERIFY's plaintext PIN block never shows; the header and Lc do."""
    text = mask_command(bytes.fromhex("0020008008241234FFFFFFFFFF"))
    assert text == "0020008008" + "**" * 8


def test_trace_is_bounded_and_clearable() -> None:
    """The trace keeps the last N exchanges and clear() also forgets learned PANs."""
    trace = ApduTrace(limit=2)
    for i in range(3):
        trace.record(bytes([0x80, 0xCA, 0x9F, 0x36 + i, 0]), bytes.fromhex("9000"), 0.001)
    assert [e.command for e in trace.entries] == ["80CA9F3700", "80CA9F3800"]
    trace.record(bytes.fromhex("00B2010C00"), bytes.fromhex("700A5A08" + UPI_PAN + "9000"), 0)
    trace.clear()
    assert trace.entries == []
    trace.record(bytes.fromhex("80CA000008" + UPI_PAN), bytes.fromhex("9000"), 0)
    assert UPI_PAN in trace.entries[0].command  # nothing learned any more: no false memory


def test_scripted_exchange_appears_in_trace_with_timing() -> None:
    """Each wire exchange, GET RESPONSE included, is one entry with its duration."""
    card = ScriptedCard([("80CA9F7900", "6109"), ("00C0000009", "9F79060000000123459000")])
    reader = SimReader(card)
    reader.wait_for_card(0)
    reader.transmit(bytes.fromhex("80CA9F7900"))
    assert reader.trace.text() == (
        "C: 80CA9F7900\nR: 6109\nC: 00C0000009\nR: 9F79060000000123459000\n"
    )
    assert all(entry.seconds >= 0 for entry in reader.trace.entries)

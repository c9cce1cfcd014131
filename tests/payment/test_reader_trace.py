"""The APDU trace never shows a full PAN, Track 2 data or a PIN, whatever the card sends."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.payment.cardsim.replay import ReplayCard
from kiosk.payment.cardsim.scripted import ScriptedCard
from kiosk.payment.reader.sim import SimReader
from kiosk.payment.reader.trace import ApduTrace, mask_command, mask_response, traced_exchange

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


def _exchange(trace: ApduTrace, command: str, response: str) -> None:
    traced_exchange(lambda c: bytes.fromhex(response), trace, bytes.fromhex(command), t0=False)


def test_trace_is_bounded_and_clearable() -> None:
    """The trace keeps the last N exchanges and clear() also forgets learned PANs."""
    trace = ApduTrace(limit=2)
    for tag in ("9F36", "9F37", "9F38"):
        _exchange(trace, f"80CA{tag}00", "9000")
    assert [e.command for e in trace.entries] == ["80CA9F3700", "80CA9F3800"]
    _exchange(trace, "00B2010C00", "700A5A08" + UPI_PAN + "9000")
    trace.clear()
    assert trace.entries == []
    _exchange(trace, "80CA000008" + UPI_PAN, "9000")
    assert UPI_PAN in trace.entries[0].command  # nothing learned any more: no false memory


def test_pan_split_across_chained_pieces_never_shows() -> None:
    """Track 2 data cut in two by GET RESPONSE: pieces are starred, the whole is masked."""
    record = "701357116299999999999999D20112010123456789"
    first, rest = record[:16], record[16:]
    card = ScriptedCard(
        [
            ("00B2010C00", first + f"61{len(rest) // 2:02X}"),
            (f"00C00000{len(rest) // 2:02X}", rest + "9000"),
        ]
    )
    reader = SimReader(card)
    reader.wait_for_card(0)
    assert reader.transmit(bytes.fromhex("00B2010C00")).data.hex().upper() == record
    entries = reader.trace.entries
    assert [e.assembled for e in entries] == [False, False, True]
    assert entries[0].response == "**" * 8 + "610D"
    assert entries[2].response == "70135711629999******9999D" + "*" * 17 + "9000"
    for digits in ("6299999999", "9999999999"):  # no 10-digit run of the PAN anywhere
        assert digits not in reader.trace.text()


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


TAGS_AROUND = st.sampled_from(["9F36", "5F20", "8C", "9F08", "5F24", "8E", "9F4A"])


@st.composite
def record_with_pan(draw: st.DrawFn) -> tuple[str, str]:
    """A READ RECORD response: a 70 template holding the PAN in 5A and/or 57 among other tags."""
    pan = "62" + draw(st.text("0123456789", min_size=14, max_size=17))
    padded = pan + "F" * (len(pan) % 2)
    objects = [f"5A{len(padded) // 2:02X}{padded}"]
    track2 = pan + "D" + draw(st.text("0123456789", min_size=7, max_size=20))
    track2 += "F" * (len(track2) % 2)
    objects.append(f"57{len(track2) // 2:02X}{track2}")
    for tag in draw(st.lists(TAGS_AROUND, max_size=4)):
        value = draw(st.binary(max_size=20)).hex().upper()
        objects.append(f"{tag}{len(value) // 2:02X}{value}")
    body = "".join(draw(st.permutations(objects)))
    length = len(body) // 2
    header = f"70{length:02X}" if length < 0x80 else f"7081{length:02X}"
    return pan, header + body


@settings(max_examples=60, deadline=None)
@given(record_with_pan(), st.integers(min_value=0, max_value=3), st.data())
def test_no_pan_in_any_trace(sample: tuple[str, str], split: int, data: st.DataObject) -> None:
    """Whatever the record's layout and however GET RESPONSE cuts it, no full PAN shows,
    not even by joining the pieces back together."""
    pan, record = sample
    data_bytes = bytes.fromhex(record)
    cuts = sorted(
        data.draw(st.lists(st.integers(1, len(data_bytes) - 1), max_size=split, unique=True))
    )
    pieces = [data_bytes[a:b] for a, b in zip([0, *cuts], [*cuts, len(data_bytes)], strict=True)]
    script = [
        ("00B2010C00", pieces[0].hex() + (f"61{len(pieces[1]):02X}" if len(pieces) > 1 else "9000"))
    ]
    for i, piece in enumerate(pieces[1:], start=1):
        sw = f"61{len(pieces[i + 1]):02X}" if i + 1 < len(pieces) else "9000"
        script.append((f"00C00000{len(piece):02X}", piece.hex() + sw))
    reader = SimReader(ScriptedCard(script))
    reader.wait_for_card(0)
    assert bytes(reader.transmit(bytes.fromhex("00B2010C00"))).hex().upper() == record + "9000"
    entries = reader.trace.entries
    rejoined = "".join(e.response[:-4] for e in entries if not e.assembled)  # pieces, no SWs
    for clear in _forbidden(pan):
        assert clear not in reader.trace.text()
        assert clear not in rejoined


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=2, max_size=300))
def test_masking_never_raises(raw: bytes) -> None:
    """Any bytes at all mask to hex text ending in their status word."""
    assert mask_response(raw).endswith(raw[-2:].hex().upper())
    assert mask_command(raw).startswith(raw[:1].hex().upper())


def test_cardholder_data_never_reaches_the_debug_log(caplog: pytest.LogCaptureFixture) -> None:
    """A READ RECORD with the cardholder's name (5F20), expiry (5F24) and PBOC ID number
    (9F61): at DEBUG (``kiosk -vv``) and in the trace, none of them shows."""
    name, expiry, id_number = b"ZHANG/SAN", bytes.fromhex("301231"), b"110101199001011234"
    body = b"".join(
        bytes.fromhex(tag) + bytes([len(value)]) + value
        for tag, value in (("5F20", name), ("5F24", expiry), ("9F61", id_number))
    )
    response = b"\x70" + bytes([len(body)]) + body + b"\x90\x00"
    trace = ApduTrace()
    with caplog.at_level(logging.DEBUG, logger="kiosk.payment.apdu"):
        trace.record_exchange(bytes.fromhex("00B2010C00"), [(b"\x00\xb2", response, 0.0)], response)
    for secret in (name, expiry, id_number):
        for clear in (secret.hex().upper(), secret.hex(), secret.decode("latin-1")):
            assert clear not in caplog.text
            assert clear not in trace.text()
    assert "5F2009" + "**" * len(name) in trace.text()

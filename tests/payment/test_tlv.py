"""BER-TLV decoding and encoding (EMV 4.3 Book 3 Annex B)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.payment import tlv
from kiosk.payment.errors import TlvError
from kiosk.payment.tags import Tag

DATA = Path(__file__).resolve().parents[1] / "data"


def _responses(name: str) -> list[bytes]:
    """Response data (status word stripped) of every 9000 answer in a reference trace."""
    pairs = json.loads((DATA / name).read_text())
    return [bytes.fromhex(p["r"])[:-2] for p in pairs if p["r"].endswith("9000")]


def test_pse_fci_from_real_card() -> None:
    """The PSE FCI of a real UnionPay card decodes to DF name and directory SFI 1."""
    fci = tlv.decode(bytes.fromhex("6F15840E315041592E5359532E4444463031A503880101"))
    assert fci.first(Tag.DF_NAME) == b"1PAY.SYS.DDF01"
    assert fci.first(Tag.SFI_OF_DIRECTORY) == b"\x01"
    assert fci[0].tag == 0x6F and fci[0].constructed


def test_ppse_directory_entries_found_depth_first() -> None:
    """A qPBOC PPSE answer: the 61 entry inside BF0C inside A5 inside 6F is found."""
    data = _responses("qpboc_trace.json")[0]
    entries = tlv.decode(data).find_all(Tag.APPLICATION_TEMPLATE)
    assert len(entries) == 1
    assert entries[0].children.first(Tag.AID) == bytes.fromhex("A000000333010101")
    assert entries[0].children.first(Tag.APPLICATION_LABEL) == b"PBOC DEBIT"


def test_qpboc_gpo_format2_fields() -> None:
    """A real qPBOC GPO (template 77) yields AIP, ATC, IAD and the 9F5D offline amount."""
    gpo = tlv.decode(_responses("qpboc_trace.json")[2])
    assert gpo.first(Tag.AIP) == bytes.fromhex("7C00")
    assert gpo.first(Tag.ATC) == bytes.fromhex("0ADC")
    assert gpo.first(Tag.AVAILABLE_OFFLINE_AMOUNT) == bytes.fromhex("000000038787")
    assert len(gpo.first(Tag.ISSUER_APPLICATION_DATA) or b"") == 0x13


def test_to_dict_flattens_primitives_first_wins() -> None:
    """to_dict maps every primitive tag (through templates) to its first value."""
    data = bytes.fromhex("70085A01629F360200015A0163")
    assert tlv.decode(data).to_dict() == {0x5A: b"\x62", 0x9F36: b"\x00\x01"}


def test_long_length_form_record_81() -> None:
    """A record with length form 81 (the issuer certificate record, 0xB3 bytes) decodes."""
    rec = next(r for r in _responses("upi_contact_trace.json") if r.startswith(b"\x70\x81\xb3\x90"))
    cert = tlv.decode(rec).first(Tag.ISSUER_PK_CERTIFICATE)
    assert cert is not None and len(cert) == 0xB0


@pytest.mark.parametrize("name", ["upi_contact_trace.json", "qpboc_trace.json"])
def test_every_reference_response_round_trips(name: str) -> None:
    """Every successful response of the real traces decodes and re-encodes byte for byte."""
    for data in _responses(name):
        if not data or data[0] not in (0x6F, 0x70, 0x77, 0x80, 0x9F):
            continue
        assert tlv.decode(data).encode() == data


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param("00005A0162", [(0x5A, "62")], id="leading-00-padding"),
        pytest.param(
            "5A0162FFFF9F360200010000", [(0x5A, "62"), (0x9F36, "0001")], id="ff-and-00-between"
        ),
        pytest.param("9F3602ABCD", [(0x9F36, "ABCD")], id="two-byte-tag"),
        pytest.param("DF8101021234", [(0xDF8101, "1234")], id="three-byte-tag"),
        pytest.param("5A820002AAAA", [(0x5A, "AAAA")], id="length-82"),
        pytest.param("5A83000001BB", [(0x5A, "BB")], id="length-83"),
        pytest.param("5A00", [(0x5A, "")], id="empty-value"),
    ],
)
def test_decode_forms(data: str, expected: list[tuple[int, str]]) -> None:
    """Padding, multi-byte tags and long length forms decode to the listed objects."""
    got = [(t.tag, t.value.hex().upper()) for t in tlv.decode(bytes.fromhex(data))]
    assert got == expected


@pytest.mark.parametrize(
    ("data", "code", "offset"),
    [
        pytest.param("5A0562", "card.tlv.value_truncated", 0, id="value-truncated"),
        pytest.param("9F", "card.tlv.tag_truncated", 0, id="tag-continuation-off-end"),
        pytest.param("5A01629F", "card.tlv.tag_truncated", 3, id="second-tag-off-end"),
        pytest.param("5A", "card.tlv.length_truncated", 1, id="length-missing"),
        pytest.param("5A8201", "card.tlv.length_truncated", 1, id="long-length-off-end"),
        pytest.param("5A80", "card.tlv.bad_length_form", 1, id="indefinite-length"),
        pytest.param("5A8500000000000001", "card.tlv.bad_length_form", 1, id="length-85"),
        pytest.param("DF81818101", "card.tlv.tag_too_long", 0, id="tag-too-long"),
        pytest.param("70035A0562", "card.tlv.value_truncated", 2, id="inner-value-truncated"),
    ],
)
def test_malformed_input_raises_with_offset(data: str, code: str, offset: int) -> None:
    """Each malformation raises TlvError with a stable code and the faulty byte's offset."""
    with pytest.raises(TlvError) as err:
        tlv.decode(bytes.fromhex(data))
    assert err.value.code == code
    assert err.value.context["offset"] == offset


def test_lenient_mode_keeps_malformed_template_opaque() -> None:
    """strict=False keeps a template with broken contents as an opaque value."""
    data = bytes.fromhex("70035A05629F360100")
    decoded = tlv.decode(data, strict=False)
    assert [(t.tag, t.value.hex().upper()) for t in decoded] == [(0x70, "5A0562"), (0x9F36, "00")]
    assert len(decoded[0].children) == 0
    with pytest.raises(TlvError):
        tlv.decode(data)
    with pytest.raises(TlvError):
        tlv.decode(bytes.fromhex("70055A0162"), strict=False)


def test_nesting_depth_is_capped() -> None:
    """Hostile deeply nested templates give TlvError, not a RecursionError."""
    data = b""
    for _ in range(40):
        data = tlv.encode(0x70, data)
    with pytest.raises(TlvError) as err:
        tlv.decode(data)
    assert err.value.code == "card.tlv.too_deep"


@pytest.mark.parametrize(
    ("n", "encoded"),
    [(0, "00"), (127, "7F"), (128, "8180"), (255, "81FF"), (256, "820100"), (65536, "83010000")],
    ids=["0", "127", "128", "255", "256", "65536"],
)
def test_encode_length(n: int, encoded: str) -> None:
    """Lengths use the shortest BER form."""
    assert tlv.encode_length(n).hex().upper() == encoded


def test_encode_rejects_malformed_tag() -> None:
    """A tag int whose continuation bits do not end at its last byte is refused."""
    with pytest.raises(ValueError, match="malformed tag"):
        tlv.encode_tag(0x9F82)


def test_encode_template_from_children() -> None:
    """encode() accepts child objects for a template and the result decodes back to them."""
    inner = tlv.decode(bytes.fromhex("5A0162") + tlv.encode(0x9F36, b"\x00\x07"))
    data = tlv.encode(0x70, inner)
    assert data.hex().upper() == "70085A01629F36020007"
    assert tlv.decode(data).first(0x9F36) == b"\x00\x07"


# --- properties ---------------------------------------------------------------------------

_primitive_tags = st.one_of(
    st.integers(0x41, 0x5E).filter(lambda t: t & 0x1F != 0x1F),
    st.integers(0x80, 0x9E).filter(lambda t: t & 0x1F != 0x1F),
    st.integers(0x00, 0x7F).map(lambda b: 0x9F00 | b),
    st.integers(0x00, 0x7F).map(lambda b: 0xDF00 | b),
)
_objects = st.lists(st.tuples(_primitive_tags, st.binary(max_size=300)), max_size=6)


@settings(max_examples=150, deadline=None)
@given(_objects)
def test_round_trip_primitive(objs: list[tuple[int, bytes]]) -> None:
    """Any list of primitive objects encodes and decodes back to the same tags and values."""
    data = b"".join(tlv.encode(t, v) for t, v in objs)
    assert [(t.tag, t.value) for t in tlv.decode(data)] == objs


@settings(max_examples=100, deadline=None)
@given(_objects, st.sampled_from([0x70, 0x77, 0xA5, 0xBF0C]))
def test_round_trip_template(objs: list[tuple[int, bytes]], template: int) -> None:
    """Objects wrapped in a template are found by first() through the template."""
    body = b"".join(tlv.encode(t, v) for t, v in objs)
    decoded = tlv.decode(tlv.encode(template, body))
    assert decoded[0].tag == template
    assert [(t.tag, t.value) for t in decoded[0].children] == objs
    for t, _ in objs:
        assert decoded.first(t) == next(val for tag, val in objs if tag == t)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_random_bytes_only_tlv_error(data: bytes) -> None:
    """Random bytes either decode or raise TlvError; nothing else escapes."""
    try:
        tlv.decode(data)
    except TlvError as exc:
        assert 0 <= exc.context["offset"] <= len(data)


def test_fuzz_mutated_real_responses_only_tlv_error() -> None:
    """Real card responses with flipped, cut or inserted bytes raise only TlvError."""
    rng = random.Random(20261127)
    seeds = [d for d in _responses("upi_contact_trace.json") if d] + _responses("qpboc_trace.json")
    for _ in range(3000):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            op = rng.randrange(3)
            i = rng.randrange(len(data)) if data else 0
            if op == 0 and data:
                data[i] = rng.randrange(256)
            elif op == 1:
                del data[i:]
            else:
                data.insert(i, rng.randrange(256))
        try:
            tlv.decode(bytes(data))
        except TlvError as exc:
            assert 0 <= exc.context["offset"] <= len(data)

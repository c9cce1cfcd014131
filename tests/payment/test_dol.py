"""DOL parsing and building (EMV 4.3 Book 3 §5.4)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.payment.dol import (
    DolEntry,
    build_dol_data,
    dol_length,
    fit_value,
    parse_dol,
    split_dol_data,
)
from kiosk.payment.errors import TlvError

#: The qPBOC PDOL of a real card (neil-pan-s/qpboc-kernel trace, SELECT A000000333010101).
QPBOC_PDOL = bytes.fromhex("9F66049F02069F03069F1A0295055F2A029A039C019F3704")
#: CDOL1 of the real UnionPay test card (binaryfoo/emv-bertlv contact-upi-in.txt, SFI 2 rec 1).
UPI_CDOL1 = bytes.fromhex("9F02069F03069F1A0295055F2A029A039C019F37049F21039F4E14")


def test_parse_real_pdol() -> None:
    """The real qPBOC PDOL parses to nine entries totalling the 33 bytes its GPO sent."""
    dol = parse_dol(QPBOC_PDOL)
    assert dol[0] == DolEntry(0x9F66, 4)
    assert [e.tag for e in dol][-1] == 0x9F37
    assert dol_length(dol) == 0x21


def test_build_matches_real_gpo() -> None:
    """Building the real PDOL from its values reproduces the GPO data the terminal sent."""
    values = {
        0x9F66: bytes.fromhex("36800000"),
        0x9F02: bytes.fromhex("000000000001"),
        0x9F03: bytes(6),
        0x9F1A: bytes.fromhex("0156"),
        0x95: bytes(5),
        0x5F2A: bytes.fromhex("0156"),
        0x9A: bytes.fromhex("170601"),
        0x9C: b"\x00",
        0x9F37: bytes.fromhex("2B29EBE4"),
    }
    expected = "36800000000000000001000000000000015600000000000156170601002B29EBE4"
    assert build_dol_data(QPBOC_PDOL, values).hex().upper() == expected


@pytest.mark.parametrize(
    ("tag", "value", "length", "expected"),
    [
        pytest.param(0x9F02, "0100", 6, "000000000100", id="n-short-left-padded"),
        pytest.param(0x9F02, "00000000000100", 6, "000000000100", id="n-long-left-truncated"),
        pytest.param(0x5A, "6210948000000011", 10, "6210948000000011FFFF", id="cn-short-ff-padded"),
        pytest.param(0x5A, "6210948000000011", 4, "62109480", id="cn-long-right-truncated"),
        pytest.param(0x9F4E, "414243", 5, "4142430000", id="ans-short-00-padded"),
        pytest.param(0x9F4E, "4142434445", 2, "4142", id="ans-long-right-truncated"),
        pytest.param(0x9F37, "11223344", 2, "1122", id="b-long-right-truncated"),
        pytest.param(0x9F37, "11", 4, "11000000", id="b-short-00-padded"),
        pytest.param(0xDF7F, "AB", 3, "AB0000", id="unknown-tag-is-binary"),
    ],
)
def test_fit_value(tag: int, value: str, length: int, expected: str) -> None:
    """Values are padded or truncated by their format as Book 3 §5.4 says."""
    assert fit_value(tag, bytes.fromhex(value), length).hex().upper() == expected


def test_missing_and_constructed_tags_give_zeros() -> None:
    """An absent tag and a constructed tag both fill their length with 00."""
    dol = (DolEntry(0x9F37, 4), DolEntry(0x70, 3), DolEntry(0x9F7A, 1))
    data = build_dol_data(dol, {0x70: b"\x01\x02\x03", 0x9F7A: b"\x01"})
    assert data.hex().upper() == "0000000000000001"


def test_callable_value_source() -> None:
    """A function can stand in for the mapping; None means absent."""
    data = build_dol_data(UPI_CDOL1, lambda t: b"\x12\x34" if t == 0x9F1A else None)
    assert len(data) == dol_length(parse_dol(UPI_CDOL1))
    assert data[12:14] == b"\x12\x34"


def test_split_round_trip() -> None:
    """The card splits DOL data back into the values the terminal put in."""
    dol = parse_dol(UPI_CDOL1)
    values = {0x9F02: bytes.fromhex("000000000650"), 0x9F37: bytes.fromhex("7863AFC6")}
    parts = split_dol_data(dol, build_dol_data(dol, values))
    assert parts[0x9F02] == values[0x9F02]
    assert parts[0x9F37] == values[0x9F37]
    assert parts[0x9F1A] == b"\x00\x00"


@pytest.mark.parametrize("delta", [-1, 1], ids=["short", "long"])
def test_split_wrong_length(delta: int) -> None:
    """DOL data of the wrong length raises card.dol.length (the card answers 6700)."""
    dol = parse_dol(UPI_CDOL1)
    with pytest.raises(TlvError) as err:
        split_dol_data(dol, bytes(dol_length(dol) + delta))
    assert err.value.code == "card.dol.length"


@pytest.mark.parametrize(
    "dol",
    ["9F", "9F02", "9F0281", "9F02840FFFFFFF"],
    ids=["tag-cut", "no-length", "long-cut", "entry-of-256MB"],
)
def test_parse_truncated_dol(dol: str) -> None:
    """A DOL cut inside a tag or a length raises TlvError."""
    with pytest.raises(TlvError):
        parse_dol(bytes.fromhex(dol))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([0x9F02, 0x5A, 0x9F37, 0x9F4E, 0x95]), st.integers(0, 30)))
)
def test_built_data_always_has_dol_length(entries: list[tuple[int, int]]) -> None:
    """Whatever the values, the built data is exactly as long as the DOL asks."""
    dol = tuple(DolEntry(t, n) for t, n in entries)
    values = {0x9F02: b"\x01\x23", 0x5A: b"\x62\x10\x94", 0x9F4E: b"SHOP"}
    assert len(build_dol_data(dol, values)) == dol_length(dol)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40))
def test_fuzz_parse_dol_only_tlv_error(data: bytes) -> None:
    """Random bytes as a DOL either parse or raise TlvError, and parsed lengths re-build."""
    try:
        dol = parse_dol(data)
    except TlvError as exc:
        assert 0 <= exc.context["offset"] <= len(data)
        return
    assert len(build_dol_data(dol, {})) == dol_length(dol)

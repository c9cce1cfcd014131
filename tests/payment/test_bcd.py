"""Numeric data elements: one BCD codec for the kernel, card log, issuer and card simulators."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.payment.bcd import bcd, fen_of


@given(size=st.integers(1, 8), data=st.data())
def test_every_value_that_fits_comes_back(size: int, data: st.DataObject) -> None:
    value = data.draw(st.integers(0, 10 ** (2 * size) - 1))
    encoded = bcd(value, size)
    assert len(encoded) == size and fen_of(encoded) == value


def test_an_amount_is_n12_right_justified() -> None:
    """¥12.50 as 9F02 (EMV Book 3 §4.3 format n): 00 00 00 00 12 50."""
    assert bcd(1250) == bytes.fromhex("000000001250")
    assert bcd(5, 1) == b"\x05"


@pytest.mark.parametrize(("value", "size"), [(10**12, 6), (100, 1), (-1, 6)])
def test_a_value_that_does_not_fit_is_refused_not_cut(value: int, size: int) -> None:
    with pytest.raises(ValueError, match="does not fit"):
        bcd(value, size)


@pytest.mark.parametrize("raw", [None, b"", bytes.fromhex("00000000125A"), b"\xff"])
def test_absent_or_malformed_is_none(raw: bytes | None) -> None:
    assert fen_of(raw) is None

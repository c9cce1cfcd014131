"""Money: parsing what people type, formatting, and rejecting what cannot be charged."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.money import MAX_FEN, MoneyError, check_fen, format_fen, parse_fen, percent_of

amounts = st.integers(min_value=1, max_value=MAX_FEN)


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("12.5", 1250),
        ("12.50", 1250),
        ("¥12.50", 1250),
        ("￥12.50", 1250),
        (" 12 ", 1200),
        ("0.01", 1),
        ("1,234.56", 123456),
        ("12.", 1200),
        ("12.500", 1250),
        ("CNY3", 300),
        ("8元", 800),
    ],
    ids=str,
)
def test_parse_accepts_what_a_cashier_types(text: str, fen: int) -> None:
    """Common spellings of an amount parse to the right number of fen."""
    assert parse_fen(text) == fen


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "money.empty"),
        ("¥", "money.empty"),
        ("-1", "money.negative"),
        ("¥-1.00", "money.negative"),
        ("1.005", "money.sub_fen"),
        ("0", "money.zero"),
        ("0.00", "money.zero"),
        ("abc", "money.malformed"),
        ("1.2.3", "money.malformed"),
        ("1e3", "money.malformed"),
        ("12,34", "money.malformed"),
        ("nan", "money.malformed"),
        ("10000000", "money.too_large"),
    ],
)
def test_parse_rejects_with_a_reason(text: str, code: str) -> None:
    """Each kind of bad amount is refused with its own stable code."""
    with pytest.raises(MoneyError) as info:
        parse_fen(text)
    assert info.value.code == code


@given(amounts)
def test_format_then_parse_round_trips(fen: int) -> None:
    """Whatever we display, we read back as the same fen."""
    assert parse_fen(format_fen(fen)) == fen
    assert parse_fen(format_fen(fen, grouping=True)) == fen


@given(amounts)
def test_format_shape(fen: int) -> None:
    """Display is ¥, whole yuan, a dot and exactly two fen digits."""
    text = format_fen(fen)
    assert text.startswith("¥")
    yuan, _, cents = text[1:].partition(".")
    assert len(cents) == 2
    assert int(yuan) * 100 + int(cents) == fen


def test_format_negative_and_zero() -> None:
    """Refunds show a leading minus; zero shows ¥0.00."""
    assert format_fen(-300) == "-¥3.00"
    assert format_fen(0) == "¥0.00"


@given(st.floats(allow_nan=True) | st.text(max_size=3) | st.booleans())
def test_check_fen_refuses_non_integers(value: object) -> None:
    """Floats, strings and booleans are never amounts."""
    with pytest.raises(MoneyError):
        check_fen(value)  # type: ignore[arg-type]


@given(st.text(max_size=20))
def test_parse_never_crashes(text: str) -> None:
    """Any text either parses to a valid amount or raises MoneyError."""
    try:
        fen = parse_fen(text)
    except MoneyError:
        return
    assert 1 <= fen <= MAX_FEN


@pytest.mark.parametrize(("fen", "bp", "out"), [(1000, 1000, 100), (999, 500, 50), (1, 5000, 1)])
def test_percent_rounds_half_up(fen: int, bp: int, out: int) -> None:
    """Discount percentages round to whole fen, half up."""
    assert percent_of(fen, bp) == out

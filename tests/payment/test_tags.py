"""The tag dictionary (EMV 4.3 Book 3 Annex A1, PBOC 3.0 JR/T 0025)."""

from __future__ import annotations

import pytest

from kiosk.payment.tags import Format, Tag, info


@pytest.mark.parametrize(
    ("tag", "fmt"),
    [
        (0x9F79, Format.N),
        (0x9F77, Format.N),
        (0x9F78, Format.N),
        (0x9F6D, Format.N),
        (0x9F51, Format.N),
        (0x9F74, Format.AN),
        (0x9F7A, Format.B),
        (0x9F7B, Format.N),
        (0x9F4D, Format.B),
        (0x9F4F, Format.B),
        (0x9F5D, Format.N),
        (0x9F66, Format.B),
        (0x9F6C, Format.B),
        (0x9F69, Format.B),
        (0xDF69, Format.B),
        (0xDF4D, Format.B),
        (0xDF4F, Format.B),
        (0x5A, Format.CN),
        (0x9F02, Format.N),
        (0x50, Format.ANS),
    ],
    ids=lambda v: f"{v:X}" if isinstance(v, int) else v.value,
)
def test_pboc_and_emv_tags_known(tag: int, fmt: Format) -> None:
    """Every tag the payment issue names is in the dictionary with its format."""
    entry = info(tag)
    assert entry.known
    assert entry.fmt is fmt
    assert entry.title


def test_members_are_ints() -> None:
    """Named constants compare and hash as their tag value."""
    assert Tag.EC_BALANCE == 0x9F79
    assert {Tag.AIP: 1}[0x82] == 1
    assert Tag.EC_BALANCE.title == "EC Balance"


def test_unknown_tag_is_binary() -> None:
    """Unknown tags are reported as binary, not known, with the hex in the title."""
    entry = info(0xDF7F)
    assert not entry.known
    assert entry.fmt is Format.B
    assert "DF7F" in entry.title


def test_values_unique() -> None:
    """No two names share a tag value (an alias would hide a typo)."""
    assert len({t.value for t in Tag}) == len(list(Tag))

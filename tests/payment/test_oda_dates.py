"""Certificate expiry dates (EMV Book 2 §5.3 step 8): through the end of the MMYY month."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.payment.crypto.oda import certificate_expired, pan_digits


@pytest.mark.parametrize(
    ("mmyy", "today", "expired"),
    [
        ("1226", dt.date(2026, 12, 31), False),
        ("1126", dt.date(2026, 12, 1), True),
        ("0127", dt.date(2026, 12, 1), False),
        ("1226", None, False),
        ("1A26", None, True),
        ("FFFF", dt.date(2026, 1, 1), True),
    ],
    ids=["last-day", "month-after", "next-year", "no-date-check", "not-bcd", "padding"],
)
def test_certificate_expiry(mmyy: str, today: dt.date | None, expired: bool) -> None:
    """Valid through the month's last day; a date that is not BCD counts as expired."""
    assert certificate_expired(bytes.fromhex(mmyy), today) is expired


def test_pan_digits_strip_padding() -> None:
    """A cn PAN field loses its F padding."""
    assert pan_digits(bytes.fromhex("6212345678901234567F")) == "6212345678901234567"

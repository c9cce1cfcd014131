"""Every PC/SC failure becomes a typed reader error, in one place."""

from __future__ import annotations

import pytest
from smartcard import scard

from kiosk.payment.errors import (
    CardRemovedError,
    CardTimeoutError,
    ReaderError,
    ReaderUnavailableError,
)
from kiosk.payment.reader.pcsc import PCSC_ERRORS, _call, map_pcsc_error

#: Every error, warning and failure code pyscard knows.
ALL_CODES = sorted(
    (name, getattr(scard, name))
    for name in dir(scard)
    if name.startswith(("SCARD_E_", "SCARD_W_", "SCARD_F_", "SCARD_P_"))
)

EXPECTED = [
    ("SCARD_W_REMOVED_CARD", CardRemovedError, "reader.card_removed"),
    ("SCARD_E_NO_SMARTCARD", CardRemovedError, "reader.card_removed"),
    ("SCARD_W_UNPOWERED_CARD", CardRemovedError, "reader.card_removed"),
    ("SCARD_W_RESET_CARD", CardRemovedError, "reader.card_reset"),
    ("SCARD_E_NO_SERVICE", ReaderUnavailableError, "reader.unavailable"),
    ("SCARD_E_SERVICE_STOPPED", ReaderUnavailableError, "reader.unavailable"),
    ("SCARD_E_NO_READERS_AVAILABLE", ReaderUnavailableError, "reader.unavailable"),
    ("SCARD_E_READER_UNAVAILABLE", ReaderUnavailableError, "reader.unavailable"),
    ("SCARD_E_UNKNOWN_READER", ReaderUnavailableError, "reader.unavailable"),
    ("SCARD_F_COMM_ERROR", ReaderUnavailableError, "reader.unavailable"),
    ("SCARD_E_TIMEOUT", CardTimeoutError, "reader.timeout"),
    ("SCARD_E_CANCELLED", ReaderError, "reader.cancelled"),
    ("SCARD_E_SHARING_VIOLATION", ReaderError, "reader.busy"),
    ("SCARD_W_UNRESPONSIVE_CARD", ReaderError, "reader.card_mute"),
    ("SCARD_E_NOT_TRANSACTED", ReaderError, "reader.transmit_failed"),
    ("SCARD_E_INSUFFICIENT_BUFFER", ReaderError, "reader.pcsc"),
]


@pytest.mark.parametrize(("name", "kind", "code"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_named_codes_map_to_their_type(name: str, kind: type[ReaderError], code: str) -> None:
    """Removal, unavailability, timeout and the reader's own faults each get their type."""
    error = map_pcsc_error(getattr(scard, name), "transmit", reader="R")
    assert type(error) is kind
    assert error.code == code
    assert error.context["hresult"] == f"0x{getattr(scard, name) & 0xFFFFFFFF:08X}"
    assert error.context["reader"] == "R"
    assert str(error).startswith("PC/SC transmit failed: ")


@pytest.mark.parametrize(("name", "value"), ALL_CODES, ids=[c[0] for c in ALL_CODES])
def test_every_pcsc_code_is_a_reader_error(name: str, value: int) -> None:
    """No PC/SC code escapes as anything but a ReaderError with a stable code and a message."""
    error = map_pcsc_error(value, "connect")
    assert isinstance(error, ReaderError)
    assert error.code.startswith("reader.")
    assert str(error).strip() != "PC/SC connect failed:"


def test_every_table_entry_is_a_known_pcsc_code() -> None:
    """The table holds only codes pyscard defines (no typo'd constants)."""
    assert set(PCSC_ERRORS) <= {value & 0xFFFFFFFF for _, value in ALL_CODES}


def test_negative_hresult_is_normalised() -> None:
    """A code delivered as a signed 32-bit value maps like its unsigned form."""
    signed = scard.SCARD_W_REMOVED_CARD - (1 << 32)
    assert type(map_pcsc_error(signed, "transmit")) is CardRemovedError


def test_pyscard_exception_is_mapped_and_chained() -> None:
    """pyscard's own exception (scard.error) becomes a ReaderError with the original chained."""

    def failing() -> int:  # the binding's failure cannot be provoked on demand: raise it
        raise scard.error("Failed to SCardFreeMemory!")

    with pytest.raises(ReaderError) as info:
        _call("get status change", failing)
    assert info.value.code == "reader.pcsc"
    assert isinstance(info.value.__cause__, scard.error)


def test_real_pyscard_rejects_a_bad_handle_as_typed_error() -> None:
    """A real pyscard call on a handle that does not exist ends as a typed reader error."""
    with pytest.raises(ReaderError):
        _call("status", scard.SCardStatus, 0x7FFF_FFF0)

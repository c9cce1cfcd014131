"""Data Object Lists: PDOL, CDOL1/2, DDOL, TDOL (EMV 4.3 Book 3 §5.4).

A DOL is a run of (tag, length) pairs with no values. The card lists what it wants;
the terminal answers with the concatenated values, each forced to the listed length:

- a tag absent from the value source, or a constructed tag, gives that many ``00``;
- a value that is too long is truncated: numeric (``n``) from the left, others from
  the right;
- a value that is too short is padded: ``n`` with leading ``00``, ``cn`` with trailing
  ``FF``, everything else with trailing ``00``.

The format of each tag comes from :mod:`kiosk.payment.tags`; unknown tags are binary.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kiosk.payment.errors import TlvError
from kiosk.payment.tags import Format, info
from kiosk.payment.tlv import read_length, read_tag, tag_is_constructed

__all__ = ["DolEntry", "ValueSource", "build_dol_data", "dol_length", "parse_dol", "split_dol_data"]

#: Where values come from: a mapping of tag -> value, or a function returning None
#: for a tag it does not know.
ValueSource = Mapping[int, bytes] | Callable[[int], bytes | None]


@dataclass(frozen=True, slots=True)
class DolEntry:
    """One (tag, length) pair of a DOL."""

    tag: int
    length: int


#: No EMV data element is longer than 255 bytes; a DOL asking for more is malformed, and
#: honouring it would let a card make the terminal allocate gigabytes.
MAX_ENTRY_LENGTH = 255


def parse_dol(data: bytes) -> tuple[DolEntry, ...]:
    """Split a DOL into entries; raises TlvError (with offset) on a truncated tag or length,
    or an entry longer than :data:`MAX_ENTRY_LENGTH` (code ``card.dol.too_long``)."""
    entries: list[DolEntry] = []
    pos = 0
    while pos < len(data):
        start = pos
        tag, pos = read_tag(data, pos)
        length, pos = read_length(data, pos)
        if length > MAX_ENTRY_LENGTH:
            raise TlvError(
                f"DOL entry {tag:X} asks for {length} bytes",
                code="card.dol.too_long",
                offset=start,
            )
        entries.append(DolEntry(tag, length))
    return tuple(entries)


def dol_length(dol: tuple[DolEntry, ...]) -> int:
    """Total length of the data a DOL asks for (what a card checks Lc against)."""
    return sum(e.length for e in dol)


def fit_value(tag: int, value: bytes, length: int) -> bytes:
    """Force ``value`` to ``length`` bytes by the Book 3 §5.4 rules for ``tag``'s format."""
    fmt = info(tag).fmt
    if len(value) > length:
        return value[len(value) - length :] if fmt is Format.N else value[:length]
    missing = length - len(value)
    if fmt is Format.N:
        return bytes(missing) + value
    if fmt is Format.CN:
        return value + b"\xff" * missing
    return value + bytes(missing)


def build_dol_data(dol: tuple[DolEntry, ...] | bytes, values: ValueSource) -> bytes:
    """The data answering ``dol`` (entries, or raw DOL bytes) from ``values``."""
    entries = parse_dol(dol) if isinstance(dol, bytes | bytearray) else dol
    lookup = values if callable(values) else values.get
    out = bytearray()
    for entry in entries:
        value = None if tag_is_constructed(entry.tag) else lookup(entry.tag)
        out += bytes(entry.length) if value is None else fit_value(entry.tag, value, entry.length)
    return bytes(out)


def split_dol_data(dol: tuple[DolEntry, ...], data: bytes) -> dict[int, bytes]:
    """The card's side: cut DOL-formatted ``data`` back into tag -> value.

    Raises TlvError with code ``card.dol.length`` when ``data`` is not exactly as long
    as the DOL asks (the card answers ``6700``, PBOC JR/T 0025.5 GPO and GENERATE AC).
    """
    if len(data) != dol_length(dol):
        raise TlvError(
            f"DOL data is {len(data)} bytes, the DOL asks for {dol_length(dol)}",
            code="card.dol.length",
            offset=min(len(data), dol_length(dol)),
        )
    out: dict[int, bytes] = {}
    pos = 0
    for entry in dol:
        out.setdefault(entry.tag, data[pos : pos + entry.length])
        pos += entry.length
    return out

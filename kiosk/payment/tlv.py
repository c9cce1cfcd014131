"""BER-TLV as EMV uses it (EMV 4.3 Book 3 Annex B; ISO/IEC 8825-1 subset).

Why by hand: the BER libraries on PyPI (asn1crypto, pyasn1) decode against an ASN.1
schema and reject EMV's private-class tags, ``00``/``FF`` padding and its length
limits; the EMV subset is small and needs byte offsets in its errors.

Rules applied (Book 3 Annex B1-B3):

- a tag whose first byte has bits b5..b1 = ``11111`` continues while b8 of the next
  byte is set; b6 of the first byte marks a constructed object;
- a length below ``0x80`` is one byte; ``81``/``82``/``83``/``84`` announce 1-4 length
  bytes; ``80`` (indefinite) and ``85``-``FF`` are invalid;
- ``00`` and ``FF`` bytes before, between and after objects are padding (Annex B1).

Decoding is strict: any fault raises :class:`~kiosk.payment.errors.TlvError` with
``context['offset']`` set to the offset of the faulty byte in the outermost buffer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from kiosk.payment.errors import TlvError

__all__ = [
    "Tlv",
    "TlvList",
    "decode",
    "encode",
    "encode_length",
    "encode_tag",
    "read_length",
    "read_tag",
    "tag_is_constructed",
]

#: Longest tag accepted (bytes). EMV tags are at most 2 bytes in practice; PBOC uses
#: 2-byte ``DFxx``. Three leaves room for proprietary tags without unbounded reads.
MAX_TAG_BYTES = 3
#: Longest length field accepted: ``84`` + 4 bytes (Book 3 Annex B2 allows up to 4).
MAX_LENGTH_BYTES = 4
_PADDING = (0x00, 0xFF)


def tag_is_constructed(tag: int) -> bool:
    """True when ``tag`` denotes a constructed object (b6 of its first byte, Annex B1)."""
    first = tag.to_bytes(tag_size(tag), "big")[0]
    return bool(first & 0x20)


def tag_size(tag: int) -> int:
    """Number of bytes of ``tag`` as encoded (at least one)."""
    return max(1, (tag.bit_length() + 7) // 8)


def encode_tag(tag: int) -> bytes:
    """The tag's bytes; raises ``ValueError`` if ``tag`` is not a well-formed BER tag."""
    if tag < 0:
        raise ValueError(f"negative tag {tag}")
    raw = tag.to_bytes(tag_size(tag), "big")
    try:
        end, _ = _scan_tag(raw, 0, len(raw))
    except TlvError as exc:
        raise ValueError(f"malformed tag {raw.hex().upper()}") from exc
    if end != len(raw):
        raise ValueError(f"malformed tag {raw.hex().upper()}")
    return raw


def encode_length(n: int) -> bytes:
    """The BER length field for ``n`` bytes (short form below 128, else ``81``-``84``)."""
    if n < 0:
        raise ValueError(f"negative length {n}")
    if n < 0x80:
        return bytes([n])
    size = (n.bit_length() + 7) // 8
    if size > MAX_LENGTH_BYTES:
        raise ValueError(f"length {n} too large for BER-TLV")
    return bytes([0x80 | size]) + n.to_bytes(size, "big")


def encode(tag: int, value: bytes | Iterable[Tlv]) -> bytes:
    """One TLV object: ``tag`` and ``value`` (bytes, or child objects for a template)."""
    body = value if isinstance(value, bytes | bytearray) else b"".join(t.encode() for t in value)
    return encode_tag(tag) + encode_length(len(body)) + bytes(body)


def _scan_tag(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """Return (end of tag, tag) for the tag starting at ``pos``; TlvError if it runs off."""
    start = pos
    tag = data[pos]
    pos += 1
    if tag & 0x1F == 0x1F:
        while True:
            if pos >= end:
                raise TlvError(
                    "tag continues past the end of the data",
                    code="card.tlv.tag_truncated",
                    offset=start,
                )
            b = data[pos]
            tag = (tag << 8) | b
            pos += 1
            if pos - start > MAX_TAG_BYTES:
                raise TlvError(
                    f"tag longer than {MAX_TAG_BYTES} bytes",
                    code="card.tlv.tag_too_long",
                    offset=start,
                )
            if not b & 0x80:
                break
    return pos, tag


def read_tag(data: bytes, pos: int = 0, end: int | None = None) -> tuple[int, int]:
    """Read the tag at ``pos``: returns (tag, offset after it). Raises TlvError."""
    stop = len(data) if end is None else end
    if pos >= stop:
        raise TlvError("no tag: data ends", code="card.tlv.tag_truncated", offset=pos)
    after, tag = _scan_tag(data, pos, stop)
    return tag, after


def read_length(data: bytes, pos: int, end: int | None = None) -> tuple[int, int]:
    """Read the length field at ``pos``: returns (length, offset after it). Raises TlvError."""
    stop = len(data) if end is None else end
    if pos >= stop:
        raise TlvError("length missing: data ends", code="card.tlv.length_truncated", offset=pos)
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    size = first & 0x7F
    if size == 0 or size > MAX_LENGTH_BYTES:
        raise TlvError(
            f"invalid length form {first:02X}", code="card.tlv.bad_length_form", offset=pos
        )
    if pos + 1 + size > stop:
        raise TlvError(
            "length field runs past the end", code="card.tlv.length_truncated", offset=pos
        )
    return int.from_bytes(data[pos + 1 : pos + 1 + size], "big"), pos + 1 + size


@dataclass(frozen=True, slots=True)
class Tlv:
    """One decoded data object.

    ``children`` is set for constructed objects (their value decoded recursively) and
    empty for primitive ones. ``offset`` is where the tag starts in the decoded buffer.
    """

    tag: int
    value: bytes
    children: TlvList = field(default_factory=lambda: TlvList(()))
    offset: int = 0

    @property
    def constructed(self) -> bool:
        """True for templates (b6 of the tag's first byte)."""
        return tag_is_constructed(self.tag)

    def encode(self) -> bytes:
        """Re-encode with minimal length form (padding is not reproduced)."""
        return encode(self.tag, self.value)

    def __repr__(self) -> str:
        return f"Tlv({self.tag:X}, {self.value.hex().upper()})"


class TlvList(Sequence[Tlv]):
    """Decoded objects at one level, with depth-first lookup through templates."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[Tlv]) -> None:
        self._items: tuple[Tlv, ...] = tuple(items)

    @overload
    def __getitem__(self, i: int) -> Tlv: ...
    @overload
    def __getitem__(self, i: slice) -> TlvList: ...
    def __getitem__(self, i: int | slice) -> Tlv | TlvList:
        if isinstance(i, slice):
            return TlvList(self._items[i])
        return self._items[i]

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TlvList) and self._items == other._items

    def __hash__(self) -> int:
        return hash(self._items)

    def __repr__(self) -> str:
        return f"TlvList({list(self._items)!r})"

    def walk(self) -> Iterator[Tlv]:
        """Every object, depth first, templates before their contents."""
        for item in self._items:
            yield item
            yield from item.children.walk()

    def find(self, tag: int) -> Tlv | None:
        """The first object with ``tag``, searching depth first through templates."""
        return next((t for t in self.walk() if t.tag == tag), None)

    def find_all(self, tag: int) -> list[Tlv]:
        """Every object with ``tag``, depth first (e.g. each ``61`` entry of a directory)."""
        return [t for t in self.walk() if t.tag == tag]

    def first(self, tag: int) -> bytes | None:
        """The value of the first object with ``tag`` (depth first), or None."""
        found = self.find(tag)
        return None if found is None else found.value

    def __contains__(self, tag: object) -> bool:
        return isinstance(tag, int) and self.find(tag) is not None

    def to_dict(self) -> dict[int, bytes]:
        """Primitive objects by tag, depth first; the first occurrence of a tag wins."""
        out: dict[int, bytes] = {}
        for t in self.walk():
            if not t.constructed:
                out.setdefault(t.tag, t.value)
        return out

    def encode(self) -> bytes:
        """All objects of this level re-encoded back to back."""
        return b"".join(t.encode() for t in self._items)


def decode(data: bytes, *, strict: bool = True) -> TlvList:
    """Decode a buffer of BER-TLV objects (templates recursively); raises TlvError.

    With ``strict=False`` a template whose *contents* are malformed is kept as an
    opaque object (its value, no children) instead of failing the whole buffer, for
    diagnostics and traces; the outer structure must still be well formed.
    """
    return _decode(bytes(data), 0, len(data), depth=0, strict=strict)


#: Templates nest only a few levels in EMV (6F > A5 > BF0C > 61); a cap keeps hostile
#: input from recursing the interpreter to death.
_MAX_DEPTH = 16


def _decode(data: bytes, pos: int, end: int, *, depth: int, strict: bool) -> TlvList:
    if depth > _MAX_DEPTH:
        raise TlvError("templates nested too deep", code="card.tlv.too_deep", offset=pos)
    items: list[Tlv] = []
    while pos < end:
        if data[pos] in _PADDING:
            pos += 1
            continue
        start = pos
        tag, pos = read_tag(data, pos, end)
        length, pos = read_length(data, pos, end)
        if pos + length > end:
            raise TlvError(
                f"value of tag {tag:X} ({length} bytes) runs past the end",
                code="card.tlv.value_truncated",
                offset=start,
                tag=tag,
            )
        value = data[pos : pos + length]
        children = TlvList(())
        if tag_is_constructed(tag):
            try:
                children = _decode(data, pos, pos + length, depth=depth + 1, strict=strict)
            except TlvError:
                if strict:
                    raise
        items.append(Tlv(tag, value, children, start))
        pos += length
    return TlvList(items)

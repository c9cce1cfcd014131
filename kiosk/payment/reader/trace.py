"""A masked APDU trace for diagnostics: what went over the wire, minus card secrets.

The rule (docs/architecture.md "Card data") is that full PANs, Track 2 data and keys never
reach a log. Masking happens when a command completes; the raw wire exchanges are held only
until then:

- in responses, the values of the PAN (5A, first 6 and last 4 digits kept), Track 2
  equivalent data (57) and Track 2 data (9F6B) (PAN masked the same way, everything after the
  field separator masked), Track 1 data (56), the track discretionary data (9F1F, 9F20) and
  the other cardholder data (name, expiry, service code, ID number) are masked wherever they
  sit in the BER-TLV tree (EMV Book 3 Annex A);
- a response that came in several GET RESPONSE pieces is kept whole (masked) after its
  pieces, whose data is starred: a piece may hold part of a PAN no tag announces;
- a response that is not well-formed TLV (a broken card) is scanned byte by byte for those
  tags instead, and long runs of BCD digits are masked too;
- once a PAN has been seen, every later occurrence of it, BCD or ASCII, in either direction
  (DOL data the terminal sends back, log records, track 1 text) is masked;
- the data of commands that carry PINs or keys (VERIFY, CHANGE/UNBLOCK PIN, PUT KEY) is
  masked entirely.

Masked nibbles are written ``*`` in the hex text, so a trace can never be replayed as is.
The walker below is deliberately lenient and separate from the strict TLV decoder: it must
never raise on garbage, which is exactly when a trace is read.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.payment.apdu import Response, exchange

__all__ = ["ApduTrace", "TraceEntry", "mask_command", "mask_response", "traced_exchange"]

log = logging.getLogger("kiosk.payment.apdu")

#: Tags whose value holds a PAN followed by a field separator 'D' (EMV Book 3 Annex A).
_TRACK2_TAGS = {0x57, 0x9F6B}
#: Tags masked whole: track 1 text and discretionary data can hold the PAN and CVV-like codes;
#: the rest is cardholder data: name (5F20) and extended name (9F0B), expiry (5F24), service
#: code (5F30), and PBOC's cardholder ID number and type (9F61, 9F62; JR/T 0025.5 Annex A).
_OPAQUE_TAGS = {0x56, 0x9F1F, 0x9F20, 0x5F20, 0x9F0B, 0x5F24, 0x5F30, 0x9F61, 0x9F62}
_PAN_TAG = 0x5A
_SENSITIVE = _TRACK2_TAGS | _OPAQUE_TAGS | {_PAN_TAG}
#: INS codes whose command data is a PIN or key: VERIFY (EMV Book 3 §6.5.12), PIN CHANGE/
#: UNBLOCK (§6.5.10), RESET RETRY COUNTER (ISO/IEC 7816-4), PUT KEY (GlobalPlatform).
_SECRET_INS = {0x20, 0x24, 0x2C, 0xD8}
#: BCD runs this long (14+ digits) in unparseable data are treated as a possible PAN.
_BCD_RUN = 7


def _hex(data: bytes) -> list[str]:
    return [f"{b:02X}" for b in data]


def _mask_pan_digits(digits: str) -> str:
    """Keep the first 6 and last 4 digits (docs/architecture.md "Card data"), star the rest."""
    if len(digits) <= 10:
        return "*" * len(digits)
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def _pan_of(tag: int, value: bytes) -> str:
    """The PAN digits of a 5A / 57 / 9F6B value (trailing F padding and separator dropped)."""
    digits = value.hex().upper()
    if tag in _TRACK2_TAGS:
        digits = digits.split("D", 1)[0]
    return digits.rstrip("F")


def _masked_value(tag: int, value: bytes) -> list[str]:
    """Hex pairs for a sensitive value, masked; same length as the value."""
    digits = value.hex().upper()
    if tag in _OPAQUE_TAGS:
        masked = "*" * len(digits)
    elif tag == _PAN_TAG:
        pan = _pan_of(tag, value)
        masked = _mask_pan_digits(pan) + digits[len(pan) :]
    else:
        pan, sep, _rest = digits.partition("D")
        masked = _mask_pan_digits(pan) + sep + "*" * (len(digits) - len(pan) - len(sep))
    return [masked[i : i + 2] for i in range(0, len(masked), 2)]


def _read_header(data: bytes, pos: int) -> tuple[int, int, int] | None:
    """(tag, value offset, value length) of the TLV at ``pos``, or None if malformed."""
    end = len(data)
    if pos >= end:
        return None
    tag = data[pos]
    pos += 1
    if tag & 0x1F == 0x1F:
        while True:
            if pos >= end:
                return None
            tag = tag << 8 | data[pos]
            pos += 1
            if not data[pos - 1] & 0x80:
                break
    if pos >= end:
        return None
    length = data[pos]
    pos += 1
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 3 or pos + count > end:
            return None
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > end:
        return None
    return tag, pos, length


def _walk(data: bytes, start: int, end: int, out: list[str], pans: set[str]) -> bool:
    """Mask sensitive values in the TLV objects of data[start:end]; False if malformed."""
    pos = start
    while pos < end:
        if data[pos] in (0x00, 0xFF):  # padding between objects, EMV Book 3 Annex B
            pos += 1
            continue
        header = _read_header(data[:end], pos)
        if header is None:
            return False
        tag, vpos, length = header
        first = data[pos]
        if tag in _SENSITIVE:
            value = data[vpos : vpos + length]
            out[vpos : vpos + length] = _masked_value(tag, value)
            if tag in _TRACK2_TAGS or tag == _PAN_TAG:
                pans.add(_pan_of(tag, value))
        elif first & 0x20 and not _walk(data, vpos, vpos + length, out, pans):
            return False
        pos = vpos + length
    return True


def _scan(data: bytes, out: list[str], pans: set[str]) -> None:
    """Fallback for data that is not TLV: mask anything that looks like a sensitive object."""
    for pos in range(len(data)):
        header = _read_header(data, pos)
        if header and header[0] in _SENSITIVE and header[2]:
            tag, vpos, length = header
            out[vpos : vpos + length] = _masked_value(tag, data[vpos : vpos + length])
    run = 0
    for pos, byte in enumerate([*data, 0xFF]):
        if byte >> 4 < 10 and byte & 0xF < 10:
            run += 1
            continue
        if run >= _BCD_RUN:
            first = pos - run
            for i in range(first + 3, pos - 2):
                out[i] = "**"
        run = 0


def _mask_known_pans(text: str, pans: set[str]) -> str:
    """Star every BCD or ASCII occurrence of a PAN already seen in this trace."""
    for pan in pans:
        if len(pan) < 12:
            continue
        masked = _mask_pan_digits(pan)
        ascii_pan = "".join("3" + d for d in pan)
        masked_ascii = "".join("3" + d if d != "*" else "**" for d in masked)
        text = text.replace(pan, masked).replace(ascii_pan, masked_ascii)
    return text


def mask_response(raw: bytes, pans: set[str] | None = None) -> str:
    """Masked hex of a response (data + SW); PANs found are added to ``pans``."""
    pans = set() if pans is None else pans
    data, sw = raw[:-2], raw[-2:]
    out = _hex(data)
    if not _walk(data, 0, len(data), out, pans):
        out = _hex(data)
        _scan(data, out, pans)
    return _mask_known_pans("".join(out) + sw.hex().upper(), pans)


def mask_command(raw: bytes, pans: set[str] | None = None) -> str:
    """Masked hex of a command: PIN/key data starred, PANs already seen starred."""
    if len(raw) > 5 and raw[1] in _SECRET_INS:
        lc = raw[4]
        return raw[:5].hex().upper() + "**" * lc + raw[5 + lc :].hex().upper()
    return _mask_known_pans(raw.hex().upper(), pans or set())


@dataclass(frozen=True)
class TraceEntry:
    """One exchange, already masked: a wire exchange, or (``assembled``) the whole response
    of the chained wire exchanges just before it."""

    command: str
    response: str
    seconds: float
    assembled: bool = False


#: One wire exchange as it happened: command, response (empty if the link failed), seconds.
WireExchange = tuple[bytes, bytes, float]


class ApduTrace:
    """The last ``limit`` exchanges of a reader, masked, for diagnostics.

    Entries are masked as they are recorded; each is also logged at DEBUG on
    ``kiosk.payment.apdu``. The PANs seen are kept in memory only, to mask their later
    occurrences; :meth:`clear` forgets them.
    """

    def __init__(self, limit: int = 500) -> None:
        self._entries: deque[TraceEntry] = deque(maxlen=limit)
        self._pans: set[str] = set()

    def record_exchange(
        self, command: bytes, wire: list[WireExchange], assembled: bytes | None
    ) -> None:
        """Keep the wire exchanges of one logical command, and its whole response.

        When the response came in several pieces (GET RESPONSE chaining), a piece can hold
        part of a PAN that no single piece shows as a tag; so the pieces' data is starred out
        and the whole response (``assembled``) is kept masked instead. ``assembled`` is None
        when the command failed.
        """
        if assembled is not None:
            mask_response(assembled, self._pans)  # learn the PANs first
        pieces = sum(len(response) > 2 for _, response, _ in wire)
        for wire_command, response, seconds in wire:
            if len(response) < 2:
                masked = response.hex().upper()
            elif pieces > 1:
                masked = "**" * (len(response) - 2) + response[-2:].hex().upper()
            else:
                masked = mask_response(response, self._pans)
            self._add(TraceEntry(mask_command(wire_command, self._pans), masked, seconds))
        if pieces > 1 and assembled is not None:
            total = sum(seconds for _, _, seconds in wire)
            whole = mask_response(assembled, self._pans)
            self._add(TraceEntry(mask_command(command, self._pans), whole, total, assembled=True))

    def _add(self, entry: TraceEntry) -> None:
        self._entries.append(entry)
        kind = "R=" if entry.assembled else "R:"
        log.debug(
            "C: %s  %s %s  (%.1f ms)", entry.command, kind, entry.response, entry.seconds * 1e3
        )

    @property
    def entries(self) -> list[TraceEntry]:
        return list(self._entries)

    def text(self) -> str:
        """The trace as lines ``C: …`` / ``R: …``, oldest first; ``R= …`` is the whole
        response of a chained exchange."""
        return "".join(
            f"R= {e.response}\n" if e.assembled else f"C: {e.command}\nR: {e.response}\n"
            for e in self._entries
        )

    def clear(self) -> None:
        self._entries.clear()
        self._pans.clear()


def traced_exchange(
    send: Callable[[bytes], bytes], trace: ApduTrace, apdu: bytes, *, t0: bool
) -> Response:
    """:func:`~kiosk.payment.apdu.exchange` over ``send``, recording it in ``trace``.

    The raw wire exchanges are held only until the command completes (or fails), then masked.
    """
    wire: list[WireExchange] = []

    def send_recorded(command: bytes) -> bytes:
        start = time.perf_counter()
        response = b""
        try:
            response = send(command)
        finally:
            wire.append((command, response, time.perf_counter() - start))
        return response

    result: Response | None = None
    try:
        result = exchange(send_recorded, apdu, t0=t0)
    finally:
        trace.record_exchange(apdu, wire, None if result is None else bytes(result))
    return result

"""The acquirer's message format: the CUPS-style POS ISO 8583 dialect, in one place.

Everything the acquirer client and ``kiosk host-sim`` agree on about bytes lives here:
the pyiso8583 field specification, the framing, the MAC and the sub-field layouts.
Source: the UnionPay POS dialect as documented in the project's acquirer notes
(``shared/reference/iso8583-cups.md``); an acquirer's own interface specification wins.

Framing (one message on the TCP stream)::

    length (2, binary big-endian, counts all that follows)
    TPDU (5): 60 | destination (2) | source (2)    -- a reply swaps the two addresses
    header (6, BCD): 60 31 | status+requirement | 00 00 00
    MTI (2, BCD) | primary bitmap (8) | fields      -- the body pyiso8583 encodes

Field types: numeric fields are BCD (``n`` fixed right-aligned, 22 left-aligned, LL/LLL
lengths in BCD counting digits, odd counts padded with a trailing 0); ``an``/``ans`` are
ASCII; 55 and 62 are binary with a BCD LLL counting bytes; 64 is the MAC.

MAC (:func:`mac`) over the bytes from the MTI to the end of the last field before 64,
padded with zeros to a multiple of 8, by the scheme the acquirer names (notes §9, §14):

- :attr:`MacScheme.ECB`, the UnionPay POS "ECB" MAC (the default): the blocks XORed into
  R; ``E1 = DES(MAK, hex(R)[:8])``, ``E2 = DES(MAK, E1 xor hex(R)[8:])``; field 64 is the
  first 8 characters of ``hex(E2)`` as ASCII. A double-length MAK uses 3DES in both steps
  (equal halves give the single-DES result).
- :attr:`MacScheme.X919`, ANSI X9.19 (ISO/IEC 9797-1 MAC algorithm 3, the "retail MAC"):
  CBC-DES with the MAK's left half, then decrypt with the right half and encrypt with the
  left; field 64 is those 8 bytes. A single-length MAK (both halves the same key) gives
  the plain ANSI X9.9 CBC-MAC that some channels use.

Written here because no maintained Python library implements these banking MACs; the
block cipher (and its CBC mode) is ``cryptography``'s. Tests check both against
published vectors.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from typing import Any

import iso8583
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from kiosk.payment.errors import HostError

__all__ = [
    "HEADER",
    "SPEC",
    "TPDU",
    "BadMacError",
    "Field60",
    "Frame",
    "MacScheme",
    "block_cipher",
    "decode",
    "encode",
    "frame",
    "mac",
    "unframe",
]

#: TPDU of a request: ID 60, the acquirer front end's address, then the terminal's (0000).
TPDU = bytes.fromhex("6000030000")
#: Header: application class 60, software version 31, normal status, nothing required.
HEADER = bytes.fromhex("603100000000")
_PREFIX = len(TPDU) + len(HEADER)
_MAC_LEN = 8


def _n(length: int, desc: str, *, pad: str = "left") -> dict[str, Any]:
    """Fixed numeric, BCD; odd digit counts padded with a 0 nibble on ``pad``'s side."""
    spec = _field(desc, "b", "", 0, length, nibbles=True)
    if length % 2:
        spec["left_pad" if pad == "left" else "right_pad"] = "0"
    return spec


def _nvar(len_type: int, max_len: int, desc: str) -> dict[str, Any]:
    """Variable numeric (n/z): BCD length counting digits, digits left-aligned."""
    spec = _field(desc, "b", "bcd", len_type, max_len, nibbles=True)
    spec["right_pad"] = "0"
    return spec


def _field(
    desc: str, data_enc: str, len_enc: str, len_type: int, max_len: int, *, nibbles: bool = False
) -> dict[str, Any]:
    return {
        "data_enc": data_enc,
        "len_enc": len_enc or "ascii",
        "len_type": len_type,
        "max_len": max_len,
        "desc": desc,
        "len_count": "nibbles" if nibbles else "bytes",
    }


def _an(length: int, desc: str) -> dict[str, Any]:
    return _field(desc, "ascii", "", 0, length)


def _ans_var(len_type: int, max_len: int, desc: str) -> dict[str, Any]:
    return _field(desc, "ascii", "bcd", len_type, max_len)


def _b(length: int, desc: str) -> dict[str, Any]:
    return _field(desc, "b", "", 0, length)


def _bvar(max_len: int, desc: str) -> dict[str, Any]:
    return _field(desc, "b", "bcd", 2, max_len)


#: The field specification (pyiso8583 4.x). Maximum lengths are generous: acquirers differ
#: (notes §3), so the client validates meaning, not size. Field 65 is never used (4.x
#: takes it as the tertiary-bitmap flag); only the primary bitmap exists in this dialect.
SPEC: dict[str, dict[str, Any]] = {
    "h": _b(0, "Message Header (outside the body: TPDU and header are framing)"),
    "t": _b(2, "Message Type Indicator (BCD)"),
    "p": _b(8, "Primary Bitmap"),
    "1": _b(8, "Secondary Bitmap (not used in this dialect)"),
    "2": _nvar(1, 19, "Primary Account Number"),
    "3": _n(6, "Processing Code"),
    "4": _n(12, "Amount, Transaction (fen)"),
    "11": _n(6, "System Trace Audit Number"),
    "12": _n(6, "Time, Local Transaction (hhmmss)"),
    "13": _n(4, "Date, Local Transaction (MMDD)"),
    "14": _n(4, "Date, Expiration (YYMM)"),
    "15": _n(4, "Date, Settlement (MMDD)"),
    "22": _n(3, "POS Entry Mode (left-aligned)", pad="right"),
    "23": _n(3, "Card Sequence Number (right-aligned)"),
    "25": _n(2, "POS Condition Code"),
    "26": _n(2, "PIN Capture Code"),
    "32": _nvar(1, 11, "Acquiring Institution Identification Code"),
    "35": _nvar(1, 37, "Track 2 Data"),
    "36": _nvar(2, 104, "Track 3 Data"),
    "37": _an(12, "Retrieval Reference Number"),
    "38": _an(6, "Authorization Identification Response"),
    "39": _an(2, "Response Code"),
    "41": _an(8, "Card Acceptor Terminal Identification"),
    "42": _an(15, "Card Acceptor Identification Code"),
    "44": _ans_var(1, 25, "Additional Response Data"),
    "48": _nvar(2, 512, "Additional Data (settlement totals, batch records)"),
    "49": _an(3, "Currency Code, Transaction"),
    "52": _b(8, "PIN Data"),
    "53": _n(16, "Security Related Control Information"),
    "54": _ans_var(2, 40, "Balance Amount"),
    "55": _bvar(1024, "ICC Data (BER-TLV)"),
    "59": _ans_var(2, 999, "Acquirer-specific Data"),
    "60": _nvar(2, 19, "Reserved Private (60.1-60.7)"),
    "61": _nvar(2, 29, "Original Message Data"),
    "62": _bvar(512, "Reserved Private (working keys, terminal info)"),
    "63": _ans_var(2, 512, "Reserved Private (operator, card organisation)"),
    "64": _b(_MAC_LEN, "Message Authentication Code"),
}


class BadMacError(HostError):
    """A message whose field 64 does not verify: treated as no message at all."""

    code = "host.bad_mac"


def block_cipher(key: bytes, *, decrypt: bool = False) -> Any:
    """One-block ECB DES (8-byte key) or 2-key 3DES (16 bytes), as the dialect uses them."""
    if len(key) not in (8, 16):
        raise ValueError("DES/3DES keys here are 8 or 16 bytes")
    full = key * 3 if len(key) == 8 else key + key[:8]
    cipher = Cipher(TripleDES(full), modes.ECB())  # noqa: S305 - single blocks by design
    return cipher.decryptor() if decrypt else cipher.encryptor()


class MacScheme(enum.StrEnum):
    """How field 64 is computed (the acquirer's interface specification says which)."""

    ECB = "ecb"
    X919 = "x9.19"


def _ecb_mac(mak: bytes, padded: bytes) -> bytes:
    r = bytearray(8)
    for i in range(0, len(padded), 8):
        for j in range(8):
            r[j] ^= padded[i + j]
    text = r.hex().upper().encode("ascii")
    enc = block_cipher(mak)
    e1 = enc.update(text[:8])
    e2 = enc.update(bytes(a ^ b for a, b in zip(e1, text[8:], strict=True)))
    return e2.hex().upper().encode("ascii")[:8]


def _retail_mac(mak: bytes, padded: bytes) -> bytes:
    left, right = mak[:8], mak[8:] or mak[:8]
    chain = Cipher(TripleDES(left * 3), modes.CBC(bytes(8))).encryptor()
    last = chain.update(padded)[-8:]
    return bytes(block_cipher(left).update(block_cipher(right, decrypt=True).update(last)))


def mac(mak: bytes, data: bytes, scheme: MacScheme = MacScheme.ECB) -> bytes:
    """Field 64 over ``data`` (MTI up to field 63) by ``scheme``, see the module docstring."""
    padded = data + bytes(-len(data) % 8)
    return _ecb_mac(mak, padded) if scheme is MacScheme.ECB else _retail_mac(mak, padded)


def encode(
    fields: dict[str, str], mak: bytes | None = None, scheme: MacScheme = MacScheme.ECB
) -> bytes:
    """The body (MTI, bitmap, fields) of ``fields``; with ``mak``, field 64 is its MAC.

    ``fields`` maps field numbers (and ``"t"``) to pyiso8583's strings: digits for n/z,
    text for an/ans, uppercase hex for b. Raises HostError ``host.format`` for values the
    specification cannot carry (a programming or data error, not the network's).
    """
    doc = {k: v for k, v in fields.items() if k not in ("p", "64")}
    if mak is not None:
        doc["64"] = "0" * (2 * _MAC_LEN)
    try:
        body, _ = iso8583.encode(doc, SPEC)
    except iso8583.EncodeError as exc:
        raise HostError(f"cannot encode field {exc.field}: {exc.msg}", code="host.format") from exc
    if mak is not None:
        body[-_MAC_LEN:] = mac(mak, bytes(body[:-_MAC_LEN]), scheme)
    return bytes(body)


def decode(
    body: bytes, mak: bytes | None = None, scheme: MacScheme = MacScheme.ECB
) -> dict[str, str]:
    """The fields of ``body``; with ``mak``, field 64 must be present and verify.

    Raises HostError ``host.malformed`` for bytes that are not a message of this dialect
    and :class:`BadMacError` for a missing or wrong MAC.
    """
    try:
        fields, _ = iso8583.decode(bytearray(body), SPEC)
    except (iso8583.DecodeError, KeyError, ValueError) as exc:
        raise HostError(f"not an ISO 8583 message: {exc}", code="host.malformed") from exc
    fields.pop("p", None)
    fields.pop("h", None)
    if mak is not None:
        given = bytes.fromhex(fields.get("64", ""))
        if len(given) != _MAC_LEN or given != mac(mak, body[:-_MAC_LEN], scheme):
            raise BadMacError("the message's MAC does not verify", mti=fields.get("t", ""))
    return fields


@dataclass(frozen=True)
class Frame:
    """One message on the stream: TPDU, header and body (lengths fixed by the dialect)."""

    tpdu: bytes
    header: bytes
    body: bytes

    def reply(self, body: bytes) -> Frame:
        """The reply's frame: TPDU addresses swapped, same header."""
        return Frame(self.tpdu[:1] + self.tpdu[3:5] + self.tpdu[1:3], self.header, body)


def frame(message: Frame) -> bytes:
    """The bytes to write: 2-byte length, TPDU, header, body."""
    payload = message.tpdu + message.header + message.body
    if len(message.tpdu) != len(TPDU) or len(message.header) != len(HEADER):
        raise ValueError("TPDU is 5 bytes and the header 6")
    if len(payload) > 0xFFFF:
        raise HostError("message too long for its 2-byte length", code="host.format")
    return struct.pack(">H", len(payload)) + payload


def unframe(payload: bytes) -> Frame:
    """Split what followed a length prefix into TPDU, header and body."""
    if len(payload) <= _PREFIX or payload[0] != TPDU[0]:
        raise HostError("the frame has no TPDU and header", code="host.malformed")
    return Frame(payload[:5], payload[5:_PREFIX], payload[_PREFIX:])


@dataclass(frozen=True)
class Field60:
    """Field 60's sub-fields (notes §4); trailing empty ones are left out on the wire."""

    #: 60.1 transaction type: 00 management, 22 purchase, 25 refund, 36 offline upload, 46 EC
    #: cash load ...
    kind: str
    #: 60.2 batch number (from the sign-on reply).
    batch: int = 0
    #: 60.3 network management code: 000 financial, 003 sign-on, 201 settlement ...
    network: str = "000"
    #: 60.4 read capability (5 contact, 6 contactless) and 60.5 IC condition; "" to omit.
    capability: str = ""
    condition: str = ""

    def encode(self) -> str:
        return f"{self.kind}{self.batch:06d}{self.network}{self.capability}{self.condition}"

    @classmethod
    def decode(cls, digits: str) -> Field60:
        if len(digits) < 11 or not digits.isdigit():
            raise HostError(f"field 60 {digits!r} is too short", code="host.malformed")
        return cls(digits[0:2], int(digits[2:8]), digits[8:11], digits[11:12], digits[12:13])

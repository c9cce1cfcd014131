"""Command and response APDUs, and the transport rule: one command in, one status word out.

The transport layer hides what the link protocol makes the terminal do behind one logical
command (EMV Book 1 §9.3, ISO/IEC 7816-4 §5.1):

- ``61xx``: more data waits; fetch it with GET RESPONSE (Le = xx), as often as the card asks;
- ``6Cxx``: wrong Le; send the same command again with Le = xx;
- T=0 case 4: the command goes out as case 3 (Le dropped) and the data comes back through
  GET RESPONSE; a warning (``62xx``/``63xx``/``9xxx``) on such a command is kept and returned
  with the data fetched by a GET RESPONSE with Le = 00 (EMV Book 1 §9.3.1, the T=0
  transport rules, and its Annex A examples; plain ISO/IEC 7816-3 §12.2 would hand the
  warning up without data).

Only short APDUs exist in EMV (Lc, Le <= 256), so extended lengths are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kiosk.errors import UsageError
from kiosk.payment.errors import CardError

__all__ = ["CommandApdu", "Response", "exchange", "get_response"]

#: A raw link: command bytes in, response data + SW1 SW2 out.
RawSend = Callable[[bytes], bytes]

#: More GET RESPONSE / re-send rounds than any real card needs (a 4 KB log in 256-byte
#: pieces is 16): past this, the card is looping.
MAX_ROUNDS = 32


@dataclass(frozen=True)
class Response:
    """A response APDU: data field and status word."""

    data: bytes
    sw: int

    @classmethod
    def from_bytes(cls, raw: bytes) -> Response:
        """Split data + SW1 SW2; fewer than two bytes is a broken card (``CardError``)."""
        if len(raw) < 2:
            raise CardError(
                "the card answered without a status word", code="card.no_status", raw=raw.hex()
            )
        return cls(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        return self.sw & 0xFF

    @property
    def ok(self) -> bool:
        """True for ``9000``, the only 'normal processing' status EMV acts on."""
        return self.sw == 0x9000

    def __bytes__(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")


@dataclass(frozen=True)
class CommandApdu:
    """A short command APDU (ISO/IEC 7816-4 §5.1, cases 1-4); ``le`` 256 is written ``00``."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    @classmethod
    def parse(cls, raw: bytes) -> CommandApdu:
        """Decode a short APDU; a malformed one is a programming error (``UsageError``)."""
        raw = bytes(raw)
        if len(raw) < 4:
            raise UsageError("a command APDU needs at least CLA INS P1 P2", apdu=raw.hex())
        cla, ins, p1, p2 = raw[:4]
        body = raw[4:]
        if not body:
            return cls(cla, ins, p1, p2)
        if len(body) == 1:
            return cls(cla, ins, p1, p2, le=body[0] or 256)
        lc = body[0]
        if lc and len(body) == 1 + lc:
            return cls(cla, ins, p1, p2, data=body[1:])
        if lc and len(body) == 2 + lc:
            return cls(cla, ins, p1, p2, data=body[1:-1], le=body[-1] or 256)
        raise UsageError("malformed or extended-length command APDU", apdu=raw.hex())

    @property
    def case(self) -> int:
        """ISO/IEC 7816-3 §12.1 case: 1 no data, 2 Le only, 3 data only, 4 both."""
        return 1 + (self.le is not None) + 2 * bool(self.data)

    def with_le(self, le: int) -> CommandApdu:
        return CommandApdu(self.cla, self.ins, self.p1, self.p2, self.data, le or 256)

    def without_le(self) -> CommandApdu:
        return CommandApdu(self.cla, self.ins, self.p1, self.p2, self.data)

    def __bytes__(self) -> bytes:
        out = bytes((self.cla, self.ins, self.p1, self.p2))
        if self.data:
            out += bytes((len(self.data),)) + self.data
        if self.le is not None:
            out += bytes((self.le & 0xFF,))
        return out


def get_response(le: int) -> CommandApdu:
    """GET RESPONSE (EMV Book 1 §9.3.1): class '00' whatever the class of the command."""
    return CommandApdu(0x00, 0xC0, 0x00, 0x00, le=le or 256)


def _is_warning(sw: int) -> bool:
    """'62xx', '63xx' or '9xxx' other than '9000': a warning (EMV Book 1 §9.3.1)."""
    return sw >> 8 in (0x62, 0x63) or (sw >> 12 == 0x9 and sw != 0x9000)


def exchange(send: RawSend, apdu: bytes, *, t0: bool = False) -> Response:
    """Run one logical command over ``send``, doing the GET RESPONSE / re-send rounds.

    ``t0`` selects the T=0 rules for case 4 commands. Raises ``UsageError`` for a malformed
    command, ``CardError`` (``card.no_status``, ``card.chaining``) for a card that answers
    without a status word or keeps asking for more rounds than any real card would.
    """
    command = CommandApdu.parse(apdu)
    wire = command.without_le() if t0 and command.case == 4 else command
    response = Response.from_bytes(send(bytes(wire)))
    collected = bytearray()
    warning: int | None = None
    for _ in range(MAX_ROUNDS):
        if response.sw1 == 0x6C:
            wire = wire.with_le(response.sw2)
        elif response.sw1 == 0x61:
            collected += response.data
            wire = get_response(response.sw2)
        elif (
            t0
            and command.case == 4
            and warning is None
            and wire.ins != 0xC0
            and not response.data
            and _is_warning(response.sw)
        ):
            warning = response.sw
            wire = get_response(0)
        else:
            break
        response = Response.from_bytes(send(bytes(wire)))
    else:
        raise CardError(
            "the card keeps asking for GET RESPONSE / re-send rounds",
            code="card.chaining",
            apdu=apdu.hex(),
        )
    if warning is not None:
        # The warning is the command's outcome; the GET RESPONSE only carried its data.
        data = bytes(collected) + response.data if response.ok else bytes(collected)
        return Response(data, warning)
    return Response(bytes(collected) + response.data, response.sw)

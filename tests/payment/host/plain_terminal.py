"""A terminal played with plain APDUs over a Reader, until the kernel drives these tests.

Just enough of EMV Book 3 to make purchases on the card simulator: SELECT by AID, GPO with
the PDOL, READ RECORD per AFL, GENERATE AC, the online step through an
``AuthorizationHost``, EXTERNAL AUTHENTICATE, the 2nd GENERATE AC and issuer scripts.
Every status word is asserted: a card that answered wrongly fails the test at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kiosk.payment import tlv
from kiosk.payment.dol import build_dol_data
from kiosk.payment.host.base import AuthorizationHost, AuthorizationRequest, AuthorizationResponse
from kiosk.payment.reader import Reader
from kiosk.payment.tags import Tag

TC, ARQC, AAC = 0x40, 0x80, 0x00
WHEN = dt.datetime(2026, 11, 27, 10, 30, 15)
#: Field-55 tags sent to the host (no PAN, no Track 2).
FIELD_55 = (
    Tag.APPLICATION_CRYPTOGRAM,
    Tag.CID,
    Tag.ISSUER_APPLICATION_DATA,
    Tag.UNPREDICTABLE_NUMBER,
    Tag.ATC,
    Tag.TVR,
    Tag.TRANSACTION_DATE,
    Tag.TRANSACTION_TYPE,
    Tag.AMOUNT_AUTHORISED,
    Tag.TRANSACTION_CURRENCY_CODE,
    Tag.AIP,
    Tag.TERMINAL_COUNTRY_CODE,
    Tag.AMOUNT_OTHER,
)


def bcd(fen: int, size: int = 6) -> bytes:
    return bytes.fromhex(f"{fen:0{size * 2}d}")


@dataclass
class PlainTerminal:
    """One transaction's terminal side over ``reader`` (a card must be connected)."""

    reader: Reader
    amount_fen: int
    when: dt.datetime = WHEN
    ec: bool = True
    values: dict[int, bytes] = field(default_factory=dict)
    card: dict[int, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.values |= {
            Tag.AMOUNT_AUTHORISED: bcd(self.amount_fen),
            Tag.AMOUNT_OTHER: bcd(0),
            Tag.TERMINAL_COUNTRY_CODE: b"\x01\x56",
            Tag.TRANSACTION_CURRENCY_CODE: b"\x01\x56",
            Tag.TVR: bytes(5),
            Tag.TRANSACTION_DATE: bytes.fromhex(self.when.strftime("%y%m%d")),
            Tag.TRANSACTION_TIME: bytes.fromhex(self.when.strftime("%H%M%S")),
            Tag.TRANSACTION_TYPE: b"\x00",
            Tag.UNPREDICTABLE_NUMBER: bytes.fromhex("1A2B3C4D"),
            Tag.MERCHANT_NAME_AND_LOCATION: "测试市场".encode("gb18030"),
            Tag.EC_TERMINAL_SUPPORT_INDICATOR: b"\x01" if self.ec else b"\x00",
            Tag.TTQ: bytes.fromhex("26800000"),
        }

    def send(self, apdu: bytes, expect: int | None = 0x9000) -> bytes:
        response = self.reader.transmit(apdu)
        if expect is not None:
            assert response.sw == expect, f"{apdu.hex()} -> {response.sw:04X}"
        return response.data

    def select(self, aid: str) -> tlv.TlvList:
        name = bytes.fromhex(aid)
        fci = tlv.decode(self.send(bytes([0, 0xA4, 4, 0, len(name)]) + name + b"\x00"))
        pdol = fci.find(Tag.PDOL)
        self.card[Tag.PDOL] = pdol.value if pdol else b""
        return fci

    def gpo(self) -> None:
        """GPO with the PDOL data; keeps AIP and AFL (format 1 or 2)."""
        data = tlv.encode(Tag.COMMAND_TEMPLATE, build_dol_data(self.card[Tag.PDOL], self.values))
        answer = tlv.decode(self.send(bytes([0x80, 0xA8, 0, 0, len(data)]) + data + b"\x00"))[0]
        if answer.tag == Tag.RESPONSE_FORMAT_1:
            self.card[Tag.AIP], self.card[Tag.AFL] = answer.value[:2], answer.value[2:]
        else:
            self.card |= tlv.decode(answer.value).to_dict()

    def read_records(self) -> None:
        afl = self.card[Tag.AFL]
        for i in range(0, len(afl), 4):
            sfi, first, last = afl[i] >> 3, afl[i + 1], afl[i + 2]
            for rec in range(first, last + 1):
                body = self.send(bytes([0, 0xB2, rec, sfi << 3 | 4, 0]))
                self.card |= tlv.decode(tlv.decode(body)[0].value).to_dict()

    def start(self, aid: str = "A000000333010101") -> None:
        self.select(aid)
        self.gpo()
        self.read_records()

    def generate_ac(self, p1: int, dol_tag: int = Tag.CDOL1) -> int:
        """GENERATE AC; keeps CID, ATC, AC and IAD; returns the CID."""
        data = build_dol_data(self.card[dol_tag], self.values)
        answer = tlv.decode(self.send(bytes([0x80, 0xAE, p1, 0, len(data)]) + data + b"\x00"))[0]
        if answer.tag == Tag.RESPONSE_FORMAT_1:
            v = answer.value
            self.card[Tag.CID], self.card[Tag.ATC] = v[:1], v[1:3]
            self.card[Tag.APPLICATION_CRYPTOGRAM], self.card[Tag.ISSUER_APPLICATION_DATA] = (
                v[3:11],
                v[11:],
            )
        else:
            self.card |= tlv.decode(answer.value).to_dict()
        return self.card[Tag.CID][0] & 0xC0

    @property
    def pan(self) -> str:
        return self.card[Tag.PAN].hex().upper().rstrip("F")

    @property
    def psn(self) -> str:
        return self.card.get(Tag.PAN_SEQUENCE_NUMBER, bytes(1)).hex()

    @property
    def atc(self) -> int:
        return int.from_bytes(self.card[Tag.ATC], "big")

    def request(self, stan: int = 1) -> AuthorizationRequest:
        icc = {t: v for t, v in (self.values | self.card).items() if t in FIELD_55}
        return AuthorizationRequest(
            amount_fen=self.amount_fen,
            currency="156",
            when=self.when,
            pan=self.pan,
            psn=self.psn,
            icc_data=icc,
            terminal_id="TEST0001",
            merchant_id="898000000000001",
            stan=stan,
        )

    def complete(self, response: AuthorizationResponse) -> int:
        """Issuer authentication, 2nd GENERATE AC asking for a TC, then the tag 72 scripts.

        Returns the CID of the 2nd GENERATE AC; scripts' status words go to ``script_sw``.
        """
        if response.issuer_authentication_data:
            data = response.issuer_authentication_data
            self.auth_sw = self.reader.transmit(bytes([0, 0x82, 0, 0, len(data)]) + data).sw
        self.values[Tag.AUTHORISATION_RESPONSE_CODE] = response.response_code.encode("ascii")
        cid = self.generate_ac(TC if response.approved else AAC, Tag.CDOL2)
        self.script_sw = [
            self.reader.transmit(cmd.value).sw
            for script in response.issuer_scripts
            for cmd in tlv.decode(script)[0].children
            if cmd.tag == 0x86
        ]
        return cid

    def online(self, host: AuthorizationHost, stan: int = 1) -> tuple[int, AuthorizationResponse]:
        """First GENERATE AC asking for an ARQC, the host, then :meth:`complete`."""
        assert self.generate_ac(ARQC) == ARQC
        response = host.authorize(self.request(stan))
        return self.complete(response), response

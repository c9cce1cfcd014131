"""Application procedures: several commands that together do one job for the kernel.

The middle layer between the transport (:mod:`kiosk.payment.apdu`, one command, one
status word) and the kernel's phases: SELECT by name (with next occurrence), reading a
directory (PSE SFI records), reading the records an AFL names, GET DATA. Every command
goes through one :class:`CardChannel`, which counts the APDUs of the transaction.

Errors: ``CardError`` for answers that cannot be used (bad status where 9000 is required,
malformed TLV, an AFL that breaks EMV Book 3 §10.2); reader errors pass through.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.payment import tlv
from kiosk.payment.apdu import CommandApdu, Response
from kiosk.payment.errors import CardError
from kiosk.payment.reader import Reader
from kiosk.payment.tags import Tag

__all__ = [
    "AflEntry",
    "CardChannel",
    "DirectoryEntry",
    "RecordSet",
    "decode_template",
    "directory_entries",
    "expect_ok",
    "parse_afl",
    "read_afl_records",
    "read_directory",
]

SW_OK = 0x9000
SW_RECORD_NOT_FOUND = 0x6A83
#: Directory files hold at most this many records we read (EMV Book 1 §12.2.3 does not
#: bound it; a card answering 9000 forever must not keep the terminal reading).
MAX_DIRECTORY_RECORDS = 32


class CardChannel:
    """One transaction's commands to the card, counted (``apdu_count`` in the result)."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.count = 0

    def send(
        self, cla: int, ins: int, p1: int, p2: int, data: bytes = b"", *, le: int | None = 0
    ) -> Response:
        """Send one command (``le`` 0 means Le = 00, None: no Le) and return the answer."""
        self.count += 1
        return self.reader.transmit(bytes(CommandApdu(cla, ins, p1, p2, data, le)))

    def send_raw(self, apdu: bytes) -> Response:
        """Send a command given whole, e.g. an issuer script command (tag 86)."""
        self.count += 1
        return self.reader.transmit(apdu)

    def select(self, name: bytes, *, next_occurrence: bool = False) -> Response:
        """SELECT by DF name, first or next occurrence (EMV Book 1 §11.3.2)."""
        return self.send(0x00, 0xA4, 0x04, 0x02 if next_occurrence else 0x00, name)

    def read_record(self, sfi: int, record: int) -> Response:
        """READ RECORD (EMV Book 3 §6.5.11): P2 = SFI << 3 | 100b."""
        return self.send(0x00, 0xB2, record, (sfi << 3) | 0x04)

    def get_data(self, tag: int) -> bytes | None:
        """GET DATA (Book 3 §6.5.7): the value of ``tag``, or None when the card has none
        or answers something else than the tag it was asked for."""
        response = self.send(0x80, 0xCA, tag >> 8, tag & 0xFF)
        if not response.ok:
            return None
        try:
            found = tlv.decode(response.data).find(tag)
        except CardError:
            return None
        return None if found is None else found.value


def expect_ok(response: Response, what: str) -> bytes:
    """The data of a 9000 answer; any other status is a ``CardError`` ``card.status``."""
    if not response.ok:
        raise CardError(
            f"{what} answered {response.sw:04X}", code="card.status", sw=f"{response.sw:04X}"
        )
    return response.data


def decode_template(data: bytes, template: int, what: str) -> tlv.TlvList:
    """``data`` must be exactly one ``template`` object; its children, else ``CardError``."""
    items = tlv.decode(data)
    if len(items) != 1 or items[0].tag != template:
        raise CardError(f"{what}: expected template {template:X}", code="card.template")
    return items[0].children


@dataclass(frozen=True)
class DirectoryEntry:
    """One ADF entry (tag 61) of a PSE directory or the PPSE FCI (EMV Book 1 §12.2.3)."""

    aid: bytes
    label: str
    priority: int  # tag 87, 0 when absent
    preferred_name: bytes = b""

    @property
    def needs_confirmation(self) -> bool:
        """87 b8: the cardholder must confirm before this application is used."""
        return bool(self.priority & 0x80)

    @property
    def rank(self) -> int:
        """Priority 1 (highest) .. 15; 'no priority' (0) sorts last (Book 1 §12.4)."""
        return self.priority & 0x0F or 16


def directory_entries(items: tlv.TlvList) -> list[DirectoryEntry]:
    """The ADF entries (61 with 4F) among ``items``; DDF entries (9D) are not followed."""
    entries = []
    for entry in items.find_all(Tag.APPLICATION_TEMPLATE):
        aid = entry.children.first(Tag.AID)
        if aid is None or not 5 <= len(aid) <= 16:
            continue
        priority = entry.children.first(Tag.APPLICATION_PRIORITY) or b"\x00"
        label = (entry.children.first(Tag.APPLICATION_LABEL) or b"").decode("ascii", "replace")
        entries.append(
            DirectoryEntry(aid, label, priority[0], entry.children.first(Tag.PREFERRED_NAME) or b"")
        )
    return entries


def read_directory(channel: CardChannel, sfi: int) -> list[DirectoryEntry]:
    """Read the PSE directory file ``sfi`` record by record until 6A83 (Book 1 §12.3.2).

    A record that is not a 70 template with well-formed TLV ends the directory method
    (``CardError``): the caller falls back to the list of AIDs.
    """
    entries: list[DirectoryEntry] = []
    for record in range(1, MAX_DIRECTORY_RECORDS + 1):
        response = channel.read_record(sfi, record)
        if response.sw == SW_RECORD_NOT_FOUND:
            break
        data = expect_ok(response, "READ RECORD of the directory")
        entries += directory_entries(decode_template(data, Tag.READ_RECORD_TEMPLATE, "directory"))
    return entries


@dataclass(frozen=True)
class AflEntry:
    """Four bytes of the AFL (EMV Book 3 §10.2): SFI, first and last record, ODA count."""

    sfi: int
    first: int
    last: int
    oda_count: int


def parse_afl(afl: bytes) -> list[AflEntry]:
    """Split and check the AFL; ``CardError`` ``card.afl`` when it breaks Book 3 §10.2."""
    if not afl or len(afl) % 4:
        raise CardError("the AFL is empty or not a multiple of 4 bytes", code="card.afl")
    entries = []
    for i in range(0, len(afl), 4):
        sfi, first, last, oda = afl[i] >> 3, afl[i + 1], afl[i + 2], afl[i + 3]
        if afl[i] & 0x07 or not 1 <= sfi <= 30 or first == 0 or last < first:
            raise CardError(f"AFL entry {afl[i : i + 4].hex()} is invalid", code="card.afl")
        if oda > last - first + 1:
            raise CardError(f"AFL entry {afl[i : i + 4].hex()}: ODA count", code="card.afl")
        entries.append(AflEntry(sfi, first, last, oda))
    return entries


@dataclass
class RecordSet:
    """What reading the AFL's records yields."""

    #: Primitive objects of every record, in reading order (tag, value).
    objects: list[tuple[int, bytes]]
    #: The static data to be authenticated (Book 3 §10.3).
    oda_data: bytes
    #: A record marked for ODA with SFI 1-10 was not a 70 template.
    oda_invalid: bool


def read_afl_records(channel: CardChannel, afl: bytes) -> RecordSet:
    """READ RECORD every record the AFL names (EMV Book 3 §10.2) and collect ODA data.

    Records of SFI 1-10 must be 70 templates: their *value* goes into the static data.
    Records of SFI 11-30 are the issuer's own, outside EMV (Book 3 §10.2, §10.3): one
    marked for ODA goes into the static data whole, tag and length included, and must be
    a 70 template (else ODA fails, ``oda_invalid``); one that is not a 70 template is not
    parsed at all — it may be any proprietary format. Raises ``CardError`` for a status
    other than 9000 or malformed TLV in SFI 1-10.
    """
    objects: list[tuple[int, bytes]] = []
    oda = bytearray()
    oda_invalid = False
    for entry in parse_afl(afl):
        for number in range(entry.first, entry.last + 1):
            data = expect_ok(channel.read_record(entry.sfi, number), "READ RECORD")
            for_oda = number - entry.first < entry.oda_count
            if entry.sfi <= 10:
                template = _record_template(data)
                if template is None:
                    raise CardError(
                        f"record {entry.sfi}.{number} is not a 70 template", code="card.record"
                    )
                if for_oda:
                    oda += template.value
            else:
                template = _record_template(data, strict=False)
                if for_oda:
                    oda += data
                    oda_invalid |= template is None
            if template is not None:
                objects += [(t.tag, t.value) for t in template.children.walk() if not t.constructed]
    return RecordSet(objects, bytes(oda), oda_invalid)


def _record_template(data: bytes, *, strict: bool = True) -> tlv.Tlv | None:
    """The record's 70 template, or None when it is not exactly one. Malformed TLV raises
    ``CardError`` when ``strict`` (SFI 1-10), else is just not a template."""
    try:
        items = tlv.decode(data)
    except CardError:
        if strict:
            raise
        return None
    return items[0] if len(items) == 1 and items[0].tag == Tag.READ_RECORD_TEMPLATE else None

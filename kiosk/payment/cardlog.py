"""Reading what a PBOC card remembers: its EC balance and limits, its logs, who it is.

An application procedure (several commands over one :class:`~kiosk.payment.reader.Reader`),
used by ``kiosk balance`` and by torn-transaction recovery:

- selection: SELECT by AID over the terminal's list (EMV 4.3 Book 1 §12.3.3, the
  list-of-AIDs method), enough for a card whose log is all that is wanted;
- EC data: GET DATA 9F79 balance, 9F77 balance limit, 9F78 single-transaction limit,
  9F6D reset threshold, 9F51 currency (PBOC JR/T 0025.13; Book 3 §6.5.7);
- transaction log: where it is from 9F4D in the FCI's BF0C (or GET DATA 9F4D), its
  layout from GET DATA 9F4F (a DOL), each record read with READ RECORD (SFI, record n)
  newest first until the card says 6A83 (Book 3 Annex D "transaction log"; JR/T 0025.5);
- EC load log: the same with DF4D / DF4F; each record is P1 P2 of the load command,
  balance before, balance after (n12 each), then the DF4F data (JR/T 0025.13);
- identity: GPO and the AFL's records for PAN and PSN, returned masked and as the
  kernel's keyed token (:mod:`kiosk.payment.kernel.pan`; the card's ATC moves, as in any
  balance inquiry; nothing is charged).

The commands go through the kernel's :class:`~kiosk.payment.procedures.CardChannel`.

Errors are :class:`CardLogError` (a ``CardError``) with codes ``card.log.*``; reader
faults pass through as ``ReaderError``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kiosk.payment import tlv
from kiosk.payment.bcd import fen_of
from kiosk.payment.dol import build_dol_data, dol_length, parse_dol, split_dol_data
from kiosk.payment.errors import CardError, TlvError
from kiosk.payment.kernel.pan import mask_pan, pan_digits, pan_token
from kiosk.payment.procedures import SW_RECORD_NOT_FOUND, CardChannel, parse_afl
from kiosk.payment.reader import Interface, Reader
from kiosk.payment.tags import Tag

__all__ = [
    "CardLog",
    "CardLogError",
    "EcBalance",
    "LoadLogEntry",
    "LogEntry",
    "MaskedCard",
    "SelectedApplication",
    "read_card_identity",
    "read_card_log",
    "read_ec_balance",
    "select_by_aid",
]

#: UnionPay applications, debit first (docs/architecture.md "PBOC 3.0 in brief").
DEFAULT_AIDS = ("A000000333010101", "A000000333010102", "A000000333010103", "A000000333010106")


class CardLogError(CardError):
    """The card's log or EC data cannot be read (no application, bad format, bad record)."""

    code = "card.log.error"


@dataclass(frozen=True)
class SelectedApplication:
    aid: str
    label: str
    #: Primitive objects of the FCI (9F4D, DF4D, 9F38, DF69 …) by tag.
    fci: Mapping[int, bytes]


@dataclass(frozen=True)
class EcBalance:
    """Electronic cash data objects, in fen (None when the card lacks one)."""

    balance_fen: int
    balance_limit_fen: int | None = None
    single_limit_fen: int | None = None
    reset_threshold_fen: int | None = None
    currency: str = ""  # ISO 4217 numeric, "0156"


@dataclass(frozen=True)
class LogEntry:
    """One transaction log record; a field is None when the format lacks it or it is bad."""

    record: int
    amount_fen: int | None
    other_amount_fen: int | None
    date: dt.date | None
    time: dt.time | None
    atc: int | None
    transaction_type: int | None
    currency: str
    country: str
    merchant_name: str

    @property
    def when(self) -> dt.datetime | None:
        """Date and time together (naive, the terminal's local time as the card keeps it)."""
        if self.date is None:
            return None
        return dt.datetime.combine(self.date, self.time or dt.time())


@dataclass(frozen=True)
class LoadLogEntry:
    """One EC load log record (PUT DATA / UPDATE of the balance)."""

    record: int
    command: str  # P1 P2 of the load command, hex ("9F79")
    balance_before_fen: int | None
    balance_after_fen: int | None
    date: dt.date | None
    time: dt.time | None
    merchant_name: str


@dataclass(frozen=True)
class CardLog:
    """Everything :func:`read_card_log` learnt; entries newest first."""

    aid: str
    label: str
    ec: EcBalance | None
    entries: tuple[LogEntry, ...]
    load_entries: tuple[LoadLogEntry, ...]
    #: Records the transaction log holds (9F4D byte 2); 0 when the card keeps no log.
    log_capacity: int = 0


# --- small parsers ------------------------------------------------------------------------


def _date(value: bytes | None) -> dt.date | None:
    """YYMMDD (n6) as a date in 2000-2099 (Book 3 Annex A, 9A); None when invalid."""
    try:
        return dt.datetime.strptime(value.hex(), "%y%m%d").date() if value else None
    except ValueError:
        return None


def _time(value: bytes | None) -> dt.time | None:
    """HHMMSS (n6, 9F21); None when invalid."""
    try:
        return dt.datetime.strptime(value.hex(), "%H%M%S").time() if value else None
    except ValueError:
        return None


def _text(value: bytes | None) -> str:
    """9F4E as PBOC cards write it: GB18030 (ASCII-compatible), padded with 00 or spaces."""
    return (value or b"").rstrip(b"\x00 ").decode("gb18030", errors="replace")


def _split(fmt: bytes, record: bytes, *, what: str) -> dict[int, bytes]:
    """Cut ``record`` by the DOL ``fmt``; a longer record's tail is ignored (padding)."""
    try:
        dol = parse_dol(fmt)
        size = dol_length(dol)
        if len(record) < size:
            raise TlvError(f"{what} record is {len(record)} bytes, format says {size}")
        return split_dol_data(dol, record[:size])
    except TlvError as exc:
        raise CardLogError(
            f"{what} record does not fit its format: {exc}", code="card.log.bad_record"
        ) from exc


def parse_log_record(fmt: bytes, record: bytes, number: int) -> LogEntry:
    """One transaction log record by its 9F4F format."""
    v = _split(fmt, record, what="transaction log")
    atc = v.get(Tag.ATC)
    kind = v.get(Tag.TRANSACTION_TYPE)
    return LogEntry(
        record=number,
        amount_fen=fen_of(v.get(Tag.AMOUNT_AUTHORISED)),
        other_amount_fen=fen_of(v.get(Tag.AMOUNT_OTHER)),
        date=_date(v.get(Tag.TRANSACTION_DATE)),
        time=_time(v.get(Tag.TRANSACTION_TIME)),
        atc=int.from_bytes(atc, "big") if atc else None,
        transaction_type=kind[0] if kind else None,  # 9C n2: the code as written, 0x20
        currency=v.get(Tag.TRANSACTION_CURRENCY_CODE, b"").hex(),
        country=v.get(Tag.TERMINAL_COUNTRY_CODE, b"").hex(),
        merchant_name=_text(v.get(Tag.MERCHANT_NAME_AND_LOCATION)),
    )


def parse_load_record(fmt: bytes, record: bytes, number: int) -> LoadLogEntry:
    """One EC load log record: P1 P2, balance before and after (n12), then DF4F data."""
    if len(record) < 14:
        raise CardLogError("EC load log record too short", code="card.log.bad_record")
    v = _split(fmt, record[14:], what="EC load log")
    return LoadLogEntry(
        record=number,
        command=record[:2].hex().upper(),
        balance_before_fen=fen_of(record[2:8]),
        balance_after_fen=fen_of(record[8:14]),
        date=_date(v.get(Tag.TRANSACTION_DATE)),
        time=_time(v.get(Tag.TRANSACTION_TIME)),
        merchant_name=_text(v.get(Tag.MERCHANT_NAME_AND_LOCATION)),
    )


# --- commands -------------------------------------------------------------------------------


def _get_data(reader: Reader, tag: int) -> bytes | None:
    """GET DATA (Book 3 §6.5.7): the value of ``tag``, or None when the card has none."""
    return CardChannel(reader).get_data(tag)


def _read_record(reader: Reader, sfi: int, number: int) -> bytes | None:
    """READ RECORD (Book 3 §6.5.11); None at the end of the file (6A83)."""
    response = CardChannel(reader).read_record(sfi, number)
    if response.sw == SW_RECORD_NOT_FOUND:
        return None
    if not response.ok:
        raise CardLogError(
            f"READ RECORD SFI {sfi} record {number} refused ({response.sw:04X})",
            code="card.log.read_refused",
            sw=f"{response.sw:04X}",
        )
    return response.data


def select_by_aid(reader: Reader, aids: Sequence[str] = DEFAULT_AIDS) -> SelectedApplication:
    """Select the first of ``aids`` the card has (list-of-AIDs method, Book 1 §12.3.3).

    A blocked or missing application (any status but 9000) is skipped. Raises
    CardLogError ``card.log.no_application`` when none answers.
    """
    for aid in aids:
        response = CardChannel(reader).select(bytes.fromhex(aid))
        if not response.ok:
            continue
        try:
            fci = tlv.decode(response.data)
        except TlvError as exc:
            raise CardLogError(
                "the application's FCI is malformed", code="card.log.bad_fci"
            ) from exc
        name = fci.first(Tag.DF_NAME)
        label = fci.first(Tag.APPLICATION_LABEL) or b""
        return SelectedApplication(
            aid=(name or bytes.fromhex(aid)).hex().upper(),
            label=label.decode("ascii", errors="replace"),
            fci=fci.to_dict(),
        )
    raise CardLogError(
        "the card has none of the terminal's applications", code="card.log.no_application"
    )


def read_ec_balance(reader: Reader) -> EcBalance | None:
    """The selected application's EC data; None when it has no EC balance (9F79)."""
    balance = fen_of(_get_data(reader, Tag.EC_BALANCE))
    if balance is None:
        return None
    currency = _get_data(reader, Tag.APPLICATION_CURRENCY_CODE_PBOC)
    return EcBalance(
        balance_fen=balance,
        balance_limit_fen=fen_of(_get_data(reader, Tag.EC_BALANCE_LIMIT)),
        single_limit_fen=fen_of(_get_data(reader, Tag.EC_SINGLE_TRANSACTION_LIMIT)),
        reset_threshold_fen=fen_of(_get_data(reader, Tag.EC_RESET_THRESHOLD)),
        currency=currency.hex() if currency else "",
    )


def _log_location(reader: Reader, app: SelectedApplication, entry_tag: int) -> tuple[int, int]:
    """(SFI, record count) of a log from the FCI or GET DATA; (0, 0) when there is none."""
    entry = app.fci.get(entry_tag) or _get_data(reader, entry_tag)
    if not entry:
        return 0, 0
    if len(entry) != 2 or not 1 <= entry[0] <= 30:
        raise CardLogError(f"log entry {entry_tag:X} is malformed", code="card.log.bad_entry")
    return entry[0], entry[1]


def _log_records(
    reader: Reader, location: tuple[int, int], format_tag: int
) -> list[tuple[int, bytes, bytes]]:
    """(record number, record, format) for each record of one log, newest first."""
    sfi, count = location
    if not count:
        return []
    fmt = _get_data(reader, format_tag)
    if not fmt:
        raise CardLogError(
            f"the card gives no log format {format_tag:X}", code="card.log.no_format"
        )
    out = []
    for number in range(1, count + 1):
        record = _read_record(reader, sfi, number)
        if record is None:
            break
        out.append((number, record, fmt))
    return out


def read_card_log(reader: Reader, *, aids: Sequence[str] = DEFAULT_AIDS) -> CardLog:
    """Select, then read EC data, the transaction log and the EC load log (a card in the
    reader, connected by ``wait_for_card``)."""
    app = select_by_aid(reader, aids)
    ec = read_ec_balance(reader)
    location = _log_location(reader, app, Tag.LOG_ENTRY)
    entries = tuple(
        parse_log_record(fmt, rec, n)
        for n, rec, fmt in _log_records(reader, location, Tag.LOG_FORMAT)
    )
    load_location = _log_location(reader, app, Tag.EC_LOG_ENTRY)
    loads = tuple(
        parse_load_record(fmt, rec, n)
        for n, rec, fmt in _log_records(reader, load_location, Tag.EC_LOG_FORMAT)
    )
    return CardLog(app.aid, app.label, ec, entries, loads, location[1])


# --- identity ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaskedCard:
    """Who the card is, without its number: masked PAN and the kernel's keyed token."""

    pan_masked: str
    pan_token: str


def read_card_identity(
    reader: Reader,
    app: SelectedApplication,
    interface: Interface,
    *,
    token_key: bytes,
    when: dt.datetime,
) -> MaskedCard:
    """PAN and PSN through GPO and the AFL records, as masked PAN and keyed token.

    The GPO is a zero-amount balance inquiry (9C = 31) that cannot be approved: EC
    support 9F7A = 01 so an EC-only application answers, and on contactless a TTQ saying
    qPBOC, offline only (JR/T 0025.12), so the card declines in GPO. Raises CardLogError
    ``card.log.no_pan`` when the card shows no PAN, or ``card.log.gpo_refused``.
    """
    terminal: dict[int, bytes] = {
        Tag.AMOUNT_AUTHORISED: bytes(6),
        Tag.AMOUNT_OTHER: bytes(6),
        Tag.TERMINAL_COUNTRY_CODE: b"\x01\x56",
        Tag.TRANSACTION_CURRENCY_CODE: b"\x01\x56",
        Tag.TRANSACTION_DATE: bytes.fromhex(when.strftime("%y%m%d")),
        Tag.TRANSACTION_TYPE: b"\x31",
        Tag.UNPREDICTABLE_NUMBER: bytes(4),
        Tag.EC_TERMINAL_SUPPORT_INDICATOR: b"\x01",
    }
    if interface is Interface.CONTACTLESS:
        terminal[Tag.TTQ] = bytes.fromhex("28000000")
    data = tlv.encode(Tag.COMMAND_TEMPLATE, build_dol_data(app.fci.get(Tag.PDOL, b""), terminal))
    response = CardChannel(reader).send(0x80, 0xA8, 0x00, 0x00, data)
    if not response.ok:
        raise CardLogError(
            f"GPO refused ({response.sw:04X})", code="card.log.gpo_refused", sw=f"{response.sw:04X}"
        )
    values = _gpo_values(response.data)
    afl = values.get(Tag.AFL, b"")
    records = (
        [(e.sfi, n) for e in parse_afl(afl) for n in range(e.first, e.last + 1)] if afl else []
    )
    for sfi, number in records:
        if pan_digits(values) and Tag.PAN_SEQUENCE_NUMBER in values:
            break  # qPBOC gives both in GPO; contact cards in the first records
        record = _read_record(reader, sfi, number) or b""
        values = {**tlv.decode(record).to_dict(), **values}
    if not pan_digits(values):
        raise CardLogError("the card shows no PAN", code="card.log.no_pan")
    return MaskedCard(mask_pan(pan_digits(values)), pan_token(token_key, values))


def _gpo_values(data: bytes) -> dict[int, bytes]:
    """AIP/AFL and whatever else the GPO answer holds (format 1 or 2, Book 3 §6.5.8.4)."""
    try:
        answer = tlv.decode(data)[0]
    except (TlvError, IndexError) as exc:
        raise CardLogError("GPO answered malformed data", code="card.log.bad_gpo") from exc
    if answer.tag == Tag.RESPONSE_FORMAT_1 and len(answer.value) >= 2:
        return {Tag.AIP: answer.value[:2], Tag.AFL: answer.value[2:]}
    return answer.children.to_dict()

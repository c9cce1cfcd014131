"""The transaction context every phase reads and writes, and the TVR/TSI bit sets.

One :class:`TransactionContext` per transaction, with separate parts: the terminal's
configuration (kept between transactions), this transaction's parameters, the data the
card gave (:class:`CardData`), the terminal's own data (:class:`TerminalData`) and the
offline data authentication state (:class:`OdaState`). Each field says which phase writes
it and which read it.

A phase that must end the transaction raises :class:`Termination` with the outcome and a
stable reason code; ``run_transaction`` turns it into a result (never seen by callers).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.payment.errors import CardError
from kiosk.payment.kernel.types import AidEntry, Outcome, TerminalConfig, TransactionParams
from kiosk.payment.procedures import CardChannel
from kiosk.payment.reader import Interface
from kiosk.payment.tags import Tag

__all__ = [
    "CardData",
    "OdaState",
    "TerminalData",
    "Termination",
    "TransactionContext",
    "Tsi",
    "Tvr",
]


def _tvr_bit(byte: int, bit: int) -> int:
    """TVR byte 1..5, bit 8..1 as a flag value over the 5-byte big-endian TVR."""
    return 1 << ((5 - byte) * 8 + bit - 1)


class Tvr(enum.IntFlag):
    """Terminal Verification Results, 5 bytes (EMV 4.3 Book 3 Annex C5)."""

    ODA_NOT_PERFORMED = _tvr_bit(1, 8)
    SDA_FAILED = _tvr_bit(1, 7)
    ICC_DATA_MISSING = _tvr_bit(1, 6)
    CARD_ON_EXCEPTION_FILE = _tvr_bit(1, 5)
    DDA_FAILED = _tvr_bit(1, 4)
    CDA_FAILED = _tvr_bit(1, 3)
    SDA_SELECTED = _tvr_bit(1, 2)
    VERSION_MISMATCH = _tvr_bit(2, 8)
    EXPIRED = _tvr_bit(2, 7)
    NOT_YET_EFFECTIVE = _tvr_bit(2, 6)
    SERVICE_NOT_ALLOWED = _tvr_bit(2, 5)
    NEW_CARD = _tvr_bit(2, 4)
    CVM_NOT_SUCCESSFUL = _tvr_bit(3, 8)
    UNRECOGNISED_CVM = _tvr_bit(3, 7)
    PIN_TRY_LIMIT_EXCEEDED = _tvr_bit(3, 6)
    PIN_PAD_NOT_PRESENT = _tvr_bit(3, 5)
    PIN_NOT_ENTERED = _tvr_bit(3, 4)
    ONLINE_PIN_ENTERED = _tvr_bit(3, 3)
    FLOOR_LIMIT_EXCEEDED = _tvr_bit(4, 8)
    LOWER_OFFLINE_LIMIT_EXCEEDED = _tvr_bit(4, 7)
    UPPER_OFFLINE_LIMIT_EXCEEDED = _tvr_bit(4, 6)
    RANDOM_ONLINE = _tvr_bit(4, 5)
    MERCHANT_FORCED_ONLINE = _tvr_bit(4, 4)
    DEFAULT_TDOL_USED = _tvr_bit(5, 8)
    ISSUER_AUTHENTICATION_FAILED = _tvr_bit(5, 7)
    SCRIPT_FAILED_BEFORE_AC = _tvr_bit(5, 6)
    SCRIPT_FAILED_AFTER_AC = _tvr_bit(5, 5)

    @classmethod
    def from_hex(cls, text: str) -> Tvr:
        return cls(int(text, 16))

    def to_bytes5(self) -> bytes:
        return int(self).to_bytes(5, "big")


class Tsi(enum.IntFlag):
    """Transaction Status Information, 2 bytes (EMV 4.3 Book 3 Annex C6)."""

    ODA_PERFORMED = 0x8000
    CVM_PERFORMED = 0x4000
    CARD_RISK_MANAGEMENT_PERFORMED = 0x2000
    ISSUER_AUTHENTICATION_PERFORMED = 0x1000
    TERMINAL_RISK_MANAGEMENT_PERFORMED = 0x0800
    SCRIPT_PROCESSING_PERFORMED = 0x0400

    def to_bytes2(self) -> bytes:
        return int(self).to_bytes(2, "big")


class Termination(Exception):  # noqa: N818 - control flow between phases, never escapes
    """A phase ends the transaction with ``outcome`` for ``reason`` (a stable code)."""

    def __init__(self, outcome: Outcome, reason: str) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason


@dataclass
class CardData:
    """What the card told the terminal."""

    #: The selected application's AID (DF name 84). Written by ``select_application``;
    #: read by every later phase (CA key RID, field 55, result).
    aid: bytes = b""
    #: The terminal's entry for it (TACs, 9F09). Written by selection; read by
    #: processing restrictions and terminal action analysis.
    terminal_aid: AidEntry = field(default_factory=lambda: AidEntry(""))
    #: Application label / preferred name for the receipt. Written by selection.
    label: str = ""
    #: FCI of the selected application, primitive tags (9F38, DF69, 9F4D …). Written by
    #: selection; read by initiation (PDOL) and ODA (DF69).
    fci: dict[int, bytes] = field(default_factory=dict)
    #: AIP (82) and AFL (94). Written by ``initiate_application_processing`` (or the qPBOC
    #: GPO); read by reading, ODA, CVM, risk management and online processing.
    aip: bytes = b"\x00\x00"
    afl: bytes = b""
    #: Primitive data objects from the GPO answer and the records, by tag. Written by
    #: initiation and ``read_application_data``; read by every later phase.
    values: dict[int, bytes] = field(default_factory=dict)
    #: Static data to be authenticated (EMV Book 3 §10.3). Written by reading; read by ODA.
    oda_records: bytearray = field(default_factory=bytearray)
    #: A record marked for ODA was not a 70 template (Book 3 §10.3): ODA must fail.
    oda_record_invalid: bool = False
    #: The answer of the first / second GENERATE AC (or the qPBOC GPO): 9F27, 9F36,
    #: 9F26, 9F10. Written by card action analysis / completion / qPBOC; read by the result.
    cryptogram: dict[int, bytes] = field(default_factory=dict)

    def get(self, tag: int) -> bytes | None:
        return self.values.get(tag)

    def require(self, tag: Tag) -> bytes:
        """A value the phase cannot go on without; ``CardError`` ``card.data_missing``."""
        value = self.values.get(tag)
        if value is None:
            raise CardError(f"the card gave no {tag.name}", code="card.data_missing", tag=tag)
        return value

    def aip_has(self, byte: int, mask: int) -> bool:
        """AIP bit test (EMV Book 3 Annex C1): ``byte`` 1 or 2, ``mask`` the bit value."""
        return len(self.aip) >= byte and bool(self.aip[byte - 1] & mask)


@dataclass
class TerminalData:
    """The terminal's transaction data (EMV Book 3 Annex A1, terminal-sourced tags)."""

    #: 95. Written by every phase that finds a fault; read by action analysis, GENERATE AC
    #: data (CDOL), field 55 and the result.
    tvr: Tvr = field(default_factory=lambda: Tvr(0))
    #: 9B. Written by each phase as it is performed; read by CDOL2 and the result.
    tsi: Tsi = field(default_factory=lambda: Tsi(0))
    #: 9F37, 4 bytes. Written by ``run_transaction`` (params or rng); read by DOL data.
    unpredictable_number: bytes = b"\x00\x00\x00\x00"
    #: 9F34. Written by ``cardholder_verification``; read by CDOL1 and field 55.
    cvm_results: bytes = b"\x3f\x00\x00"
    #: 8A. Written by action analysis (Y1/Z1), online processing (host) or completion
    #: (Y3/Z3); read by CDOL2 and the result.
    arc: bytes = b""
    #: 9F7A as sent in the PDOL: 01 when this transaction offers the EC path. Written by
    #: ``initiate_application_processing``; read by the EC checks.
    ec_offered: bool = False
    #: 9F66 as sent to a qPBOC card. Written by the qPBOC GPO.
    ttq: bytes = b""
    #: EC balance (fen) read with GET DATA 9F79 before / after GENERATE AC, or 9F5D.
    ec_balance_before: int | None = None
    ec_balance_after: int | None = None
    #: ATC and last online ATC when read with GET DATA (terminal risk management).
    atc: int | None = None
    #: The host's answer (response code) when one came. Written by ``online_processing``.
    host_response_code: str = ""
    #: Issuer script results, 5 bytes per script run (EMV Book 4 Annex A5 9F5B; UnionPay
    #: sends them as DF31): result nibble (1 failed, 2 performed) and the number of the
    #: failing command, then the script identifier 9F18 or zeros. Written by
    #: ``issuer_script_processing``; read by the result (journal, acquirer advice).
    script_results: bytearray = field(default_factory=bytearray)
    #: Extra terminal values a DOL may ask for (91 issuer authentication data …).
    extra: dict[int, bytes] = field(default_factory=dict)


@dataclass
class OdaState:
    """Offline data authentication: what was tried and what came of it."""

    #: ``none`` | ``sda`` | ``dda`` | ``fdda``. Written by ODA; read by the result.
    method: str = "none"
    #: ``not_performed`` | ``passed`` | ``failed``.
    result: str = "not_performed"
    #: The failing step and reason, e.g. ``issuer_certificate:hash_mismatch``.
    failure: str = ""


@dataclass
class TransactionContext:
    """Everything one transaction knows; the phases take it and update it in place."""

    #: Kept between transactions; read by every phase, written by none.
    config: TerminalConfig
    #: This transaction (amount, clock ``when``, 9F37 override); read-only for the phases.
    params: TransactionParams
    #: Contact or contactless, from the card's presence. Read by selection (PSE or PPSE).
    interface: Interface
    #: The card link: counts APDUs. Written by ``run_transaction``; used by every phase
    #: that talks to the card.
    channel: CardChannel
    #: Random bytes source (EMV Book 3 §10.6.2 random selection, 9F37). Read by risk
    #: management and ``run_transaction``.
    rng: Callable[[int], bytes]
    card: CardData = field(default_factory=CardData)
    terminal: TerminalData = field(default_factory=TerminalData)
    oda: OdaState = field(default_factory=OdaState)
    #: Whether the card was asked to approve (GENERATE AC / qPBOC GPO sent).
    committed: bool = False
    #: Whether this transaction may go to the host now (policy, host given and reachable).
    online_capable: bool = False
    #: Whether the terminal can go online at all: a host given and policy not ``never``
    #: (else an offline-only terminal, EMV Book 4 Annex A1). Read by 9F35 and the reasons.
    host_configured: bool = False
    #: A decline reason known before the card answers (``card.ec_balance_low``). Written
    #: by the EC balance check; read when the card answers AAC.
    decline_reason: str = ""

    def restart(self, params: TransactionParams) -> None:
        """Forget the card's and the terminal's data for a new transaction on the same link.

        Called by the contact repricing only (:mod:`.reprice`, EMV Book 3 §10.1): ``params``
        replace this transaction's; config, channel (its APDU count goes on), random source
        and the online flags stay; a new 9F37 is drawn (or the fixed one kept).
        """
        self.params = params
        self.card, self.oda = CardData(), OdaState()
        un = params.unpredictable_number or self.rng(4)
        self.terminal = TerminalData(unpredictable_number=un)
        self.decline_reason = ""

    def set_tvr(self, bits: Tvr) -> None:
        self.terminal.tvr |= bits

    def set_tsi(self, bits: Tsi) -> None:
        self.terminal.tsi |= bits

    @property
    def electronic_cash(self) -> bool:
        """The card took the EC path: 9F74 ``ECC001`` among its data (JR/T 0025.13)."""
        return self.card.values.get(Tag.EC_ISSUER_AUTHORISATION_CODE) == b"ECC001"

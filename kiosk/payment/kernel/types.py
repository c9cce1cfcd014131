"""The kernel's public surface: what a caller configures, asks, hooks into and gets back.

``TerminalConfig`` is kept between transactions (it comes from the settings and the
hub's parameters); ``TransactionParams`` describe one purchase; ``KernelHooks`` let the
caller record the commit point (the journal's *pending* row must be written before the
card is asked to approve) and show progress; ``TransactionResult`` is everything the
journal, the receipt and ISO 8583 field 55 need. Expected outcomes (declined, go
online, try again, other interface) are results, not exceptions.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from kiosk.payment.reader import Interface

__all__ = [
    "AidEntry",
    "CardCommit",
    "KernelHooks",
    "OnlinePolicy",
    "Outcome",
    "PricingFacts",
    "TerminalConfig",
    "TransactionParams",
    "TransactionResult",
]

#: UnionPay applications: debit, credit, quasi-credit, pure electronic cash
#: (docs/architecture.md "PBOC 3.0 in brief").
UNIONPAY_AIDS = ("A000000333010101", "A000000333010102", "A000000333010103", "A000000333010106")


class Outcome(enum.StrEnum):
    """How a transaction ended (EMV Book A outcomes, PBOC wording)."""

    APPROVED_OFFLINE = "approved_offline"  # TC from the card without the host (EC: ARC Y1)
    APPROVED_ONLINE = "approved_online"
    DECLINED = "declined"  # AAC, or the host said no; nothing charged
    #: qPBOC only: fDDA failed and the card's CTQ says go online (the caller decides).
    ONLINE_REQUEST = "online_request"
    TRY_AGAIN = "try_again"  # card removed or reader fault; after the commit: uncertain
    USE_OTHER_INTERFACE = "use_other_interface"  # e.g. qPBOC card says 6984 / switch to contact
    END_APPLICATION = "end_application"  # no usable application, card blocked, data error


class OnlinePolicy(enum.StrEnum):
    AUTO = "auto"  # online when needed and a host is reachable; EC offline otherwise
    NEVER = "never"
    ALWAYS = "always"


@dataclass(frozen=True)
class AidEntry:
    """One application the terminal accepts (EMV Book 1 §12.3)."""

    aid: str  # hex
    partial_selection: bool = True
    application_version: str = "0030"  # 9F09
    #: Terminal action codes (EMV Book 3 §10.7), 5 bytes hex each.
    tac_default: str = "D84000A800"
    tac_denial: str = "0010000000"
    tac_online: str = "D84004F800"


@dataclass(frozen=True)
class TerminalConfig:
    """Terminal data kept between transactions. Amounts in fen."""

    terminal_id: str = "DEMO0001"  # 9F1C
    merchant_id: str = "898000000000001"  # 9F16
    merchant_name_location: str = ""  # 9F4E
    merchant_category_code: str = "5999"  # 9F15
    country_code: str = "0156"  # 9F1A
    currency_code: str = "0156"  # 5F2A
    currency_exponent: int = 2  # 5F36
    #: 9F33 of the hardware (EMV Book 4 Annex A2): byte 1 ``20`` IC with contacts only (no
    #: manual key entry, no magnetic stripe reader); byte 2 ``08`` no CVM required (no PIN
    #: pad; an attended terminal adds signature, ``20``, through ``attended``); byte 3
    #: ``C0`` SDA and DDA. 9F35 is derived (:func:`.data.terminal_type`).
    terminal_capabilities: str = "2008C0"
    #: 9F40 of an unattended kiosk (EMV Book 4 Annex A3): byte 1 ``60`` goods and
    #: services (no cash, no cashback); byte 3 ``20`` command keys (the touch screen);
    #: byte 4 ``50`` print and display for the cardholder; byte 5 ``01`` code table 1. An
    #: attended terminal adds the cashier's keys and display
    #: (:func:`.data.additional_capabilities`).
    additional_capabilities: str = "6000205001"
    #: 9F66 qPBOC terminal transaction qualifiers (JR/T 0025.12): qPBOC and contact chip
    #: supported. The per-transaction bits (byte 2 b8 "online cryptogram required", byte 1
    #: b4 "offline only") are set by the kernel from the amount and the online policy.
    ttq: str = "30000000"
    aids: tuple[AidEntry, ...] = tuple(AidEntry(a) for a in UNIONPAY_AIDS)
    ec_terminal_limit_fen: int = 100_000  # 9F7B
    floor_limit_fen: int = 50_000  # 9F1B
    #: Most the terminal holds in offline approvals not yet uploaded: above it (with
    #: ``TransactionParams.offline_total_fen``) nothing more is approved offline.
    max_offline_total_fen: int = 2_000_000
    cvm_required_limit_fen: int = 30_000  # above it an attended terminal asks for a CVM
    contactless_limit_fen: int = 100_000  # at or above it: use contact
    #: Random selection (EMV Book 3 §10.6.2): target %, max target %, threshold.
    random_target_percent: int = 20
    random_max_target_percent: int = 50
    random_threshold_fen: int = 20_000
    online: OnlinePolicy = OnlinePolicy.AUTO
    attended: bool = False
    #: Keyed hashes (``pan_token``) of blocked cards: the exception file (EMV Book 3 §10.3).
    exception_file: frozenset[str] = frozenset()
    #: Key for ``pan_token``: HMAC-SHA256 over PAN + PSN, so the same card is recognised
    #: later without the PAN being stored.
    pan_token_key: bytes = field(default=b"demo-terminal-token-key", repr=False)
    support_sm: bool = True  # DF69 SM algorithms
    #: Certification revocation list (EMV Book 2 §5.3 step 10): issuer certificates named
    #: ``RID/index/serial`` in hex, e.g. ``A000000333/F7/000001``.
    revocation_list: frozenset[str] = frozenset()
    #: Default DDOL when the card has no 9F49 (EMV Book 3 §10.3; must contain 9F37).
    default_ddol: str = "9F3704"
    #: Default TDOL when a CDOL asks for the TC hash (98) and the card has no 97 (Book 3
    #: §5.4): amount, currency, date, type, unpredictable number, TVR.
    default_tdol: str = "9F02065F2A029A039C019F37049505"


@dataclass(frozen=True)
class TransactionParams:
    """One transaction."""

    amount_fen: int
    when: datetime
    other_amount_fen: int = 0
    transaction_type: int = 0x00  # 9C: 00 purchase, 31 balance inquiry, 20 refund
    #: Fixed 9F37 (4 bytes) to replay a recorded session; None: from the random source.
    unpredictable_number: bytes | None = None
    #: 9F41, incremented by the caller per transaction.
    sequence_counter: int = 1
    force_online: bool = False
    #: Total of offline approvals not yet uploaded (for the terminal's own offline ceiling).
    offline_total_fen: int = 0
    #: Whether the configured host can be reached now (the caller's link monitor). With a
    #: host given but unreachable the kernel completes as "unable to go online".
    host_reachable: bool = True


@dataclass(frozen=True)
class CardCommit:
    """What is known of the card just before it is asked to approve (qPBOC: before GPO)."""

    interface: Interface
    aid: str
    pan_masked: str = ""  # empty on qPBOC, where GPO comes before the records
    pan_token: str = ""
    atc: int | None = None


@dataclass(frozen=True)
class PricingFacts:
    """What is known of the card while the amount may still change (``amount_for``).

    Contact: everything, after READ RECORD. Contactless (qPBOC): the AID only, after
    SELECT — the card decides in GPO, so ``bin`` is empty and ``electronic_cash`` False;
    discounts by BIN or by e-cash need the card inserted.
    """

    interface: Interface
    aid: str  # hex
    #: First 8 digits of a PAN of 16 or more digits, else the first 6 (never the full PAN).
    bin: str = ""
    #: The card took the EC path (9F74 ``ECC001`` in its records, JR/T 0025.13).
    electronic_cash: bool = False
    #: The keyed PAN token (contact only; per-card limits of subsidies), never the PAN.
    pan_token: str = ""


class KernelHooks(Protocol):
    def amount_for(self, card: PricingFacts) -> int | None:
        """The amount (fen) to charge now that ``card`` is known; None: unchanged.

        Called at most once, before ``before_card_commit``; only a lower amount is taken
        (a higher one raises ``UsageError``). Contact: after READ RECORD, a changed amount
        restarts the transaction on the card; qPBOC: after SELECT, before GPO.
        """
        ...

    def before_card_commit(self, card: CardCommit) -> None:
        """Called once, right before GENERATE AC (contact) or GPO (qPBOC); may raise to stop."""
        ...

    def progress(self, stage: str) -> None:
        """``card.selecting``, ``card.reading``, ``card.authenticating``, ``host.waiting``,
        ``card.completing``, ``card.remove`` (qPBOC: the card may leave the field)."""
        ...


@dataclass(frozen=True)
class OdaResult:
    method: str = "none"  # none | sda | dda | fdda | sm (SM2)
    result: str = "not_performed"  # not_performed | passed | failed
    failure: str = ""  # the failing step and reason


@dataclass(frozen=True)
class TransactionResult:
    """Everything a transaction produced. No full PAN, no Track 2, no keys."""

    outcome: Outcome
    interface: Interface
    #: Stable code for the customer-facing reason of a decline or failure
    #: (``card.ec_balance_low``, ``card.expired``, ``host.declined`` …).
    reason: str = ""
    aid: str = ""
    app_label: str = ""
    pan_masked: str = ""
    pan_token: str = ""
    amount_fen: int = 0
    cid: str = ""  # hex of 9F27 (or derived from the IAD)
    cryptogram: str = ""  # hex of 9F26
    atc: int | None = None
    tvr: str = "0000000000"
    tsi: str = "0000"
    oda: OdaResult = field(default_factory=OdaResult)
    response_code: str = ""  # Y1/Z1/Y3/Z3 offline, host's field 39 online
    #: Issuer script results (9F5B / UnionPay DF31), hex, 5 bytes per script; "" none run.
    #: ``tvr`` and ``tsi`` are as they stand after the second GENERATE AC and the scripts.
    script_results: str = ""
    electronic_cash: bool = False
    ec_balance_before_fen: int | None = None
    ec_balance_after_fen: int | None = None
    #: Tag (hex) -> value (hex) of the data for ISO 8583 field 55; never 5A, 57, 9F6B or keys.
    data: dict[str, str] = field(default_factory=dict)
    apdu_count: int = 0
    #: True once the card was asked to approve (GENERATE AC / qPBOC GPO sent): a committed
    #: ``TRY_AGAIN`` or ``END_APPLICATION`` is *uncertain* (the card may have approved).
    committed: bool = False

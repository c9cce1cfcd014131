"""What the kernel asks of an online authorisation host, and what it gets back.

The kernel sends the ARQC and the ICC data (ISO 8583 field 55) and receives the
authorisation response code, the issuer authentication data (tag 91: ARPC + ARC) and
any issuer scripts (tags 71/72). A host that does not answer in time raises
:class:`~kiosk.payment.errors.HostError` (code ``host.timeout``); one that answers
garbage raises ``HostError`` with code ``host.malformed``. The kernel then completes
as "unable to go online" (EMV Book 3 §10.9 / Book 4 §6.3.7): the card's 2nd GENERATE AC
decides, and the caller may send a reversal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from kiosk.payment.host.response_codes import response_code

__all__ = [
    "EC_CASH_LOAD",
    "AuthorizationHost",
    "AuthorizationRequest",
    "AuthorizationResponse",
    "ClearingHost",
]


#: 9C of an EC cash load (PBOC: 60 designated account, 62 non-designated, 63 cash).
EC_CASH_LOAD = 0x63


def _mask(pan: str) -> str:
    return pan[:6] + "*" * max(len(pan) - 10, 0) + pan[-4:] if len(pan) > 10 else "*" * len(pan)


@dataclass(frozen=True)
class AuthorizationRequest:
    """One authorisation (or reversal) request; lives in memory only.

    ``pan`` and ``psn`` are needed by the issuer to derive the card's keys and by an
    acquirer's message (field 2 / 23); they never go to a log, the journal or a receipt —
    ``repr`` masks the PAN.
    """

    amount_fen: int
    currency: str  # ISO 4217 numeric, "156"
    when: datetime
    pan: str = field(repr=False)
    psn: str  # two digits, "00" when the card has no 5F34
    #: Tag -> value of the ICC data the card and terminal produced (field 55), incl. 9F26.
    icc_data: dict[int, bytes]
    terminal_id: str
    merchant_id: str
    #: Systems trace audit number (field 11), unique per request of this terminal.
    stan: int
    transaction_type: int = 0x00

    @property
    def pan_masked(self) -> str:
        return _mask(self.pan)


@dataclass(frozen=True)
class AuthorizationResponse:
    """The host's answer; ``response_code`` is ISO 8583 field 39 (see :mod:`.response_codes`)."""

    response_code: str
    #: Tag 91: ARPC followed by the ARC (PBOC/EMV ARPC method 1), empty when none.
    issuer_authentication_data: bytes = b""
    #: Complete tag 71 / 72 templates, to be sent to the card before / after the 2nd GEN AC.
    issuer_scripts: tuple[bytes, ...] = ()
    #: Field 38 / tag 89.
    authorization_code: str = ""
    #: Field 37, for the receipt and reconciliation.
    retrieval_reference: str = ""

    @property
    def approved(self) -> bool:
        """Any approval code of :data:`~.response_codes.RESPONSE_CODES` (00, 10, 11)."""
        return response_code(self.response_code).approves

    @property
    def decline_reason(self) -> str:
        """The stable reason of a decline ("" for an approval)."""
        return response_code(self.response_code).reason


class AuthorizationHost(Protocol):
    """An acquirer (ISO 8583 over TCP, a later issue) or the in-process issuer simulator."""

    def authorize(self, request: AuthorizationRequest) -> AuthorizationResponse:
        """Ask for authorisation; raise HostError on timeout, network fault or garbage."""
        ...

    def reverse(self, request: AuthorizationRequest, *, reason: str) -> None:
        """Cancel an authorisation whose answer was lost or that the card then declined."""
        ...


@runtime_checkable
class ClearingHost(Protocol):
    """A host that also clears: the acquirer hears of offline approvals and script results,
    and keeps the final cryptogram of an online approval for its batch.

    No call raises for the network: what is owed is stored durably and sent with the next
    exchange or at settlement.
    """

    def advise(self, request: AuthorizationRequest) -> None:
        """An offline approval (TC in ``request.icc_data``) to be cleared (0320)."""
        ...

    def report_scripts(self, request: AuthorizationRequest, results: bytes) -> None:
        """The results (DF31) of the issuer scripts run for ``request`` (0620)."""
        ...

    def complete(self, request: AuthorizationRequest) -> None:
        """An online approval the card took: ``request.icc_data`` holds its TC (2nd GENERATE
        AC), which a batch upload carries in place of the ARQC."""
        ...

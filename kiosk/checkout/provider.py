"""The boundary between checkout and whatever takes the money.

The card kernel (``kiosk.payment``) is one provider; tests use scripted ones. A
provider must call :meth:`PaymentHooks.before_card_commit` right before the card
is asked to approve (first GENERATE AC, or GPO on qPBOC): after that call, the
card may have been debited, so any failure leaves the payment *uncertain* rather
than *aborted*. A provider that can price by card calls ``request.reprice`` at most once,
before that commit point, and then charges the amount it returns (None: unchanged).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from kiosk.sales.tickets import CardFacts


class PaymentVerdict(enum.StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    #: Ended before the card was asked to approve (cancelled, card removed, no card).
    ABORTED = "aborted"


@dataclass(frozen=True)
class PaymentRequest:
    """What the provider is asked to charge."""

    payment_id: int
    amount_fen: int
    reference: str
    now: datetime
    #: Set by the caller to stop waiting for a card.
    cancelled: Callable[[], bool] = lambda: False
    #: Asked once the card is known and before it is asked to approve: the new, lower
    #: amount to charge (the order and pending payment already say so), or None. Card
    #: providers ask it once (contact: after the records; contactless: with the AID only).
    reprice: Callable[[CardFacts], int | None] | None = None


@dataclass(frozen=True)
class CardIdentity:
    """What is known of the card at the commit point; enough to recognise it again."""

    pan_masked: str = ""
    pan_token: str = ""
    aid: str = ""
    interface: str = ""
    atc: int | None = None


@dataclass(frozen=True)
class PaymentOutcome:
    """The provider's answer. ``reason`` is a stable code for declines and aborts."""

    outcome: PaymentVerdict
    reason: str = ""
    path: str = ""
    interface: str = ""
    aid: str = ""
    app_label: str = ""
    pan_masked: str = ""
    pan_token: str = ""
    atc: int | None = None
    cid: str = ""
    cryptogram: str = ""
    response_code: str = ""
    ec_balance_before_fen: int | None = None
    ec_balance_after_fen: int | None = None
    card_data: dict[str, Any] = field(default_factory=dict)


class PaymentHooks(Protocol):
    def before_card_commit(self, card: CardIdentity) -> None:
        """Record that the card is about to be asked to approve. Raises if it cannot."""

    def progress(self, stage: str) -> None:
        """Tell the screen what is happening (``card.waiting``, ``card.reading`` …)."""


class PaymentProvider(Protocol):
    def pay(self, request: PaymentRequest, hooks: PaymentHooks) -> PaymentOutcome:
        """Take ``request.amount_fen`` from a card; raise a KioskError if the session broke."""

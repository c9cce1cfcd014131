"""The market's tenders besides a card alone: cash, and a card part with the rest in cash.

Both are :class:`~kiosk.checkout.provider.PaymentProvider`\\ s handed to
:meth:`Checkout.pay <kiosk.checkout.pipeline.Checkout.pay>`, so a cash sale runs the one
pipeline (order and pending payment journaled, outcome, receipt from the journal). The
payment's ``card_data["tenders"]`` lists the parts — ``{"kind": "card" | "cash", "fen":
…}`` plus ``tendered_fen`` and ``change_fen`` for cash — and the parts add up to the
payment's amount (:func:`split_tenders`). A split charges the card its part through the
card provider; if the card does not approve, nothing is taken in cash either.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from kiosk.checkout.provider import (
    PaymentHooks,
    PaymentOutcome,
    PaymentProvider,
    PaymentRequest,
    PaymentVerdict,
)
from kiosk.errors import KioskError
from kiosk.money import check_fen

__all__ = ["CashTender", "SplitTender", "TenderError", "cash_part", "split_tenders"]


class TenderError(KioskError):
    """The tender cannot pay the sale (too little cash, a card part not below the total)."""

    code = "tender.invalid"


def cash_part(amount_fen: int, tendered_fen: int) -> dict[str, Any]:
    """The cash tender of ``amount_fen`` paid with ``tendered_fen``: its change.

    Raises TenderError ``tender.short`` when the cash does not cover the amount.
    """
    check_fen(tendered_fen)
    if tendered_fen < amount_fen:
        raise TenderError(
            "not enough cash", code="tender.short", due=amount_fen, tendered=tendered_fen
        )
    return {
        "kind": "cash",
        "fen": amount_fen,
        "tendered_fen": tendered_fen,
        "change_fen": tendered_fen - amount_fen,
    }


def split_tenders(total_fen: int, card_fen: int, tendered_fen: int) -> list[dict[str, Any]]:
    """A card part of ``card_fen`` and the rest in cash; the parts add up to ``total_fen``.

    Raises TenderError ``tender.split`` unless 0 < card_fen < total, ``tender.short``.
    """
    if not 0 < card_fen < total_fen:
        raise TenderError(
            "the card part must be above zero and below the total",
            code="tender.split",
            card=card_fen,
            total=total_fen,
        )
    return [{"kind": "card", "fen": card_fen}, cash_part(total_fen - card_fen, tendered_fen)]


@dataclass(frozen=True)
class CashTender:
    """Cash: approved at once when ``tendered_fen`` covers the amount (the cashier counted it)."""

    tendered_fen: int

    def pay(self, request: PaymentRequest, hooks: PaymentHooks) -> PaymentOutcome:
        tender = cash_part(request.amount_fen, self.tendered_fen)
        return PaymentOutcome(PaymentVerdict.APPROVED, path="cash", card_data={"tenders": [tender]})


@dataclass(frozen=True)
class SplitTender:
    """``card_fen`` from the card (typically its e-cash balance), the rest in cash."""

    card: PaymentProvider
    card_fen: int
    tendered_fen: int

    def pay(self, request: PaymentRequest, hooks: PaymentHooks) -> PaymentOutcome:
        tenders = split_tenders(request.amount_fen, self.card_fen, self.tendered_fen)
        outcome = self.card.pay(replace(request, amount_fen=self.card_fen, reprice=None), hooks)
        if outcome.outcome is not PaymentVerdict.APPROVED:
            return outcome
        return replace(outcome, card_data={**outcome.card_data, "tenders": tenders})

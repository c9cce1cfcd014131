"""What the result screen says after a payment attempt, in the language of the moment.

Functions of the checkout's result and the order, called again on a language change (the
result screen keeps a renderer, not strings). Each returns ``(kind, headline, details,
advice)`` with ``kind`` one of ``success``, ``warning`` (paid, printing failed), ``failure``.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from kiosk.checkout import CheckoutResult, PaymentState
from kiosk.money import format_fen
from kiosk.sales.order import OrderDraft
from kiosk.sales.tickets import describe
from kiosk.ui.texts import explain

translate = QCoreApplication.translate
Words = tuple[str, str, str, str]


def failure(code: str, balance_fen: int | None = None) -> Words:
    """A failure in plain words: what happened and what to do (see :mod:`kiosk.ui.texts`)."""
    why = explain(code, balance_fen=balance_fen)
    return "failure", why.title, "", why.advice


def outcome_words(
    result: CheckoutResult, draft: OrderDraft, language: str, *, timed_out: bool
) -> Words:
    """The words for a finished checkout; ``timed_out``: the countdown ran out (no card)."""
    outcome = result.outcome
    if result.state is PaymentState.UNCERTAIN:
        return failure("payment.uncertain")
    if result.state is not PaymentState.APPROVED:
        balance = outcome.ec_balance_before_fen if outcome else None
        reason = result.reason or "declined"
        if result.state is PaymentState.ABORTED and timed_out:
            reason = "reader.timeout"
        return failure(reason, balance)
    details = _paid_details(result, draft, language)
    if result.unprinted:
        why = explain("printer.after_payment")
        return "warning", why.title, details, why.advice
    return (
        "success",
        translate("Result", "Payment approved"),
        details,
        translate("Result", "Please take your tickets and your receipt below."),
    )


def _paid_details(result: CheckoutResult, draft: OrderDraft, language: str) -> str:
    rows = [translate("Result", "Paid %1").replace("%1", format_fen(draft.total_fen))]
    tickets = sum(li.quantity for li in draft.lines)
    rows.append(translate("Result", "Tickets: %1").replace("%1", str(tickets)))
    if draft.meta.get("discount"):
        rows.append(describe(draft.meta["discount"], language))
    outcome = result.outcome
    if outcome is not None and outcome.ec_balance_after_fen is not None:
        rows.append(
            translate("Result", "E-cash left on your card: %1").replace(
                "%1", format_fen(outcome.ec_balance_after_fen)
            )
        )
    return "\n".join(rows)

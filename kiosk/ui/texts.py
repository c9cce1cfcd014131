"""Every checkout result and error ``code`` as plain, translated words: what happened, what to do.

One table, so that a new code shows up in one place and the translation file picks it up.
Codes come from :class:`~kiosk.errors.KioskError` subclasses and from the payment outcome's
``reason``; an unknown code falls back to its family (``card.*``, ``reader.*`` …), never to
the raw code.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from kiosk.money import format_fen

translate = QCoreApplication.translate


@dataclass(frozen=True)
class Explanation:
    """A title (what happened) and advice (what to do now), already translated."""

    title: str
    advice: str


def _table() -> dict[str, tuple[str, str]]:
    # Built on each call: the texts follow the language chosen at that moment.
    return {
        "declined": (
            translate("Reasons", "Your card declined the payment"),
            translate("Reasons", "Nothing was charged. Please try another card."),
        ),
        "card.declined": (
            translate("Reasons", "Your card declined the payment"),
            translate("Reasons", "Nothing was charged. Please try another card."),
        ),
        "host.declined": (
            translate("Reasons", "Your bank declined the payment"),
            translate("Reasons", "Nothing was charged. Please try another card."),
        ),
        "card.ec_balance_low": (
            translate("Reasons", "Not enough electronic cash on the card"),
            translate("Reasons", "Nothing was charged. Top up the card or use another card."),
        ),
        "host.unavailable": (
            translate("Reasons", "Your bank cannot be reached right now"),
            translate("Reasons", "Nothing was charged. Please try another card."),
        ),
        "card.end_application": (
            translate("Reasons", "This card cannot be used at this machine"),
            translate("Reasons", "Nothing was charged. Please use another card."),
        ),
        "card.blocked": (
            translate("Reasons", "This card is blocked"),
            translate(
                "Reasons", "Nothing was charged. Please contact your bank or use another card."
            ),
        ),
        "card.not_yet_effective": (
            translate("Reasons", "This card is not valid yet"),
            translate("Reasons", "Nothing was charged. Please use another card."),
        ),
        "card.expired": (
            translate("Reasons", "This card has expired"),
            translate("Reasons", "Nothing was charged. Please use another card."),
        ),
        "reader.card_removed": (
            translate("Reasons", "The card was taken away too early"),
            translate(
                "Reasons", "Nothing was charged. Please present the card again and hold it still."
            ),
        ),
        "card.try_again": (
            translate("Reasons", "The card could not be read"),
            translate("Reasons", "Nothing was charged. Please present the card again."),
        ),
        "card.use_other_interface": (
            translate("Reasons", "Please insert the card instead"),
            translate(
                "Reasons", "This card cannot pay by tapping. Insert it into the slot, chip first."
            ),
        ),
        "reader.timeout": (
            translate("Reasons", "No card was presented"),
            translate("Reasons", "Nothing was charged. Start again when you are ready."),
        ),
        "reader.cancelled": (
            translate("Reasons", "Payment cancelled"),
            translate("Reasons", "Nothing was charged."),
        ),
        "reader.unavailable": (
            translate("Reasons", "The card reader is not working"),
            translate("Reasons", "Nothing was charged. Please use another machine or ask staff."),
        ),
        "payment.unavailable": (
            translate("Reasons", "Card payment is not available on this machine yet"),
            translate("Reasons", "Nothing was charged. Please buy your tickets at the counter."),
        ),
        "payment.uncertain": (
            translate("Reasons", "We could not confirm your payment"),
            translate(
                "Reasons", "Do not pay again. Keep your card and ask staff: they will check it."
            ),
        ),
        "printer.after_payment": (
            translate("Reasons", "Paid, but the tickets could not be printed"),
            translate(
                "Reasons",
                "Your payment is safe. Please ask staff: your tickets and receipt will be "
                "reprinted.",
            ),
        ),
        "printer.paper_out": (
            translate("Reasons", "The printer is out of paper"),
            translate("Reasons", "Please use another machine or ask staff."),
        ),
        "printer.cover_open": (
            translate("Reasons", "The printer cover is open"),
            translate("Reasons", "Please use another machine or ask staff."),
        ),
        "printer.not_ready": (
            translate("Reasons", "The printer is not ready"),
            translate("Reasons", "Please use another machine or ask staff."),
        ),
        "printer.missing": (
            translate("Reasons", "No printer is connected"),
            translate("Reasons", "Please use another machine or ask staff."),
        ),
        "journal.unavailable": (
            translate("Reasons", "This machine cannot record sales right now"),
            translate("Reasons", "Please use another machine or ask staff."),
        ),
        "sale.sold_out": (
            translate("Reasons", "Sold out for today"),
            translate("Reasons", "Please choose fewer tickets or another ticket."),
        ),
        "sale.slot_required": (
            translate("Reasons", "Please choose an entry time"),
            translate("Reasons", "Timed tickets need an entry time before you can pay."),
        ),
        "internal": (
            translate("Reasons", "Something went wrong"),
            translate("Reasons", "Please ask staff for help."),
        ),
    }


#: Codes that share another code's words.
_SAME_AS = {
    "card.no_application": "card.end_application",
    "card.exception_file": "card.blocked",
    "card.other_interface": "card.use_other_interface",
    "payment.cancelled": "reader.cancelled",
}

_FAMILIES = {
    "card": "card.try_again",
    "reader": "reader.unavailable",
    "printer": "printer.not_ready",
    "host": "card.try_again",
    "journal": "journal.unavailable",
    "sale": "internal",
}


def explain(code: str, *, balance_fen: int | None = None) -> Explanation:
    """The words for ``code``; a low EC balance shows the balance left when it is known."""
    table = _table()
    code = _SAME_AS.get(code, code)
    key = code if code in table else _FAMILIES.get(code.split(".", 1)[0], "internal")
    title, advice = table[key]
    if key == "card.ec_balance_low" and balance_fen is not None:
        title = translate("Reasons", "Not enough electronic cash: %1 left on the card").replace(
            "%1", format_fen(balance_fen)
        )
    return Explanation(title, advice)


def known_codes() -> frozenset[str]:
    """The codes with their own text (tests check each is translated)."""
    return frozenset(_table())


def stage_text(stage: str) -> str:
    """The processing screen's line for a provider progress stage (``PaymentHooks.progress``)."""
    stages = {
        "card.waiting": translate("Reasons", "Waiting for your card…"),
        "card.selecting": translate("Reasons", "Reading your card…"),
        "card.reading": translate("Reasons", "Reading your card…"),
        "card.authenticating": translate("Reasons", "Checking your card…"),
        "host.waiting": translate("Reasons", "Asking your bank…"),
        "card.completing": translate("Reasons", "Finishing the payment…"),
        "card.remove": translate("Reasons", "You can take your card away now"),
        "printing": translate("Reasons", "Printing your tickets…"),
    }
    return stages.get(stage, translate("Reasons", "Please wait…"))


def gate_text(verdict: str, *, by_card: bool = False) -> Explanation:
    """The gate screen's words for a :class:`~kiosk.sales.gate.GateVerdict` value
    (``by_card``: the decision was on a tapped card, not a scanned code)."""
    if by_card and verdict == "unreadable":
        return Explanation(
            translate("Gate", "The card could not be read"),
            translate("Gate", "Please hold the card still on the reader and try again."),
        )
    texts = {
        "admit": (translate("Gate", "Welcome"), translate("Gate", "Please go through")),
        "used": (
            translate("Gate", "This ticket has already been used"),
            translate("Gate", "Each ticket admits one person once. Please ask staff."),
        ),
        "forged": (
            translate("Gate", "This ticket is not valid"),
            translate("Gate", "Please ask staff."),
        ),
        "unknown_issuer": (
            translate("Gate", "This ticket is not for this site"),
            translate("Gate", "Please ask staff."),
        ),
        "expired": (
            translate("Gate", "Your entry time has passed"),
            translate("Gate", "Please ask staff."),
        ),
        "too_early": (
            translate("Gate", "Your entry time has not started yet"),
            translate("Gate", "Please come back at the time on your ticket."),
        ),
        "wrong_day": (
            translate("Gate", "This ticket is for another day"),
            translate("Gate", "Please check the date on your ticket or ask staff."),
        ),
        "unreadable": (
            translate("Gate", "The code could not be read"),
            translate("Gate", "Please scan the QR code on your ticket again."),
        ),
        "test_ticket": (
            translate("Gate", "This is a test printout, not a ticket"),
            translate("Gate", "Test tickets do not admit anyone. Please ask staff."),
        ),
        "no_ticket": (
            translate("Gate", "This card has no ticket for today"),
            translate("Gate", "Please tap the card you paid with, or scan your QR code."),
        ),
        "journal.unavailable": (
            translate("Gate", "The gate cannot check tickets right now"),
            translate("Gate", "Please ask staff."),
        ),
    }
    title, advice = texts.get(verdict, texts["journal.unavailable"])
    return Explanation(title, advice)

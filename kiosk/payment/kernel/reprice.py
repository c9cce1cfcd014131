"""Repricing: the caller may lower the amount once the card is known (card discounts).

``KernelHooks.amount_for`` is asked once per transaction, before the commit point:

* **Contact**, after READ RECORD, with the AID, the BIN and whether the card took the EC
  path (9F74). The amount already went to the card in the GPO's PDOL data (9F02) and
  decided 9F7A (the EC offer, JR/T 0025.13), and the card chose its AIP/AFL from it; CDOL1
  then sends the amount again, and a card may check that both agree. Slipping a new
  amount into CDOL1 alone would thus make a transaction the card never agreed to start.
  Before the first GENERATE AC nothing is committed, so the terminal may end the
  transaction and start a new one on the same card: SELECT the same application again
  (Book 1 §12.4; the card drops what it had under way), then GPO and READ RECORD again
  (Book 3 §10.1, §10.2) with the new amount, so that PDOL, 9F7A and CDOL1 all agree.
  Cost: one SELECT, one GPO and the AFL's READ RECORDs again (no PSE; 9 APDUs on the
  ``debit-ec`` card), and one ATC value, which the card spends at GPO (PBOC cards count
  the ATC there) and the issuer sees as a gap, as after any transaction ended before
  GENERATE AC. A card that answers the second time with another PAN ends the
  transaction (``card.changed``): the price was worked out for the first.
* **Contactless** (qPBOC, JR/T 0025.12): the card decides *in* GPO, so only what is known
  before it counts: the AID, after SELECT. BIN and e-cash facts need the card inserted.
  The contactless limit is checked on the amount before repricing (before any command),
  so a discount never moves a sale from contact to contactless.

Only a lower amount (still above zero) is taken: a higher one is a caller's error
(``UsageError``), since discounts only lower the price and the customer saw the total.
"""

from __future__ import annotations

from dataclasses import replace

from kiosk.errors import UsageError
from kiosk.payment.kernel.context import Termination, TransactionContext
from kiosk.payment.kernel.initiate import GpoStatus, initiate_application_processing
from kiosk.payment.kernel.pan import pan_digits, pan_token
from kiosk.payment.kernel.qpboc import ttq_for
from kiosk.payment.kernel.read_data import read_application_data
from kiosk.payment.kernel.selection import Candidate, select_application
from kiosk.payment.kernel.types import KernelHooks, Outcome, PricingFacts
from kiosk.payment.procedures import DirectoryEntry

__all__ = ["reprice_contact", "reprice_contactless"]


def _bin(ctx: TransactionContext) -> str:
    """The PAN's issuer part: 8 digits of a PAN of 16 or more, else 6 (PCI DSS truncation)."""
    digits = pan_digits(ctx.card.values)
    return digits[: 8 if len(digits) >= 16 else 6]


def _ask(ctx: TransactionContext, hooks: KernelHooks | None, facts: PricingFacts) -> int | None:
    """The caller's new amount, or None when there is none or it equals the current one.

    Raises ``UsageError`` ``usage.amount_raised`` for an amount not in 1 .. current - 1.
    """
    if hooks is None:
        return None
    amount = hooks.amount_for(facts)
    current = ctx.params.amount_fen
    if amount is None or amount == current:
        return None
    if not 0 < amount < current:
        raise UsageError(
            "a card may only lower the amount, and not to nothing",
            code="usage.amount_raised",
            amount=amount,
            before=current,
        )
    return amount


def reprice_contact(ctx: TransactionContext, hooks: KernelHooks | None) -> bool:
    """Ask for the amount after READ RECORD; on a new one, restart on the same application.

    Returns whether the transaction was restarted. Raises ``Termination``
    ``card.restart_refused`` when the re-selected application refuses GPO (6985),
    ``card.changed`` when the records now name another card; ``ReaderError`` (card
    pulled) and ``CardError`` as the phases do; ``UsageError`` from :func:`_ask`.
    """
    facts = PricingFacts(
        ctx.interface,
        ctx.card.aid.hex().upper(),
        bin=_bin(ctx),
        electronic_cash=ctx.electronic_cash,
        pan_token=pan_token(ctx.config.pan_token_key, ctx.card.values),
    )
    amount = _ask(ctx, hooks, facts)
    if amount is None:
        return False
    card = ctx.card
    token = pan_token(ctx.config.pan_token_key, card.values)
    same = Candidate(DirectoryEntry(card.aid, card.label, 0), card.terminal_aid)
    ctx.restart(replace(ctx.params, amount_fen=amount))
    select_application(ctx, [same])
    if initiate_application_processing(ctx) is not GpoStatus.DONE:
        raise Termination(Outcome.END_APPLICATION, "card.restart_refused")
    read_application_data(ctx)
    if pan_token(ctx.config.pan_token_key, ctx.card.values) != token:
        raise Termination(Outcome.END_APPLICATION, "card.changed")
    return True


def reprice_contactless(ctx: TransactionContext, hooks: KernelHooks | None) -> None:
    """Ask for the amount after SELECT, before the qPBOC GPO, with the AID only; a new
    amount replaces the transaction's and the TTQ is worked out again from it."""
    amount = _ask(ctx, hooks, PricingFacts(ctx.interface, ctx.card.aid.hex().upper()))
    if amount is not None:
        ctx.params = replace(ctx.params, amount_fen=amount)
        ctx.terminal.ttq = ttq_for(ctx)

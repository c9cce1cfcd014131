"""Terminal risk management (EMV 4.3 Book 3 §10.6; PBOC JR/T 0025.13 for EC).

Floor limit (with the same card's recent amounts from the transaction history, §10.6.1),
random selection (§10.6.2, from the ``rng`` the caller gives), velocity checking with
9F14/9F23 and GET DATA of 9F36/9F13 (§10.6.3), and the exception file by ``pan_token``
(§10.6.1 note; docs/architecture.md "Card data": the blacklist holds tokens, never PANs).

On the EC path (9F74 ``ECC001``) the card itself checks balance and limits, and the EC
terminal transaction limit 9F7B takes the floor limit's place; random selection and
velocity checking, which only decide "go online", are not performed (JR/T 0025.13).
"""

from __future__ import annotations

from typing import Protocol

from kiosk.payment.kernel.context import TransactionContext, Tsi, Tvr
from kiosk.payment.kernel.pan import pan_token
from kiosk.payment.tags import Tag

__all__ = ["TransactionHistory", "offline_ceiling_reached", "terminal_risk_management"]


class TransactionHistory(Protocol):
    """The terminal's log of recent approvals (split-sale check, Book 3 §10.6.1)."""

    def recent_amount_fen(self, pan_token: str) -> int:
        """Total approved for this card in the current batch, in fen."""
        ...


def _random_percent(ctx: TransactionContext) -> int:
    """A number 1..99 from the transaction's random source (Book 3 §10.6.2)."""
    return int.from_bytes(ctx.rng(4), "big") % 99 + 1


def _random_selection(ctx: TransactionContext, amount: int) -> None:
    cfg = ctx.config
    floor, threshold = cfg.floor_limit_fen, cfg.random_threshold_fen
    if amount >= floor:
        return
    target = cfg.random_target_percent
    if amount >= threshold and floor > threshold:
        span = cfg.random_max_target_percent - target
        target += span * (amount - threshold) // (floor - threshold)
    if _random_percent(ctx) <= target:
        ctx.set_tvr(Tvr.RANDOM_ONLINE)


def _counter(ctx: TransactionContext, tag: Tag) -> int | None:
    value = ctx.card.values.get(tag)
    if value is None:
        value = ctx.channel.get_data(tag)
    return int.from_bytes(value, "big") if value is not None and len(value) == 2 else None


def _velocity(ctx: TransactionContext) -> None:
    lower = ctx.card.values.get(Tag.LOWER_CONSECUTIVE_OFFLINE_LIMIT)
    upper = ctx.card.values.get(Tag.UPPER_CONSECUTIVE_OFFLINE_LIMIT)
    if not lower or not upper:
        return
    atc = _counter(ctx, Tag.ATC)
    last_online = _counter(ctx, Tag.LAST_ONLINE_ATC) if atc is not None else None
    if atc is None or last_online is None or atc <= last_online:
        # Book 3 §10.6.3: ATC not above the last online ATC (or either missing): both bits.
        ctx.set_tvr(Tvr.LOWER_OFFLINE_LIMIT_EXCEEDED | Tvr.UPPER_OFFLINE_LIMIT_EXCEEDED)
        return
    ctx.terminal.atc = atc
    offline = atc - last_online
    if offline > lower[0]:
        ctx.set_tvr(Tvr.LOWER_OFFLINE_LIMIT_EXCEEDED)
    if offline > upper[0]:
        ctx.set_tvr(Tvr.UPPER_OFFLINE_LIMIT_EXCEEDED)
    if last_online == 0:
        ctx.set_tvr(Tvr.NEW_CARD)


def offline_ceiling_reached(ctx: TransactionContext) -> bool:
    """The terminal's own ceiling on offline approvals not yet uploaded would be passed:
    treated as the floor limit exceeded (Book 3 §10.6.1 leaves the limit to the terminal)."""
    total = ctx.params.offline_total_fen + ctx.params.amount_fen
    return total > ctx.config.max_offline_total_fen


def terminal_risk_management(
    ctx: TransactionContext, history: TransactionHistory | None = None
) -> None:
    """Set the TVR risk bits and TSI 'terminal risk management performed'."""
    ctx.set_tsi(Tsi.TERMINAL_RISK_MANAGEMENT_PERFORMED)
    token = pan_token(ctx.config.pan_token_key, ctx.card.values)
    if token and token in ctx.config.exception_file:
        ctx.set_tvr(Tvr.CARD_ON_EXCEPTION_FILE)
    amount = ctx.params.amount_fen
    if history is not None and token:
        amount += history.recent_amount_fen(token)
    if offline_ceiling_reached(ctx):
        ctx.set_tvr(Tvr.FLOOR_LIMIT_EXCEEDED)
    if ctx.electronic_cash:
        if amount >= ctx.config.ec_terminal_limit_fen:
            ctx.set_tvr(Tvr.FLOOR_LIMIT_EXCEEDED)
        return
    if amount >= ctx.config.floor_limit_fen:
        ctx.set_tvr(Tvr.FLOOR_LIMIT_EXCEEDED)
    _random_selection(ctx, amount)
    _velocity(ctx)

"""An order as the sales rules build it, before it is paid: lines, discount, total."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.config import Mode
from kiosk.money import MoneyError, check_fen


@dataclass(frozen=True)
class LineItem:
    """One line: ``quantity`` × ``unit_price_fen`` (weights are in grams with a per-jin price
    folded in by the market rules before the line is made, so amounts stay whole fen)."""

    sku: str
    name: str
    quantity: int
    unit_price_fen: int
    unit: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise MoneyError(f"{self.name}: quantity must be positive", code="order.quantity")
        check_fen(self.unit_price_fen, allow_zero=True)

    @property
    def amount_fen(self) -> int:
        return self.quantity * self.unit_price_fen


@dataclass(frozen=True)
class OrderDraft:
    """What the customer agreed to pay for; ``discount_fen`` already decided by the rules."""

    mode: Mode
    lines: tuple[LineItem, ...]
    discount_fen: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.lines:
            raise MoneyError("an order needs at least one line", code="order.empty")
        check_fen(self.discount_fen, allow_zero=True)
        if self.discount_fen > self.subtotal_fen:
            raise MoneyError("discount larger than the order", code="order.discount")
        check_fen(self.total_fen)

    @property
    def subtotal_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    @property
    def total_fen(self) -> int:
        return self.subtotal_fen - self.discount_fen

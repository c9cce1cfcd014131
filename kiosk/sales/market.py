"""The market counter's rules: items by PLU, a basket of weighed, counted and free-amount
lines, voids, supervisor price overrides and refunds of an earlier sale. No Qt, no I/O.

Items come from a plain dict shaped as the hub's parameter bundles carry it,
``{"items": [...], "subsidies": [...]}`` (:func:`parse_market`, a pure function the
sync side calls too); the demo's is ``assets/market/demo.json``.

Rounding (written here once, tested in ``tests/sales/test_market.py``): a weighed line
costs ``unit price per jin × grams / 500`` (per kg: ``/ 1000``), rounded half up to the
fen, as price-computing scales do (JJG 539: 0.075 shows 0.08). The line keeps the weight,
the unit price and the unit in its ``meta`` so the receipt can show all three and a
customer can check the sum.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kiosk.config import Mode
from kiosk.errors import ConfigError
from kiosk.money import MAX_FEN, MoneyError, check_fen
from kiosk.sales.order import LineItem, OrderDraft
from kiosk.sales.subsidy import SubsidyRule, parse_subsidies
from kiosk.sales.tickets import SaleError

__all__ = [
    "FREE_SKU",
    "MAX_GRAMS",
    "Basket",
    "MarketCatalog",
    "MarketItem",
    "Role",
    "Unit",
    "load_market",
    "parse_market",
    "refund_lines",
    "weighed_fen",
]

DEMO_MARKET = Path(__file__).resolve().parents[2] / "assets" / "market" / "demo.json"
#: The SKU of a line keyed as an amount (no item): "菜 ¥3.50".
FREE_SKU = "FREE"
#: The heaviest weight one line takes (a market scale's range is far below it).
MAX_GRAMS = 100_000


class Unit(enum.StrEnum):
    """How an item is sold: by weight (jin = 500 g, kg) or by count (piece, portion)."""

    JIN = "斤"
    KG = "kg"
    PIECE = "个"
    PORTION = "份"

    @property
    def grams(self) -> int | None:
        """Grams in one unit of a weighed item; None for counted ones."""
        return {Unit.JIN: 500, Unit.KG: 1000}.get(self)


class Role(enum.StrEnum):
    """Who is at the till; a supervisor may override prices and refund."""

    CASHIER = "cashier"
    SUPERVISOR = "supervisor"


def weighed_fen(unit_price_fen: int, grams: int, unit: Unit) -> int:
    """``unit_price_fen × grams / unit.grams``, rounded half up to the fen (integers only)."""
    per = unit.grams
    if per is None:
        raise SaleError(f"{unit} is not sold by weight", code="market.not_weighed")
    if not 0 < grams <= MAX_GRAMS:
        raise SaleError(f"weight out of range: {grams} g", code="market.weight", grams=grams)
    return (2 * unit_price_fen * grams + per) // (2 * per)


@dataclass(frozen=True)
class MarketItem:
    """One item on sale: PLU, names, unit, price per unit in fen, category, quick key."""

    plu: str
    name_zh: str
    name_en: str
    unit: Unit
    unit_price_fen: int
    category: str = ""
    #: The key (one character or F1–F12) that adds it from the quick-item grid; "" for none.
    quick_key: str = ""

    @property
    def weighed(self) -> bool:
        return self.unit.grams is not None

    def name(self, language: str) -> str:
        return self.name_zh if language == "zh_CN" else self.name_en


@dataclass(frozen=True)
class MarketCatalog:
    items: tuple[MarketItem, ...]
    subsidies: tuple[SubsidyRule, ...] = ()
    by_plu: Mapping[str, MarketItem] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_plu", {i.plu: i for i in self.items})

    def item(self, plu: str) -> MarketItem:
        """The item for ``plu``; raises SaleError ``market.unknown_plu``."""
        found = self.by_plu.get(plu.strip())
        if found is None:
            raise SaleError(f"no item with PLU {plu!r}", code="market.unknown_plu", plu=plu)
        return found

    def quick_items(self) -> tuple[MarketItem, ...]:
        return tuple(i for i in self.items if i.quick_key)


@dataclass
class Basket:
    """The sale being keyed. Voided lines stay (struck through, journaled) but are not sold."""

    lines: list[LineItem] = field(default_factory=list)
    voided: list[bool] = field(default_factory=list)

    def _add(self, line: LineItem) -> int:
        if self.total_fen + line.amount_fen > MAX_FEN:
            raise MoneyError("the sale is too large", code="money.too_large")
        self.lines.append(line)
        self.voided.append(False)
        return len(self.lines) - 1

    def add_weighed(self, item: MarketItem, grams: int) -> int:
        """A weighed line (its amount folded in by :func:`weighed_fen`); returns its index."""
        amount = weighed_fen(item.unit_price_fen, grams, item.unit)
        meta = {"grams": grams, "price_fen": item.unit_price_fen, "unit": item.unit.value}
        return self._add(LineItem(item.plu, item.name_zh, 1, amount, item.unit.value, meta))

    def add_count(self, item: MarketItem, count: int = 1) -> int:
        """``count`` pieces or portions of a counted item; returns the line's index."""
        if item.weighed:
            raise SaleError(f"{item.plu} is sold by weight", code="market.needs_weight")
        if not 0 < count <= 999:
            raise SaleError(f"count out of range: {count}", code="market.count")
        return self._add(
            LineItem(item.plu, item.name_zh, count, item.unit_price_fen, item.unit.value)
        )

    def add_free(self, amount_fen: int, name: str = "") -> int:
        """A line keyed as an amount, with no item; returns its index."""
        check_fen(amount_fen)
        return self._add(LineItem(FREE_SKU, name or "金额", 1, amount_fen, meta={"free": True}))

    def void_line(self, index: int) -> LineItem:
        """Strike line ``index`` from the sale; raises SaleError ``market.no_line``."""
        self._live(index)
        self.voided[index] = True
        return self.lines[index]

    def override(self, index: int, unit_price_fen: int, *, role: Role) -> LineItem:
        """Reprice line ``index`` (a supervisor's decision; the caller checked the PIN).

        A weighed line gets a new price per unit and its amount worked out again.
        Raises SaleError ``market.supervisor_required``, ``market.no_line``.
        """
        if role is not Role.SUPERVISOR:
            raise SaleError("a supervisor must approve", code="market.supervisor_required")
        line = self._live(index)
        check_fen(unit_price_fen)
        previous = line.meta.get("price_fen", line.unit_price_fen)
        meta = dict(line.meta, override_from_fen=previous)
        if "grams" in line.meta:
            amount = weighed_fen(unit_price_fen, line.meta["grams"], Unit(line.unit))
            new = replace(line, unit_price_fen=amount, meta=dict(meta, price_fen=unit_price_fen))
        else:
            new = replace(line, unit_price_fen=unit_price_fen, meta=meta)
        self.lines[index] = new
        return new

    def clear(self) -> list[LineItem]:
        """Void the whole sale; returns the lines that were live."""
        live = self.live_lines()
        self.lines.clear()
        self.voided.clear()
        return live

    def live_lines(self) -> list[LineItem]:
        return [li for li, gone in zip(self.lines, self.voided, strict=True) if not gone]

    @property
    def total_fen(self) -> int:
        return sum(li.amount_fen for li in self.live_lines())

    def draft(self) -> OrderDraft:
        """The order to pay; raises MoneyError ``order.empty`` when nothing is live."""
        return OrderDraft(Mode.MARKET, tuple(self.live_lines()))

    def _live(self, index: int) -> LineItem:
        if not 0 <= index < len(self.lines) or self.voided[index]:
            raise SaleError(f"no line {index + 1}", code="market.no_line", line=index)
        return self.lines[index]


def refund_lines(
    sold: Sequence[Mapping[str, Any]], chosen: Sequence[int], refunded: Sequence[int] = ()
) -> tuple[list[int], int]:
    """The line indexes and fen to refund of a sale whose lines are ``sold``
    (``{"amount_fen": …}`` each, as the journal keeps them).

    ``refunded``: lines already refunded. Raises SaleError ``market.refund_empty``,
    ``market.no_line``, ``market.refunded`` (a line cannot be refunded twice).
    """
    picked = sorted(set(chosen))
    if not picked:
        raise SaleError("choose the lines to refund", code="market.refund_empty")
    for index in picked:
        if not 0 <= index < len(sold):
            raise SaleError(f"no line {index + 1}", code="market.no_line", line=index)
        if index in refunded:
            raise SaleError(f"line {index + 1} was refunded", code="market.refunded", line=index)
    return picked, sum(int(sold[i]["amount_fen"]) for i in picked)


# -- loading ---------------------------------------------------------------------------------


def load_market(path: Path = DEMO_MARKET) -> MarketCatalog:
    """Read a JSON file of :func:`parse_market`'s shape (the demo's by default)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"market catalog not found: {path}", code="config.missing") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}", code="config.syntax") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected an object", code="config.type")
    return parse_market(data)


def parse_market(data: Mapping[str, Any]) -> MarketCatalog:
    """``{"items": [...], "subsidies": [...]}`` -> MarketCatalog; a bad entry raises
    ConfigError naming it (``items[2].unit``). Pure: no files, no clock."""
    raw = data.get("items")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(
            "market: items must be a non-empty list", code="config.value", key="items"
        )
    items = tuple(_item(entry, f"items[{i}]") for i, entry in enumerate(raw))
    for what, values in (
        ("PLU", [i.plu for i in items]),
        ("quick key", [i.quick_key for i in items if i.quick_key]),
    ):
        if len(set(values)) != len(values):
            raise ConfigError(f"market: two items share a {what}", code="config.value", key="items")
    return MarketCatalog(items, parse_subsidies(data.get("subsidies", [])))


def _item(entry: Any, where: str) -> MarketItem:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be an object", code="config.type", key=where)

    def text(key: str, *, required: bool = True) -> str:
        value = entry.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise ConfigError(f"{where}.{key}: expected text", code="config.type", key=where)
        return value.strip()

    plu = text("plu")
    if not plu.isdigit() or len(plu) > 6:
        raise ConfigError(f"{where}.plu: 1-6 digits", code="config.value", key=f"{where}.plu")
    try:
        unit = Unit(str(entry.get("unit")))
    except ValueError as exc:
        raise ConfigError(
            f"{where}.unit: one of {', '.join(u.value for u in Unit)}",
            code="config.value",
            key=f"{where}.unit",
        ) from exc
    price: Any = entry.get("unit_price_fen")
    try:
        check_fen(price)
    except MoneyError as exc:
        raise ConfigError(
            f"{where}.unit_price_fen: {exc}", code="config.value", key=f"{where}.unit_price_fen"
        ) from exc
    return MarketItem(
        plu,
        text("name_zh"),
        text("name_en"),
        unit,
        price,
        text("category", required=False),
        text("quick_key", required=False).upper(),
    )

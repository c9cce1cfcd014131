"""The ticket catalog, daily quotas and card discounts of a scenic spot or ticket hall.

The catalog is a TOML file (``assets/config/catalog.toml`` is the demo's) with
``[[product]]`` and ``[[discount]]`` tables; later the hub's parameter bundles carry
the same structure. A bad catalog raises :class:`~kiosk.errors.ConfigError` naming
the entry and key (``product[2].price_fen``).

Discounts are decided before payment and shown on screen and receipt. Some depend
only on the order (none yet), others on the card: its BIN (the first digits of the
PAN, e.g. a regional co-branded card), its application (AID), or that it pays from
electronic cash. When several apply, the customer gets the largest saving; they do
not stack.
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from kiosk.config import Mode
from kiosk.errors import ConfigError, KioskError
from kiosk.money import MAX_FEN, format_fen, percent_of
from kiosk.sales.order import LineItem, OrderDraft

CHINA = timezone(timedelta(hours=8), "CST")
DEMO_CATALOG = Path(__file__).resolve().parents[2] / "assets" / "config" / "catalog.toml"


class SaleError(KioskError):
    """The order cannot be sold as asked (sold out, slot over, nothing chosen)."""

    code = "sale.refused"


class DiscountKind(enum.StrEnum):
    PERCENT = "percent"  # value in basis points: 1000 = 10 % off
    FIXED = "fixed"  # value in fen off the order


@dataclass(frozen=True)
class TimeSlot:
    """An entry window on the day of the visit (for timed entry); whole-day tickets have none."""

    start: time
    end: time

    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True)
class TicketProduct:
    """A kind of ticket: who it is for, its price, its validity and its daily quota."""

    code: str
    name_zh: str
    name_en: str
    price_fen: int
    #: Sold per time slot when given; otherwise valid the whole day of the visit.
    slots: tuple[TimeSlot, ...] = ()
    #: Most tickets sold per day (per slot when slotted); None: no limit.
    daily_quota: int | None = None
    #: What the ticket holder must show at the gate (student card, ID …), printed on the ticket.
    note_zh: str = ""
    note_en: str = ""

    def name(self, language: str) -> str:
        return self.name_zh if language == "zh_CN" else self.name_en


@dataclass(frozen=True)
class CardFacts:
    """What a discount may look at, known once the card has been read (never the full PAN)."""

    bin: str = ""  # first 6–8 digits of the PAN
    aid: str = ""  # hex
    electronic_cash: bool = False
    #: The keyed PAN token when the PAN is known before approval (contact), else "".
    pan_token: str = ""


@dataclass(frozen=True)
class CardDiscount:
    """A discount for cards matching a BIN range, an application, or paying from e-cash."""

    code: str
    name_zh: str
    name_en: str
    kind: DiscountKind
    value: int
    bin_prefixes: tuple[str, ...] = ()
    aids: tuple[str, ...] = ()
    electronic_cash_only: bool = False
    #: Product codes it applies to; empty: the whole order.
    products: tuple[str, ...] = ()
    #: Largest amount off one order, in fen; None: no cap.
    cap_fen: int | None = None

    def matches(self, card: CardFacts) -> bool:
        if self.electronic_cash_only and not card.electronic_cash:
            return False
        if self.bin_prefixes and not any(card.bin.startswith(p) for p in self.bin_prefixes):
            return False
        return not self.aids or card.aid.upper() in self.aids

    def saving(self, draft: OrderDraft) -> int:
        """Fen off ``draft`` (never more than the lines it applies to)."""
        base = sum(
            li.amount_fen for li in draft.lines if not self.products or li.sku in self.products
        )
        off = percent_of(base, self.value) if self.kind is DiscountKind.PERCENT else self.value
        if self.cap_fen is not None:
            off = min(off, self.cap_fen)
        return min(off, base)

    def name(self, language: str) -> str:
        return self.name_zh if language == "zh_CN" else self.name_en


@dataclass(frozen=True)
class Catalog:
    products: tuple[TicketProduct, ...]
    discounts: tuple[CardDiscount, ...] = ()
    by_code: Mapping[str, TicketProduct] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_code", {p.code: p for p in self.products})

    def order(
        self,
        cart: Mapping[str, int],
        *,
        visit_day: date,
        slot: Mapping[str, TimeSlot] | None = None,
        sold: Mapping[tuple[str, str], int] | None = None,
    ) -> OrderDraft:
        """Build the order for ``cart`` (code -> count), checking slots and daily quotas.

        ``sold`` maps (product code, slot label or "") to tickets already sold for
        ``visit_day``. Raises :class:`SaleError` (``sale.empty``, ``sale.unknown_product``,
        ``sale.slot_required``, ``sale.sold_out``).
        """
        slot, sold = slot or {}, sold or {}
        lines = []
        for code, count in cart.items():
            if count <= 0:
                continue
            product = self.by_code.get(code)
            if product is None:
                raise SaleError(f"no such ticket: {code}", code="sale.unknown_product")
            chosen = slot.get(code)
            if product.slots and chosen not in product.slots:
                raise SaleError(f"{code}: choose an entry time", code="sale.slot_required")
            key = (code, chosen.label() if chosen else "")
            if product.daily_quota is not None:
                left = product.daily_quota - sold.get(key, 0)
                if count > left:
                    raise SaleError(
                        f"{code}: only {max(left, 0)} left",
                        code="sale.sold_out",
                        product=code,
                        left=max(left, 0),
                    )
            meta = {
                "ticket": True,
                "visit_day": visit_day.isoformat(),
                "slot": chosen.label() if chosen else "",
            }
            lines.append(LineItem(code, product.name_zh, count, product.price_fen, meta=meta))
        if not lines:
            raise SaleError("no ticket chosen", code="sale.empty")
        return OrderDraft(Mode.TICKET, tuple(lines))

    def best_discount(self, draft: OrderDraft, card: CardFacts) -> tuple[CardDiscount, int] | None:
        """The matching discount with the largest saving, and that saving; None if none."""
        offers = [(d, d.saving(draft)) for d in self.discounts if d.matches(card)]
        offers = [(d, off) for d, off in offers if off > 0]
        return max(offers, key=lambda o: o[1]) if offers else None

    def priced_for(self, draft: OrderDraft, card: CardFacts) -> OrderDraft | None:
        """``draft`` with the best discount for ``card`` applied; None when none applies
        (checkout's card pricing, :mod:`kiosk.checkout.pricing`)."""
        best = self.best_discount(draft, card)
        return None if best is None else with_discount(draft, *best)


def with_discount(draft: OrderDraft, discount: CardDiscount | None, saving: int) -> OrderDraft:
    """``draft`` with the discount applied (recorded in its meta for screen and receipt)."""
    if discount is None:
        return draft
    meta = dict(
        draft.meta,
        discount={
            "code": discount.code,
            "name_zh": discount.name_zh,
            "name_en": discount.name_en,
            "saving_fen": saving,
        },
    )
    return OrderDraft(draft.mode, draft.lines, discount_fen=saving, meta=meta)


# -- loading ---------------------------------------------------------------------------------


def load_catalog(path: Path = DEMO_CATALOG) -> Catalog:
    """Read and validate a catalog file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"catalog not found: {path}", code="config.missing") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", code="config.syntax") from exc
    return parse_catalog(data)


def parse_catalog(data: Mapping[str, Any]) -> Catalog:
    products = tuple(_product(p, f"product[{i}]") for i, p in enumerate(_tables(data, "product")))
    if not products:
        raise ConfigError("the catalog has no [[product]]", code="config.value", key="product")
    codes = [p.code for p in products]
    if len(set(codes)) != len(codes):
        raise ConfigError("two products share a code", code="config.value", key="product")
    discounts = tuple(
        _discount(d, f"discount[{i}]", set(codes)) for i, d in enumerate(_tables(data, "discount"))
    )
    return Catalog(products, discounts)


def _tables(data: Mapping[str, Any], key: str) -> Sequence[Mapping[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise ConfigError(f"{key}: must be [[{key}]] tables", code="config.type", key=key)
    return value


def _get(
    table: Mapping[str, Any],
    where: str,
    key: str,
    kind: type | tuple[type, ...],
    default: Any = ...,
) -> Any:
    if key not in table:
        if default is ...:
            raise ConfigError(f"{where}.{key}: missing", code="config.value", key=f"{where}.{key}")
        return default
    value = table[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ConfigError(
            f"{where}.{key}: wrong type {type(value).__name__}",
            code="config.type",
            key=f"{where}.{key}",
        )
    return value


def _fen(table: Mapping[str, Any], where: str, key: str, default: Any = ...) -> Any:
    value = _get(table, where, key, int, default)
    if value is not None and not 0 <= value <= MAX_FEN:
        raise ConfigError(
            f"{where}.{key}: {value} is not 0–{MAX_FEN} fen",
            code="config.value",
            key=f"{where}.{key}",
        )
    return value


def _no_unknown(table: Mapping[str, Any], where: str, known: set[str]) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        key = f"{where}.{unknown[0]}"
        raise ConfigError(f"unknown setting {key!r}", code="config.unknown_key", key=key)


def _product(t: Mapping[str, Any], where: str) -> TicketProduct:
    unknown = set(t) - {
        "code",
        "name_zh",
        "name_en",
        "price_fen",
        "slots",
        "daily_quota",
        "note_zh",
        "note_en",
    }
    if unknown:
        key = f"{where}.{sorted(unknown)[0]}"
        raise ConfigError(f"unknown setting {key!r}", code="config.unknown_key", key=key)
    slots = []
    for j, text in enumerate(_get(t, where, "slots", list, [])):
        try:
            start, end = (time.fromisoformat(x) for x in str(text).split("-"))
        except ValueError as exc:
            raise ConfigError(
                f"{where}.slots[{j}]: {text!r} is not HH:MM-HH:MM",
                code="config.value",
                key=f"{where}.slots",
            ) from exc
        slots.append(TimeSlot(start, end))
    quota = _get(t, where, "daily_quota", int, None)
    if quota is not None and quota < 0:
        raise ConfigError(
            f"{where}.daily_quota: negative", code="config.value", key=f"{where}.daily_quota"
        )
    return TicketProduct(
        code=_get(t, where, "code", str),
        name_zh=_get(t, where, "name_zh", str),
        name_en=_get(t, where, "name_en", str),
        price_fen=_fen(t, where, "price_fen"),
        slots=tuple(slots),
        daily_quota=quota,
        note_zh=_get(t, where, "note_zh", str, ""),
        note_en=_get(t, where, "note_en", str, ""),
    )


def _discount(t: Mapping[str, Any], where: str, codes: set[str]) -> CardDiscount:
    _no_unknown(
        t,
        where,
        {
            "code",
            "name_zh",
            "name_en",
            "kind",
            "value",
            "bin_prefixes",
            "aids",
            "electronic_cash_only",
            "products",
            "cap_fen",
        },
    )
    try:
        kind = DiscountKind(_get(t, where, "kind", str))
    except ValueError as exc:
        raise ConfigError(
            f"{where}.kind: percent or fixed", code="config.value", key=f"{where}.kind"
        ) from exc
    value = _fen(t, where, "value")
    if kind is DiscountKind.PERCENT and value > 10_000:
        raise ConfigError(
            f"{where}.value: more than 100 %", code="config.value", key=f"{where}.value"
        )
    products = tuple(_get(t, where, "products", list, []))
    if not set(products) <= codes:
        raise ConfigError(
            f"{where}.products: unknown product", code="config.value", key=f"{where}.products"
        )
    bins = tuple(str(b) for b in _get(t, where, "bin_prefixes", list, []))
    if not all(b.isdigit() and 1 <= len(b) <= 8 for b in bins):
        raise ConfigError(
            f"{where}.bin_prefixes: 1–8 digits each",
            code="config.value",
            key=f"{where}.bin_prefixes",
        )
    return CardDiscount(
        code=_get(t, where, "code", str),
        name_zh=_get(t, where, "name_zh", str),
        name_en=_get(t, where, "name_en", str),
        kind=kind,
        value=value,
        bin_prefixes=bins,
        aids=tuple(str(a).upper() for a in _get(t, where, "aids", list, [])),
        electronic_cash_only=_get(t, where, "electronic_cash_only", bool, False),
        products=products,
        cap_fen=_fen(t, where, "cap_fen", None),
    )


def describe(discount: Mapping[str, Any], language: str) -> str:
    """The discount an order records (``meta["discount"]``, see :func:`with_discount`) as one
    line for screen and receipt: ``本地联名卡九折 -¥12.00``."""
    name = discount["name_zh"] if language == "zh_CN" else discount["name_en"]
    return f"{name} {format_fen(-int(discount['saving_fen']))}"


def today_in_china(now: datetime) -> date:
    """The visit day for ``now``: the calendar day in China (UTC+8, no DST)."""
    return now.astimezone(CHINA).date()

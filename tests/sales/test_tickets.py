"""Ticket catalog: orders with quotas and slots, card discounts, and catalog validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.errors import ConfigError
from kiosk.sales.tickets import (
    CardFacts,
    DiscountKind,
    SaleError,
    TimeSlot,
    describe,
    load_catalog,
    parse_catalog,
    today_in_china,
    with_discount,
)

DAY = date(2026, 11, 27)
CATALOG = load_catalog()


def test_demo_catalog_loads() -> None:
    """The shipped demo catalog has the usual ticket types and both discount kinds."""
    assert {"ADULT", "CHILD", "SENIOR", "STUDENT"} <= set(CATALOG.by_code)
    assert {d.kind for d in CATALOG.discounts} == {DiscountKind.PERCENT, DiscountKind.FIXED}


def test_order_totals_and_metadata() -> None:
    """Two adults and a child cost 2 x 60 + 30 yuan; lines carry the visit day for the ticket."""
    draft = CATALOG.order({"ADULT": 2, "CHILD": 1, "SENIOR": 0}, visit_day=DAY)
    assert draft.total_fen == 15000 and [li.sku for li in draft.lines] == ["ADULT", "CHILD"]
    assert draft.lines[0].meta == {"ticket": True, "visit_day": "2026-11-27", "slot": ""}


@pytest.mark.parametrize(
    ("cart", "kwargs", "code"),
    [
        ({}, {}, "sale.empty"),
        ({"ADULT": 0}, {}, "sale.empty"),
        ({"VIP": 1}, {}, "sale.unknown_product"),
        ({"NIGHT": 1}, {}, "sale.slot_required"),
        ({"ADULT": 2}, {"sold": {("ADULT", ""): 4999}}, "sale.sold_out"),
        (
            {"NIGHT": 1},
            {
                "slot": {"NIGHT": TimeSlot(time(18, 30), time(19, 30))},
                "sold": {("NIGHT", "18:30–19:30"): 200},
            },
            "sale.sold_out",
        ),
    ],
    ids=["nothing", "zero-count", "unknown", "slot-missing", "quota", "slot-quota"],
)
def test_orders_refused(cart: dict, kwargs: dict, code: str) -> None:
    """Empty carts, unknown products, missing slots and sold-out quotas are refused by code."""
    with pytest.raises(SaleError) as info:
        CATALOG.order(cart, visit_day=DAY, **kwargs)
    assert info.value.code == code


def test_slot_quota_counts_per_slot() -> None:
    """A full 18:30 slot does not stop sales for 19:30."""
    late = TimeSlot(time(19, 30), time(20, 30))
    draft = CATALOG.order(
        {"NIGHT": 2}, visit_day=DAY, slot={"NIGHT": late}, sold={("NIGHT", "18:30–19:30"): 200}
    )
    assert draft.lines[0].meta["slot"] == "19:30–20:30"


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        (CardFacts(bin="62123456"), ("COBRAND", 1500)),
        (CardFacts(bin="62123456", electronic_cash=True), ("COBRAND", 1500)),
        (CardFacts(bin="62000000", electronic_cash=True), ("ECASH", 200)),
        (CardFacts(bin="62000000"), None),
    ],
    ids=["cobrand", "cobrand-beats-ecash", "ecash", "none"],
)
def test_best_discount(card: CardFacts, expected: tuple[str, int] | None) -> None:
    """The largest matching saving wins; discounts do not stack."""
    draft = CATALOG.order({"ADULT": 2, "CHILD": 1}, visit_day=DAY)
    best = CATALOG.best_discount(draft, card)
    assert (None if best is None else (best[0].code, best[1])) == expected
    if best:
        discounted = with_discount(draft, *best)
        assert discounted.total_fen == draft.total_fen - best[1]
        assert discounted.meta["discount"]["code"] == best[0].code


def test_discount_never_exceeds_its_lines() -> None:
    """A fixed discount on a cheap product, capped and limited to that product's lines."""
    cat = parse_catalog(
        {
            "product": [
                {"code": "A", "name_zh": "甲", "name_en": "A", "price_fen": 100},
                {"code": "B", "name_zh": "乙", "name_en": "B", "price_fen": 5000},
            ],
            "discount": [
                {
                    "code": "D",
                    "name_zh": "减",
                    "name_en": "Off",
                    "kind": "fixed",
                    "value": 500,
                    "products": ["A"],
                },
                {
                    "code": "P",
                    "name_zh": "折",
                    "name_en": "Pct",
                    "kind": "percent",
                    "value": 5000,
                    "cap_fen": 700,
                    "aids": ["a000000333010101"],
                },
            ],
        }
    )
    draft = cat.order({"A": 2, "B": 1}, visit_day=DAY)
    assert cat.discounts[0].saving(draft) == 200
    assert cat.discounts[1].saving(draft) == 700
    assert cat.discounts[1].matches(CardFacts(aid="A000000333010101"))
    assert not cat.discounts[1].matches(CardFacts(aid="A000000333010102"))


@given(st.integers(0, 10_000), st.integers(1, 50), st.integers(1, 100_000))
def test_percent_discount_bounds(bp: int, count: int, price: int) -> None:
    """Any percentage discount leaves a total between zero and the undiscounted total."""
    cat = parse_catalog(
        {
            "product": [{"code": "A", "name_zh": "甲", "name_en": "A", "price_fen": price}],
            "discount": [
                {"code": "D", "name_zh": "折", "name_en": "D", "kind": "percent", "value": bp}
            ],
        }
    )
    draft = cat.order({"A": count}, visit_day=DAY)
    saving = cat.discounts[0].saving(draft)
    assert 0 <= saving <= draft.total_fen


@pytest.mark.parametrize(
    ("data", "key", "code"),
    [
        ({}, "product", "config.value"),
        (
            {"product": [{"code": "A", "name_zh": "甲", "name_en": "A"}]},
            "product[0].price_fen",
            "config.value",
        ),
        (
            {"product": [{"code": "A", "name_zh": "甲", "name_en": "A", "price_fen": "6"}]},
            "product[0].price_fen",
            "config.type",
        ),
        (
            {"product": [{"code": "A", "name_zh": "甲", "name_en": "A", "price_fen": -1}]},
            "product[0].price_fen",
            "config.value",
        ),
        (
            {
                "product": [
                    {
                        "code": "A",
                        "name_zh": "甲",
                        "name_en": "A",
                        "price_fen": 1,
                        "slots": ["8-9am"],
                    }
                ]
            },
            "product[0].slots",
            "config.value",
        ),
        (
            {
                "product": [
                    {"code": "A", "name_zh": "甲", "name_en": "A", "price_fen": 1, "colour": "red"}
                ]
            },
            "product[0].colour",
            "config.unknown_key",
        ),
        (
            {
                "product": [{"code": "A", "name_zh": "甲", "name_en": "A", "price_fen": 1}],
                "discount": [
                    {"code": "D", "name_zh": "d", "name_en": "d", "kind": "gift", "value": 1}
                ],
            },
            "discount[0].kind",
            "config.value",
        ),
        (
            {
                "product": [{"code": "A", "name_zh": "甲", "name_en": "A", "price_fen": 1}],
                "discount": [
                    {"code": "D", "name_zh": "d", "name_en": "d", "kind": "percent", "value": 20000}
                ],
            },
            "discount[0].value",
            "config.value",
        ),
        (
            {
                "product": [{"code": "A", "name_zh": "甲", "name_en": "A", "price_fen": 1}],
                "discount": [
                    {
                        "code": "D",
                        "name_zh": "d",
                        "name_en": "d",
                        "kind": "fixed",
                        "value": 1,
                        "bin_prefixes": ["62x"],
                    }
                ],
            },
            "discount[0].bin_prefixes",
            "config.value",
        ),
    ],
    ids=[
        "no-products",
        "no-price",
        "price-type",
        "negative",
        "bad-slot",
        "unknown-key",
        "bad-kind",
        "over-100",
        "bad-bin",
    ],
)
def test_bad_catalog_names_the_entry(data: dict, key: str, code: str) -> None:
    """Each catalog mistake is a ConfigError naming the entry and key."""
    with pytest.raises(ConfigError) as info:
        parse_catalog(data)
    assert (info.value.code, info.value.context.get("key")) == (code, key)


def test_broken_catalog_file(tmp_path: Path) -> None:
    """A catalog file that is not TOML is a ConfigError, not a crash."""
    path = tmp_path / "c.toml"
    path.write_text("[[product]\n")
    with pytest.raises(ConfigError) as info:
        load_catalog(path)
    assert info.value.code == "config.syntax"


def test_describe_and_day() -> None:
    """The discount line reads as name and minus amount; the visit day is China's date."""
    draft = with_discount(CATALOG.order({"ADULT": 1}, visit_day=DAY), CATALOG.discounts[1], 200)
    assert describe(draft.meta["discount"], "zh_CN") == "电子现金立减2元 -¥2.00"
    assert describe(draft.meta["discount"], "en") == "E-cash ¥2 off -¥2.00"
    assert today_in_china(datetime(2026, 11, 27, 17, 0, tzinfo=UTC)) == date(2026, 11, 28)

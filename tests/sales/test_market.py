"""Market rules: weighed-line rounding, basket, voids, overrides, refunds, catalog loading."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.errors import ConfigError
from kiosk.money import MoneyError
from kiosk.sales.market import (
    FREE_SKU,
    MAX_GRAMS,
    Basket,
    MarketItem,
    Role,
    Unit,
    load_market,
    parse_market,
    refund_lines,
    weighed_fen,
)
from kiosk.sales.tickets import SaleError

MARKET = load_market()
TOMATO = MARKET.item("102")  # 4.80 per jin
TOFU = MARKET.item("401")  # 3.00 per portion


def test_demo_market_loads() -> None:
    """A dozen and more vegetables, fruit, eggs and tofu, each with a quick key; subsidies."""
    assert len(MARKET.items) >= 12
    assert {i.category for i in MARKET.items} >= {"vegetable", "fruit", "eggs", "tofu"}
    assert len(MARKET.quick_items()) == len(MARKET.items)
    assert {r.code for r in MARKET.subsidies} == {"CARD10", "EC5", "CITY"}


@pytest.mark.parametrize(
    ("price", "grams", "unit", "fen"),
    [
        (480, 1000, Unit.JIN, 960),  # two jin of tomatoes
        (350, 250, Unit.JIN, 175),  # half a jin
        (199, 375, Unit.JIN, 149),  # 149.25 -> 149
        (150, 25, Unit.JIN, 8),  # 7.5 -> 8: half up
        (150, 15, Unit.JIN, 5),  # 4.5 -> 5
        (838, 2310, Unit.KG, 1936),  # 8.38/kg × 2.31 kg = 19.3578 -> 19.36
        (760, 1, Unit.KG, 1),  # 0.76 -> 1
    ],
)
def test_weighed_rounding_examples(price: int, grams: int, unit: Unit, fen: int) -> None:
    assert weighed_fen(price, grams, unit) == fen


@given(
    st.integers(min_value=1, max_value=1_000_000),
    st.integers(min_value=1, max_value=MAX_GRAMS),
    st.sampled_from([Unit.JIN, Unit.KG]),
)
def test_weighed_rounding_is_half_up_to_the_fen(price: int, grams: int, unit: Unit) -> None:
    """Integer arithmetic equals the exact product rounded half up, as the issue writes it."""
    per = 500 if unit is Unit.JIN else 1000
    exact = Decimal(price) * grams / per
    assert weighed_fen(price, grams, unit) == int(exact.quantize(Decimal(1), ROUND_HALF_UP))
    # never more than half a fen away from the exact price
    assert abs(weighed_fen(price, grams, unit) - exact) <= Decimal("0.5")


def test_weighed_refuses_counted_units_and_bad_weights() -> None:
    with pytest.raises(SaleError) as info:
        weighed_fen(100, 100, Unit.PIECE)
    assert info.value.code == "market.not_weighed"
    for grams in (0, -5, MAX_GRAMS + 1):
        with pytest.raises(SaleError) as info:
            weighed_fen(100, grams, Unit.JIN)
        assert info.value.code == "market.weight"


def test_basket_lines_keep_weight_price_and_unit() -> None:
    basket = Basket()
    basket.add_weighed(TOMATO, 1250)
    basket.add_count(TOFU, 2)
    basket.add_free(350, "葱")
    weighed, tofu, free = basket.lines
    assert weighed.amount_fen == 1200 and weighed.quantity == 1
    assert weighed.meta == {"grams": 1250, "price_fen": 480, "unit": "斤"}
    assert tofu.amount_fen == 600 and tofu.unit == "份"
    assert free.sku == FREE_SKU and free.amount_fen == 350
    assert basket.total_fen == 2150
    assert basket.draft().total_fen == 2150


def test_weighed_item_needs_a_weight_and_counted_item_a_count() -> None:
    with pytest.raises(SaleError) as info:
        Basket().add_count(TOMATO, 1)
    assert info.value.code == "market.needs_weight"
    with pytest.raises(SaleError):
        Basket().add_weighed(TOFU, 100)
    with pytest.raises(SaleError) as info:
        Basket().add_count(TOFU, 0)
    assert info.value.code == "market.count"


def test_line_void_and_sale_void() -> None:
    basket = Basket()
    basket.add_weighed(TOMATO, 500)
    basket.add_count(TOFU)
    assert basket.void_line(0).sku == "102"
    assert basket.total_fen == 300
    assert [li.sku for li in basket.draft().lines] == ["401"]
    with pytest.raises(SaleError) as info:
        basket.void_line(0)  # not twice
    assert info.value.code == "market.no_line"
    assert [li.sku for li in basket.clear()] == ["401"]
    with pytest.raises(MoneyError) as money:
        basket.draft()
    assert money.value.code == "order.empty"


def test_override_needs_a_supervisor_and_reprices_the_weight() -> None:
    basket = Basket()
    basket.add_weighed(TOMATO, 1000)
    with pytest.raises(SaleError) as info:
        basket.override(0, 400, role=Role.CASHIER)
    assert info.value.code == "market.supervisor_required"
    assert basket.total_fen == 960
    line = basket.override(0, 400, role=Role.SUPERVISOR)
    assert line.amount_fen == 800
    assert line.meta["price_fen"] == 400 and line.meta["override_from_fen"] == 480
    basket.add_count(TOFU, 2)
    assert basket.override(1, 250, role=Role.SUPERVISOR).amount_fen == 500


@given(
    st.lists(
        st.tuples(st.sampled_from(MARKET.items), st.integers(min_value=1, max_value=20_000)),
        min_size=1,
        max_size=20,
    ),
    st.data(),
)
def test_basket_total_is_the_sum_of_live_lines(
    picks: list[tuple[MarketItem, int]], data: st.DataObject
) -> None:
    basket = Basket()
    for item, qty in picks:
        if item.weighed:
            basket.add_weighed(item, qty)
        else:
            basket.add_count(item, qty % 999 + 1)
    voids = data.draw(st.sets(st.integers(min_value=0, max_value=len(picks) - 1)))
    for index in voids:
        basket.void_line(index)
    live = [li for i, li in enumerate(basket.lines) if i not in voids]
    assert basket.total_fen == sum(li.amount_fen for li in live) >= 0


def test_refund_lines_once_each() -> None:
    sold = [{"amount_fen": 960}, {"amount_fen": 300}, {"amount_fen": 175}]
    assert refund_lines(sold, [2, 0]) == ([0, 2], 1135)
    with pytest.raises(SaleError) as info:
        refund_lines(sold, [0], refunded=[0])
    assert info.value.code == "market.refunded"
    for chosen, code in (([], "market.refund_empty"), ([3], "market.no_line")):
        with pytest.raises(SaleError) as info:
            refund_lines(sold, chosen)
        assert info.value.code == code


def _bundle(**item: Any) -> dict[str, Any]:
    base = {"plu": "1", "name_zh": "菜", "name_en": "Greens", "unit": "斤", "unit_price_fen": 100}
    return {"items": [base | item]}


@pytest.mark.parametrize(
    ("bundle", "key"),
    [
        ({"items": []}, "items"),
        (_bundle(unit="lb"), "items[0].unit"),
        (_bundle(unit_price_fen=-1), "items[0].unit_price_fen"),
        (_bundle(unit_price_fen=1.5), "items[0].unit_price_fen"),
        (_bundle(plu="A1"), "items[0].plu"),
        ({"items": _bundle()["items"] * 2}, "items"),
        (_bundle() | {"subsidies": [{"code": "X"}]}, "subsidies[0].name_zh"),
        (
            _bundle()
            | {
                "subsidies": [
                    {"code": "X", "name_zh": "x", "name_en": "x", "kind": "percent", "value": 20000}
                ]
            },
            "subsidies[0].value",
        ),
    ],
)
def test_bad_bundle_names_the_key(bundle: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_market(bundle)
    assert info.value.context["key"] == key


def test_parse_is_pure_and_matches_the_file() -> None:
    import json

    from kiosk.sales.market import DEMO_MARKET

    assert parse_market(json.loads(DEMO_MARKET.read_text(encoding="utf-8"))) == MARKET

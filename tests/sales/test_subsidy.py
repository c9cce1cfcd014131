"""Subsidy promotions: per-card daily limits, daily budgets, one per sale, never below zero."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.config import Mode
from kiosk.errors import ConfigError
from kiosk.sales.order import LineItem, OrderDraft
from kiosk.sales.subsidy import (
    SubsidyGrant,
    SubsidyKind,
    SubsidyRule,
    budget_left,
    decide,
    parse_subsidies,
    subsidised,
)
from kiosk.sales.tickets import CardFacts

CARD10 = SubsidyRule(
    "CARD10", "满10减1", "¥1 off", SubsidyKind.FIXED, 100, min_total_fen=1000,
    per_card_daily=2, daily_budget_fen=1000,
)  # fmt: skip
EC5 = SubsidyRule(
    "EC5", "电子现金95折", "5 % off EC", SubsidyKind.PERCENT, 500, electronic_cash_only=True,
    daily_budget_fen=700,
)  # fmt: skip
CITY = SubsidyRule(
    "CITY",
    "市民卡",
    "City card",
    SubsidyKind.FIXED,
    200,
    bin_prefixes=("623118",),
    per_card_daily=1,
)


def _draft(total: int) -> OrderDraft:
    return OrderDraft(Mode.MARKET, (LineItem("101", "青菜", 1, total),))


def test_largest_matching_rule_wins() -> None:
    card = CardFacts(bin="62311800", electronic_cash=True, pan_token="t1")
    assert decide([CARD10, EC5, CITY], _draft(5000), card, []) == (EC5, 250)
    assert decide([CARD10, EC5, CITY], _draft(1500), card, []) == (CITY, 200)
    assert decide([CARD10, EC5, CITY], _draft(999), CardFacts(pan_token="t1"), []) is None


def test_per_card_limit_counts_this_card_only() -> None:
    card = CardFacts(pan_token="t1")
    granted = [SubsidyGrant("CARD10", "t1", 100)] * 2
    assert decide([CARD10], _draft(2000), card, granted) is None
    assert decide([CARD10], _draft(2000), CardFacts(pan_token="t2"), granted) == (CARD10, 100)


def test_per_card_rule_needs_the_card_known() -> None:
    """A tap gives no PAN before approval: a per-card rule cannot be counted, so it is out."""
    assert decide([CARD10], _draft(2000), CardFacts(aid="A000000333010101"), []) is None
    assert decide([EC5], _draft(2000), CardFacts(electronic_cash=True), []) == (EC5, 100)


def test_budget_left_cuts_the_last_grant_and_then_stops() -> None:
    granted = [SubsidyGrant("EC5", f"t{i}", 300) for i in range(2)]
    card = CardFacts(electronic_cash=True)
    assert budget_left(EC5, granted) == 100
    assert decide([EC5], _draft(10_000), card, granted) == (EC5, 100)
    spent = [*granted, SubsidyGrant("EC5", "t9", 100)]
    assert budget_left(EC5, spent) == 0
    assert decide([EC5], _draft(10_000), card, spent) is None
    assert budget_left(CITY, spent) is None


def test_never_twice_for_one_sale() -> None:
    card = CardFacts(pan_token="t1")
    once = subsidised(_draft(2000), CARD10, 100, "t1")
    assert once.total_fen == 1900 and once.meta["discount"]["subsidy"] is True
    assert decide([CARD10, EC5], once, card, []) is None


@given(
    st.lists(st.integers(min_value=1, max_value=5000), min_size=1, max_size=60),
    st.lists(st.sampled_from(["t1", "t2", "t3"]), min_size=60, max_size=60),
    st.lists(st.booleans(), min_size=60, max_size=60),
    st.integers(min_value=0, max_value=3000),
    st.integers(min_value=1, max_value=3),
)
def test_a_day_of_sales_respects_budget_and_limits(
    totals: list[int], tokens: list[str], ec: list[bool], budget: int, per_card: int
) -> None:
    """Whatever the day's sales: budget never overspent, per-card limits held, no sale
    charged nothing, at most one grant per sale."""
    rules = [
        SubsidyRule("A", "a", "a", SubsidyKind.FIXED, 150, min_total_fen=500,
                    per_card_daily=per_card, daily_budget_fen=budget),
        SubsidyRule("B", "b", "b", SubsidyKind.PERCENT, 1000, electronic_cash_only=True,
                    daily_budget_fen=budget, per_card_daily=per_card),
    ]  # fmt: skip
    granted: list[SubsidyGrant] = []
    for total, token, on_ec in zip(totals, tokens, ec, strict=False):
        draft = _draft(total)
        card = CardFacts(electronic_cash=on_ec, pan_token=token)
        offer = decide(rules, draft, card, granted)
        if offer is None:
            continue
        rule, fen = offer
        assert 0 < fen < total
        after = subsidised(draft, rule, fen, token)
        assert decide(rules, after, card, granted) is None
        granted.append(SubsidyGrant(rule.code, token, fen))
    for rule in rules:
        assert sum(g.fen for g in granted if g.rule == rule.code) <= budget
        assert budget_left(rule, granted) is not None and budget_left(rule, granted) >= 0
        for token in ("t1", "t2", "t3"):
            count = sum(1 for g in granted if g.rule == rule.code and g.pan_token == token)
            assert count <= per_card


@pytest.mark.parametrize("total", [1, 2, 100])
def test_never_leaves_the_card_nothing_to_pay(total: int) -> None:
    big = SubsidyRule("BIG", "b", "b", SubsidyKind.FIXED, 10_000)
    offer = decide([big], _draft(total), CardFacts(), [])
    if total < 2:
        assert offer is None
    else:
        assert offer == (big, total - 1)


UPDEBIT = SubsidyRule(
    "UPDEBIT", "银联借记立减", "UnionPay debit ¥0.50 off", SubsidyKind.FIXED, 50,
    aids=("A000000333010101",), daily_budget_fen=1000,
)  # fmt: skip


def test_aid_rule_is_decided_from_what_a_tap_gives_before_gpo() -> None:
    """A tap's facts before GPO are the AID alone: the AID rule applies, the per-card,
    BIN and e-cash ones do not; another application gets nothing."""
    tap = CardFacts(aid="A000000333010101")
    assert decide([CARD10, EC5, CITY, UPDEBIT], _draft(2000), tap, []) == (UPDEBIT, 50)
    credit = CardFacts(aid="A000000333010102")
    assert decide([UPDEBIT], _draft(2000), credit, []) is None


def test_aids_are_parsed_and_checked() -> None:
    entry = {"code": "U", "name_zh": "银联", "name_en": "UP", "kind": "fixed", "value": 50}
    [rule] = parse_subsidies([{**entry, "aids": ["a000000333010101"]}])
    assert rule.aids == ("A000000333010101",)
    with pytest.raises(ConfigError) as info:
        parse_subsidies([{**entry, "aids": ["A0Z"]}])
    assert "subsidies[0].aids" in str(info.value)

"""What checkout accepts from a card pricing: the same lines at a lower total, nothing else."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.checkout.pricing import check_repriced
from kiosk.errors import UsageError
from kiosk.sales.order import OrderDraft
from kiosk.sales.tickets import CardFacts, load_catalog

CATALOG = load_catalog()
BASE = CATALOG.order({"ADULT": 1}, visit_day=date(2026, 11, 27))
COBRAND = CATALOG.priced_for(BASE, CardFacts(bin="62123400"))
OTHER_LINES = CATALOG.order({"CHILD": 1}, visit_day=date(2026, 11, 27))
DISCOUNTED = OrderDraft(BASE.mode, BASE.lines, discount_fen=100)


@pytest.mark.parametrize(
    ("before", "after", "changed"),
    [(BASE, BASE, False), (BASE, COBRAND, True), (DISCOUNTED, DISCOUNTED, False)],
    ids=["same", "lower", "same-with-discount"],
)
def test_accepted_prices(before: OrderDraft, after: OrderDraft, changed: bool) -> None:
    """The same total is no change; a lower total on the same lines is one."""
    assert check_repriced(before, after) is changed


@pytest.mark.parametrize(
    ("before", "after"),
    [(DISCOUNTED, BASE), (BASE, OTHER_LINES)],
    ids=["higher", "other-lines"],
)
def test_refused_prices(before: OrderDraft, after: OrderDraft) -> None:
    """A higher total, or other lines (even cheaper), is a caller's error."""
    with pytest.raises(UsageError) as caught:
        check_repriced(before, after)
    assert caught.value.code == "usage.reprice"


def test_catalog_prices_by_card_facts() -> None:
    """The demo catalog: co-brand BIN 10 % off, e-cash ¥2 off, nothing for other cards."""
    assert COBRAND is not None and COBRAND.total_fen == 5_400
    ecash = CATALOG.priced_for(BASE, CardFacts(bin="62345600", electronic_cash=True))
    assert ecash is not None and ecash.meta["discount"]["code"] == "ECASH"
    assert CATALOG.priced_for(BASE, CardFacts(bin="62345600", aid="A000000333010101")) is None

"""``kiosk market-sell``: a market sale headless, card (insert or tap) or cash, journaled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk import cli
from kiosk.journal.models import Payment
from kiosk.journal.verify import verify_journal
from tests.checkout.test_sell import journal, kiosk_dir  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("kiosk_dir")


def market_sell(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    status = cli.main(["market-sell", *args, "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    return status, json.loads(out[0])


def test_weighed_card_sale_with_the_city_subsidy(tmp_path: Path, capsys) -> None:
    status, sale = market_sell(
        capsys, "--item", "102@1250", "--item", "101@375", "--item", "401:2", "--sim", "debit-ec"
    )
    assert status == 0 and sale["status"] == "paid"
    assert [line["unit_price_fen"] for line in sale["lines"]] == [1200, 263, 300]
    assert (sale["discount_fen"], sale["total_fen"]) == (200, 1200 + 263 + 600 - 200)
    assert sale["card"]["path"] == "ec_offline"
    assert sale["documents"] == [{"kind": "receipt", "status": "printed", "error": ""}]
    assert verify_journal(journal(tmp_path)).ok


def test_tapped_card_gets_no_per_card_subsidy(tmp_path: Path, capsys) -> None:
    status, sale = market_sell(capsys, "--item", "102@2000", "--sim", "qpboc-debit-ec", "--tap")
    assert status == 0 and sale["card"]["interface"] == "contactless"
    assert (sale["discount_fen"], sale["total_fen"]) == (0, 1920)


def test_cash_sale(tmp_path: Path, capsys) -> None:
    status, sale = market_sell(capsys, "--item", "402", "--cash", "10")
    assert status == 0 and sale["card"]["path"] == "cash" and sale["total_fen"] == 250
    with journal(tmp_path).read() as session:
        payment = session.scalars(select(Payment)).one()
        assert payment.card_data["tenders"][0]["change_fen"] == 750


def test_bad_item_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        cli.main(["market-sell", "--item", "tomato", "--cash", "10"])
    assert cli.main(["market-sell", "--item", "999", "--cash", "10"]) == 2  # no such PLU

"""``kiosk sell``: a whole sale headless, through the terminal the screens use.

Real parts: the journal on SQLite, the in-process card simulator and (one test) the card
served through pcscd + vpcd, the preview printer and the emupos printer emulator on TCP.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk import cli
from kiosk.journal.models import Order, OrderStatus, Payment, PaymentState
from kiosk.journal.store import JournalStore
from kiosk.journal.verify import verify_journal
from tests.payment.conftest import SLOT, card_sim, pcscd  # noqa: F401 - fixtures
from tests.printing.conftest import emulator, emulator_session  # noqa: F401 - fixtures


@pytest.fixture
def kiosk_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Demo defaults in ``tmp_path`` (journal and card state under ./var)."""
    monkeypatch.chdir(tmp_path)
    for name in ("KIOSK_CONFIG", "KIOSK_PRINTER__URL", "KIOSK_PRINTER__WIDTH_MM"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def sell(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    status = cli.main(["sell", *args, "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    return status, json.loads(out[0])


def journal(folder: Path) -> JournalStore:
    return JournalStore(f"sqlite:///{folder / 'var' / 'journal.db'}", "DEMO0001")


def test_a_sale_is_journalled_paid_and_printed(kiosk_dir: Path, capsys) -> None:
    """Two adults and a night tour: paid by the e-cash card, three tickets and a receipt."""
    status, sale = sell(capsys, "--item", "ADULT:2", "--item", "night@18:30", "--sim", "debit-ec")
    assert status == 0 and sale["status"] == "paid" and sale["state"] == "approved"
    assert [(li["code"], li["quantity"]) for li in sale["lines"]] == [("ADULT", 2), ("NIGHT", 1)]
    assert sale["lines"][1]["slot"].startswith("18:30")
    subtotal = sum(li["quantity"] * li["unit_price_fen"] for li in sale["lines"])
    assert sale["total_fen"] == subtotal - sale["discount_fen"]
    assert sale["card"]["pan_masked"] == "621234******0019" and sale["card"]["path"] == "ec_offline"
    kinds = sorted(d["kind"].split(":")[0] for d in sale["documents"])
    assert kinds == ["receipt", "ticket", "ticket", "ticket"]
    assert {d["status"] for d in sale["documents"]} == {"printed"} and sale["unprinted"] == 0
    store = journal(kiosk_dir)
    try:
        with store.read() as session:
            order = session.scalars(select(Order).where(Order.reference == sale["reference"])).one()
            payment = session.get_one(Payment, sale["payment"])
            assert order.status is OrderStatus.PAID and payment.state is PaymentState.APPROVED
            assert payment.amount_fen == sale["total_fen"]
        assert verify_journal(store).ok
    finally:
        store.dispose()
    # The simulated card remembers the sale: the next one sees the lower balance.
    _, again = sell(capsys, "--item", "ADULT", "--sim", "debit-ec")
    assert again["card"]["atc"] > sale["card"]["atc"]
    assert again["card"]["ec_balance_after_fen"] == (
        sale["card"]["ec_balance_after_fen"] - again["total_fen"]
    )


def test_a_declined_card_is_not_paid_and_prints_nothing(kiosk_dir: Path, capsys) -> None:
    """An e-cash card holding ¥1.00 and no host: exit 1, no ticket, the journal says why."""
    status, sale = sell(capsys, "--item", "ADULT", "--sim", "broken-ec-low-balance")
    assert status == 1 and sale["status"] == sale["state"] != "approved"
    assert sale["reason"] and sale["documents"] == []


@pytest.mark.parametrize(
    ("item", "code"),
    [("NIGHT", "sale.slot_required"), ("NIGHT@09:00", "sale.slot_unknown"), ("ZOO", "sale.")],
)
def test_an_order_the_catalog_refuses_is_one_line_and_charges_nothing(
    kiosk_dir: Path, capsys, item: str, code: str
) -> None:
    assert cli.main(["sell", "--item", item, "--sim", "debit-ec", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(f"kiosk: {code}")
    store = journal(kiosk_dir)
    try:
        with store.read() as session:
            assert session.scalars(select(Payment)).all() == []
    finally:
        store.dispose()


def test_a_printer_that_does_not_answer_stops_the_sale_before_the_card(
    kiosk_dir: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unattended and no printer: out of service, the card is never asked."""
    monkeypatch.setenv("KIOSK_PRINTER__URL", "tcp://127.0.0.1:9")
    status, sale = sell(capsys, "--item", "ADULT", "--sim", "debit-ec")
    assert status == 1 and sale["status"] == "out_of_service"
    assert any(p.startswith("printer.") for p in sale["problems"])
    assert not (kiosk_dir / "var" / "cards").exists() or not any(
        (kiosk_dir / "var" / "cards").iterdir()
    )


def test_tickets_and_receipt_come_out_of_the_printer(
    kiosk_dir: Path,
    capsys,
    emulator,  # noqa: F811 - the fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On the emupos printer (TCP): one paper per document, the ticket with its QR."""
    monkeypatch.setenv("KIOSK_PRINTER__URL", emulator.url("p80"))
    monkeypatch.setenv("KIOSK_PRINTER__WIDTH_MM", "80")
    before = len(emulator.receipt_ids("p80"))
    status, sale = sell(capsys, "--item", "CHILD", "--sim", "debit-ec")
    assert status == 0 and len(sale["documents"]) == 2
    ids = emulator.wait_for_receipts("p80", before + 2)
    texts = [emulator.receipt("p80", i).text for i in ids[:2]]
    assert any(sale["reference"] in t for t in texts)


@pytest.mark.pcsc
def test_a_sale_through_pcscd(kiosk_dir: Path, capsys, card_sim) -> None:  # noqa: F811
    """A contactless card served to vpcd by `kiosk card-sim`, tapped on PC/SC reader
    "Virtual PCD 00 00" (a PCD: contactless) through pcscd like a real one."""
    card_sim("--profile", "qpboc-debit-ec", "--state-dir", str(kiosk_dir / "served"))
    status, sale = sell(capsys, "--item", "ADULT", "--reader", SLOT)
    assert status == 0 and sale["status"] == "paid", json.dumps(sale)
    assert sale["card"]["pan_masked"] == "621234******0043"
    assert sale["card"]["interface"] == "contactless"
    assert [d["status"] for d in sale["documents"]] == ["printed", "printed"]

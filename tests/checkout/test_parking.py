"""The car park's use cases through the real journal, the kernel and the software card:
entry, exit 2 h 10 min later, card and cash payment, the exit receipt with its breakdown
(rendered to ESC/POS from the journal and decoded back), grace, tickets, occupancy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kiosk.checkout import Checkout
from kiosk.checkout.card_provider import CardPaymentProvider
from kiosk.checkout.documents import JournalPrinter, SlipSettings, render_job
from kiosk.checkout.parking import ParkingDesk
from kiosk.journal.models import JournalEntry, PaymentState, StayState
from kiosk.journal.store import JournalStore
from kiosk.journal.verify import verify_journal
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.kernel.types import TerminalConfig
from kiosk.payment.reader import Interface
from kiosk.payment.reader.sim import SimReader
from kiosk.printing.document import PaperWidth
from kiosk.printing.escpos import PrinterProfile, render_escpos
from kiosk.printing.layouts import Lang
from kiosk.printing.printer import PreviewPrinter
from kiosk.sales.parking import ParkingError, VehicleClass, load_tariff
from kiosk.sales.plates import PlateError
from kiosk.sales.tokens import DEMO_KEY
from tests.checkout.conftest import TestPrinter
from tests.checkout.test_card_discount import _balance

SH = ZoneInfo("Asia/Shanghai")
ENTRY = datetime(2026, 3, 2, 9, 0, tzinfo=SH)


@dataclass
class Lot:
    desk: ParkingDesk
    reader: SimReader
    printer: TestPrinter
    paper: PreviewPrinter
    clock: list[datetime]


@pytest.fixture(scope="module")
def capk() -> CaKeyStore:
    return CaKeyStore.load(allow_test_keys=True)


@pytest.fixture
def lot(store: JournalStore, capk: CaKeyStore) -> Lot:
    now = [ENTRY]
    reader = SimReader(interface=Interface.CONTACT)
    provider = CardPaymentProvider(reader, TerminalConfig(), capk=capk, card_timeout_s=1)
    printer = TestPrinter()
    checkout = Checkout(store, provider, printer, unattended=False, clock=lambda: now[0])
    paper = PreviewPrinter(PrinterProfile())
    slip = SlipSettings("演示停车场", "TEST0001", Lang.ZH, PaperWidth.MM80, DEMO_KEY, demo=True)
    desk = ParkingDesk(
        store,
        checkout,
        load_tariff(),
        provider,
        JournalPrinter(paper, slip),
        lambda: now[0],
        capacity=3,
        ticket_key=DEMO_KEY,
        ticket_keys={DEMO_KEY.key_id: DEMO_KEY.secret},
        passes={"京A88888"},
    )
    return Lot(desk, reader, printer, paper, now)


def _receipt(lot: Lot, lang: Lang = Lang.ZH) -> list[str]:
    from tests.printing.escpos_stream import decode

    slip = SlipSettings("演示停车场", "TEST0001", lang, PaperWidth.MM80, DEMO_KEY)
    job = [j for j in lot.printer.printed if j.kind == "receipt"][-1]
    return decode(render_escpos(render_job(job, slip, now=lot.clock[0]), PrinterProfile())).lines


def _events(store: JournalStore) -> list[str]:
    with store.read() as s:
        return list(s.scalars(select(JournalEntry.event).order_by(JournalEntry.seq)))


def test_entry_card_payment_receipt_exit(lot: Lot, store: JournalStore, tmp_path: Path) -> None:
    """In at 09:00, out at 11:10: ¥11.00 on the card, the receipt shows the breakdown, the car
    leaves within the grace, occupancy goes back down, the journal chain verifies."""
    stay = lot.desk.enter("京A·12345", lane="IN1")
    assert lot.desk.occupancy() == (1, 3)
    lot.clock[0] = ENTRY + timedelta(hours=2, minutes=10)
    found = lot.desk.find("京a12345")
    assert found.id == stay.id
    assert lot.desk.quote(found).fee_fen == 1100
    lot.reader.insert(load_card("debit-ec", state_dir=tmp_path))
    result = lot.desk.pay_card(found, lot.clock[0], actor="P01")
    assert result.state is PaymentState.APPROVED
    assert _balance(load_card("debit-ec", state_dir=tmp_path)) == 50_000 - 1100
    lines = _receipt(lot)
    assert any("京A12345" in line for line in lines)
    assert any("白天 2小时10分" in line and "¥11.00" in line for line in lines)
    assert any("停车收费凭证" in line for line in lines)
    paid = lot.desk.get(stay.id)
    assert paid.state is StayState.PAID and paid.paid_fen == 1100
    lot.clock[0] += timedelta(minutes=10)  # within the 15-minute grace
    left = lot.desk.leave(paid, lane="OUT1")
    assert left.state is StayState.LEFT and left.lane_out == "OUT1"
    assert lot.desk.occupancy() == (0, 3)
    events = _events(store)
    assert events[0] == "parking.entered" and events[-1] == "parking.exited"
    assert "parking.paid" in events
    assert verify_journal(store).ok


def test_receipt_in_english(lot: Lot) -> None:
    """The breakdown follows the slip's language."""
    stay = lot.desk.enter("沪B8X9Z7")
    lot.clock[0] = ENTRY + timedelta(hours=2, minutes=10)
    lot.desk.pay_cash(stay, lot.clock[0], 2000, actor="P01")
    lines = _receipt(lot, Lang.EN)
    assert any("Daytime 2 h 10 min" in line for line in lines)
    assert any("Change" in line and "¥9.00" in line for line in lines)


def test_unpaid_car_cannot_leave_and_overstay_pays_again(lot: Lot) -> None:
    """Unpaid: refused with the fee; paid, then 20 min late: ¥5 more (no free minutes)."""
    stay = lot.desk.enter("粤BD12345", VehicleClass.SMALL)
    lot.clock[0] = ENTRY + timedelta(hours=1)
    with pytest.raises(ParkingError) as err:
        lot.desk.leave(stay)
    assert err.value.code == "parking.unpaid" and err.value.context["fee_fen"] == 500
    assert lot.desk.pay_cash(stay, lot.clock[0], 500, actor="P01").state is PaymentState.APPROVED
    lot.clock[0] += timedelta(minutes=20)
    paid = lot.desk.get(stay.id)
    assert lot.desk.quote(paid).fee_fen == 500
    with pytest.raises(ParkingError):
        lot.desk.leave(paid)
    lot.desk.pay_cash(paid, lot.clock[0], 500, actor="P01")
    assert lot.desk.get(stay.id).paid_fen == 1000
    assert lot.desk.leave(paid).state is StayState.LEFT


def test_a_fee_that_went_up_since_it_was_shown_is_not_charged(lot: Lot) -> None:
    """Shown ¥5.00 at 1 h; paid at 1 h 01 the fee is ¥7.00: refused before any payment, with
    the new fee; paid with the new fee shown, the grace runs from that payment."""
    stay = lot.desk.enter("粤BD12345", VehicleClass.SMALL)
    lot.clock[0] = ENTRY + timedelta(hours=1)
    shown = lot.desk.quote(stay).fee_fen
    assert shown == 500
    lot.clock[0] += timedelta(minutes=1)
    with pytest.raises(ParkingError) as err:
        lot.desk.pay_cash(stay, lot.clock[0], 1000, shown_fen=shown, actor="P01")
    assert err.value.code == "parking.fee_changed" and err.value.context["fee_fen"] == 700
    assert "payment.pending" not in _events(lot.desk.store)
    result = lot.desk.pay_cash(stay, lot.clock[0], 1000, shown_fen=700, actor="P01")
    assert result.state is PaymentState.APPROVED
    lot.clock[0] += timedelta(minutes=14)
    assert lot.desk.leave(lot.desk.get(stay.id)).state is StayState.LEFT


def test_car_without_plate_gets_a_ticket_that_finds_it(lot: Lot) -> None:
    """No plate: an entry ticket prints with a signed QR; scanning it finds the stay; a
    forged token is refused."""
    stay = lot.desk.enter(None, VehicleClass.LARGE)
    assert stay.plate == ""
    assert [d.kind for d in lot.paper.documents] == ["parking_entry"]
    token = lot.desk.entry_token(stay)
    assert lot.desk.find(token).id == stay.id
    forged = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(ParkingError) as err:
        lot.desk.find(forged)
    assert err.value.code.startswith("parking.ticket_")
    lot.clock[0] = ENTRY + timedelta(hours=2, minutes=10)
    assert lot.desk.quote(stay).fee_fen == 2200  # large: double


def test_capacity_duplicates_bad_plates_and_passes(lot: Lot, store: JournalStore) -> None:
    """A full car park and a plate already inside are refused; a bad plate says why; a
    monthly pass leaves free; the supervisor's manual open is journaled with who."""
    pass_car = lot.desk.enter("京A88888")
    lot.desk.enter("京A12345")
    with pytest.raises(ParkingError) as err:
        lot.desk.enter("京A12345")
    assert err.value.code == "parking.already_inside"
    with pytest.raises(PlateError) as bad:
        lot.desk.enter("京AI2345")
    assert bad.value.code == "plate.letter_io"
    lot.desk.enter("京A54321")
    with pytest.raises(ParkingError) as full:
        lot.desk.enter("京A11111")
    assert full.value.code == "parking.full"
    assert [s.plate for s in lot.desk.inside("a1")] == ["京A12345"]
    lot.clock[0] = ENTRY + timedelta(days=2)
    assert lot.desk.leave(pass_car).state is StayState.LEFT
    other = lot.desk.find("京A54321")
    lot.desk.open_without_payment(other, supervisor="S01", reason="ambulance", actor="P01")
    with store.read() as s:
        entry = s.scalars(
            select(JournalEntry).where(JournalEntry.event == "parking.manual_open")
        ).one()
    assert entry.payload["supervisor"] == "S01" and entry.payload["owed_fen"] == 8000
    assert lot.desk.occupancy() == (1, 3)


def test_services_build_the_desk_from_settings(tmp_path: Path) -> None:
    """`[parking]` settings reach the desk: capacity, monthly passes, the demo tariff."""
    import dataclasses

    from kiosk.checkout.terminal import build_services
    from tests.checkout.conftest import kiosk_settings

    base = kiosk_settings(tmp_path)
    parking = dataclasses.replace(base.parking, capacity=7, monthly_passes="京A88888")
    services = build_services(dataclasses.replace(base, parking=parking))
    try:
        desk = services.parking_desk()
        stay = desk.enter("京a88888", now=ENTRY)
        assert desk.occupancy() == (1, 7)
        assert desk.quote(stay, ENTRY + timedelta(hours=5)).lines[0].key == "pass"
        assert services.parking_desk() is desk
    finally:
        services.dispose()

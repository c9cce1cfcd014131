"""Admission by tapping the paying card: real SQLite journal, the card simulator in a SimReader,
tickets bought through the real checkout with the same simulated card."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.checkout.documents import render_job, ticket_number
from kiosk.checkout.gate_card import CardTaps, admit_by_card
from kiosk.checkout.printing import job_view
from kiosk.checkout.terminal import KioskServices, build_services
from kiosk.config import load_settings
from kiosk.journal.models import Order, PaymentState, PrintJob, UsedTicket
from kiosk.journal.states import transition
from kiosk.journal.store import JournalStore, utcnow
from kiosk.journal.verify import verify_journal
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.reader.pcsc import PcscReader
from kiosk.payment.reader.sim import SimReader
from kiosk.payment.settings import pan_token_key
from kiosk.printing.document import QrCode
from kiosk.sales.gate import GateDecision, GateVerdict
from kiosk.sales.tickets import CHINA, today_in_china
from tests.payment.conftest import SLOT, pcscd, serve_card, wait_slot  # noqa: F401 - fixtures


@pytest.fixture
def services(tmp_path: Path):
    """The demo terminal (sim:debit-ec reader) on a fresh journal."""
    settings = dataclasses.replace(load_settings(environ={}), data_dir=tmp_path)
    built = build_services(settings)
    yield built
    built.dispose()


def buy_adults(services: KioskServices, count: int, day: date | None = None) -> None:
    """Pay ``count`` adult tickets for ``day`` (today in China) with the reader's card."""
    draft = services.catalog.order({"ADULT": count}, visit_day=day or today_in_china(utcnow()))
    assert services.checkout.pay(draft, actor="kiosk").state is PaymentState.APPROVED


def tap(
    services: KioskServices, card_name: str | None = None, *, now: datetime | None = None, **insert
) -> GateDecision:
    """Present the reader's card (or a fresh ``card_name`` profile) and decide on it."""
    reader = services.sim_reader
    assert reader is not None
    if card_name is not None:
        reader.insert(
            load_card(card_name, state_dir=services.settings.data_dir / "cards"), **insert
        )
    card = reader.wait_for_card(1)
    try:
        return admit_by_card(
            services.store,
            reader,
            card,
            token_key=pan_token_key(services.settings),
            now=now or utcnow(),
        )
    finally:
        reader.disconnect()


def ticket_jobs(services: KioskServices) -> list[int]:
    with services.store.read() as session:
        return list(
            session.scalars(
                select(PrintJob.id).where(PrintJob.kind.startswith("ticket:")).order_by(PrintJob.id)
            )
        )


def ticket_ids(services: KioskServices) -> list[int]:
    """The ids the printed tokens carry, in print-job order."""
    terminal = services.settings.terminal.id
    return [ticket_number(terminal, job) for job in ticket_jobs(services)]


def printed_token(services: KioskServices, job_id: int) -> str:
    """The QR code on the printed ticket of print job ``job_id``."""
    assert services.printer is not None
    with services.store.read() as session:
        job = session.get(PrintJob, job_id)
        assert job is not None
        doc = render_job(
            job_view(job, session.get(Order, job.order_id)), services.printer.slip, now=utcnow()
        )
    (qr,) = [b.data for b in doc.blocks if isinstance(b, QrCode)]
    return qr


def used_ids(services: KioskServices) -> list[int]:
    with services.store.read() as session:
        return list(session.scalars(select(UsedTicket.ticket_id).order_by(UsedTicket.id)))


def test_taps_admit_each_ticket_once_then_used(services) -> None:
    """Two tickets: the 1st and 2nd tap admit them in order, the 3rd says USED."""
    buy_adults(services, 2)
    first, second = ticket_ids(services)
    verdicts = [tap(services) for _ in range(3)]
    assert [d.verdict for d in verdicts] == [GateVerdict.ADMIT, GateVerdict.ADMIT, GateVerdict.USED]
    assert [d.ticket.ticket_id for d in verdicts[:2]] == [first, second]
    assert verdicts[0].ticket.product == "ADULT"
    assert used_ids(services) == [first, second]
    events = [e.event for e in services.store.entries() if e.event.startswith("gate.")]
    assert events == ["gate.admitted", "gate.admitted", "gate.refused"]
    assert verify_journal(services.store).ok


def test_qr_scan_after_tap_is_used_and_tap_after_scan_skips(services) -> None:
    """Tap and QR scan share the registry: ticket 1 tapped scans USED; ticket 2 scanned first
    leaves nothing for the next tap."""
    buy_adults(services, 2)
    (job1, job2), (first, _) = ticket_jobs(services), ticket_ids(services)
    assert tap(services).ticket.ticket_id == first
    decision, used_at = services.check_ticket(printed_token(services, job1))
    assert decision.verdict is GateVerdict.USED and used_at is not None
    assert services.check_ticket(printed_token(services, job2))[0].admitted
    assert tap(services).verdict is GateVerdict.USED


def test_card_that_bought_nothing_gets_no_ticket(services) -> None:
    """Another card (credit profile) paid for nothing: NO_TICKET, journalled as a refusal."""
    buy_adults(services, 1)
    assert tap(services, "credit").verdict is GateVerdict.NO_TICKET
    assert used_ids(services) == []
    (refused,) = [e for e in services.store.entries() if e.event == "gate.refused"]
    assert refused.payload["verdict"] == "no_ticket"


def test_ticket_for_another_day_is_not_admitted(services) -> None:
    """A ticket bought for tomorrow does not open today's gate."""
    buy_adults(services, 1, today_in_china(utcnow()) + timedelta(days=1))
    assert tap(services).verdict is GateVerdict.NO_TICKET
    assert used_ids(services) == []


@pytest.mark.parametrize(
    ("state", "verdict"),
    [
        pytest.param(PaymentState.SETTLED, GateVerdict.ADMIT, id="settled"),
        pytest.param(PaymentState.REFUNDED, GateVerdict.NO_TICKET, id="refunded"),
        pytest.param(PaymentState.VOIDED, GateVerdict.NO_TICKET, id="voided"),
    ],
)
def test_payment_state_decides(services, state: PaymentState, verdict: GateVerdict) -> None:
    """A settled payment's tickets admit; a refunded or voided payment bought nothing."""
    buy_adults(services, 1)
    with services.store.transaction() as tx:
        transition(tx, 1, state, reason="test")
    assert tap(services).verdict is verdict


def test_gate_of_another_terminal_on_the_same_database(services) -> None:
    """A gate terminal writing to the kiosk's database admits the kiosk's ticket by tap, and
    the kiosk's own registry then sees it used."""
    buy_adults(services, 1)
    gate_store = JournalStore(services.settings.journal_url, "GATE0001")
    reader = services.sim_reader
    assert reader is not None
    try:
        decision = admit_by_card(
            gate_store,
            reader,
            reader.wait_for_card(1),
            token_key=pan_token_key(services.settings),
            now=utcnow(),
        )
    finally:
        reader.disconnect()
        gate_store.dispose()
    assert decision.verdict is GateVerdict.ADMIT
    assert used_ids(services) == ticket_ids(services)
    assert tap(services).verdict is GateVerdict.USED


@pytest.mark.parametrize(
    ("profile", "insert", "reason"),
    [
        pytest.param("debit-ec", {"remove_after": 2}, "reader.card_removed", id="pulled-mid-read"),
        pytest.param("broken-gpo-6985", {}, "card.log.gpo_refused", id="gpo-refused"),
    ],
)
def test_unreadable_card_marks_nothing(services, profile: str, insert: dict, reason: str) -> None:
    """A card pulled mid-read, or one refusing GPO: UNREADABLE with the error's code in the
    journal, no ticket used; a full tap of the paying card then admits."""
    buy_adults(services, 1)
    assert tap(services, profile, **insert).verdict is GateVerdict.UNREADABLE
    assert used_ids(services) == []
    (refused,) = [e for e in services.store.entries() if e.event == "gate.refused"]
    assert (refused.payload["verdict"], refused.payload["reason"]) == ("unreadable", reason)
    assert tap(services, "debit-ec").verdict is GateVerdict.ADMIT


@pytest.mark.parametrize(
    ("at", "verdict"),
    [
        pytest.param(time(10), GateVerdict.TOO_EARLY, id="before-slot"),
        pytest.param(time(18, 30), GateVerdict.ADMIT, id="slot-start"),
        pytest.param(time(19, 29, 59), GateVerdict.ADMIT, id="slot-last-second"),
        pytest.param(time(19, 30), GateVerdict.EXPIRED, id="slot-end"),
    ],
)
def test_time_slot_window(services, at: time, verdict: GateVerdict) -> None:
    """A timed ticket (NIGHT 18:30–19:30 today) opens the gate only inside its slot."""
    night = services.catalog.by_code["NIGHT"]
    day = today_in_china(utcnow())
    draft = services.catalog.order({"NIGHT": 1}, visit_day=day, slot={"NIGHT": night.slots[0]})
    assert services.checkout.pay(draft, actor="kiosk").state is PaymentState.APPROVED
    decision = tap(services, now=datetime.combine(day, at, CHINA))
    assert decision.verdict is verdict
    assert decision.ticket is not None and decision.ticket.product == "NIGHT"
    assert len(used_ids(services)) == (verdict is GateVerdict.ADMIT)


class PresenceOnlyReader:
    """The simulator seen as a PC/SC reader is: card present or not, no insertion count."""

    def __init__(self, reader: SimReader) -> None:
        self.sim = reader

    def card_present(self) -> bool:
        return self.sim.card_present()

    def wait_for_card(self, timeout: float):
        return self.sim.wait_for_card(timeout)


@pytest.mark.parametrize("counting", [True, False], ids=["simulator", "presence-only"])
def test_card_left_on_reader_is_read_once(tmp_path: Path, counting: bool) -> None:
    """A card already there is no tap; a new presentation is read once, not once per poll."""
    sim = SimReader(load_card("debit-ec", state_dir=tmp_path))
    taps = CardTaps(sim if counting else PresenceOnlyReader(sim))  # type: ignore[arg-type]
    assert taps.next(0.01) is None  # present from the start
    if not counting:
        sim.remove()
        assert taps.next(0.01) is None  # empty reader: waited, nothing came
    sim.insert(load_card("debit-ec", state_dir=tmp_path))
    assert taps.next(0.01) is not None
    sim.disconnect()
    assert taps.next(0.01) is None  # the same card, still in the field


def test_taps_through_pcscd(services, serve_card, wait_slot) -> None:  # noqa: F811
    """A gate on the real PC/SC stack (pcscd + vpcd): each tap of the paying card admits one
    ticket; a card left lying on the reader admits nothing more."""
    buy_adults(services, 2)
    gate = dataclasses.replace(
        services, provider=None, sim_reader=None, gate_reader=PcscReader(SLOT)
    )
    cards = services.settings.data_dir / "cards"
    assert gate.check_card(0.2) is None  # the gate watches its empty reader
    serve_card(load_card("debit-ec", state_dir=cards), tap=True)
    first = gate.check_card(5)
    assert first is not None and first[0].verdict is GateVerdict.ADMIT
    wait_slot(present=False)  # the tap is over
    assert gate.check_card(0.2) is None  # the gate's next poll sees the reader empty
    serve_card(load_card("debit-ec", state_dir=cards))
    second = gate.check_card(5)
    assert second is not None and second[0].verdict is GateVerdict.ADMIT
    assert gate.check_card(0.3) is None  # still on the reader: not a new tap
    assert used_ids(services) == ticket_ids(services)

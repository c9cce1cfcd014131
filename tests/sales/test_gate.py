"""Gate rules: admit a valid ticket once; refuse used, forged, expired, wrong-day, unreadable."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from kiosk.journal.store import JournalStore
from kiosk.journal.used_tickets import JournalUsedTickets
from kiosk.sales.gate import GateVerdict, check_ticket
from kiosk.sales.tickets import CHINA
from kiosk.sales.tokens import DEMO_KEY, InMemoryUsedTickets, Ticket, TicketKey, issue_token

KEYS = {DEMO_KEY.key_id: DEMO_KEY.secret}
#: 10:00 in China.
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=CHINA)
DAY = timedelta(days=1)


def day_ticket(day_offset: int = 0, ticket_id: int = 42) -> Ticket:
    start = datetime(2026, 11, 27, tzinfo=CHINA) + day_offset * DAY
    return Ticket(ticket_id, "ADULT", start, start + DAY)


def slot_ticket(start_h: int, end_h: int) -> Ticket:
    return Ticket(
        43,
        "NIGHT",
        datetime(2026, 11, 27, start_h, 0, tzinfo=CHINA),
        datetime(2026, 11, 27, end_h, 0, tzinfo=CHINA),
    )


OTHER_SECRET = TicketKey(0, hashlib.sha256(b"someone else").digest())
OTHER_SITE = TicketKey(7, hashlib.sha256(b"another site").digest())


def _altered(token: str) -> str:
    return token[:10] + ("A" if token[10] != "A" else "B") + token[11:]


CASES = [
    pytest.param(issue_token(day_ticket(), DEMO_KEY), GateVerdict.ADMIT, id="today"),
    pytest.param(issue_token(day_ticket(), DEMO_KEY).lower(), GateVerdict.ADMIT, id="lower-case"),
    pytest.param(issue_token(day_ticket(), OTHER_SECRET), GateVerdict.FORGED, id="forged"),
    pytest.param(
        _altered(issue_token(day_ticket(), DEMO_KEY)), GateVerdict.UNREADABLE, id="altered"
    ),
    pytest.param(
        issue_token(day_ticket(), OTHER_SITE), GateVerdict.UNKNOWN_ISSUER, id="other-site"
    ),
    pytest.param(issue_token(day_ticket(-1), DEMO_KEY), GateVerdict.WRONG_DAY, id="yesterday"),
    pytest.param(issue_token(day_ticket(+1), DEMO_KEY), GateVerdict.WRONG_DAY, id="tomorrow"),
    pytest.param(issue_token(slot_ticket(8, 9), DEMO_KEY), GateVerdict.EXPIRED, id="slot-over"),
    pytest.param(
        issue_token(slot_ticket(18, 19), DEMO_KEY), GateVerdict.TOO_EARLY, id="slot-later"
    ),
    pytest.param("", GateVerdict.UNREADABLE, id="empty"),
    pytest.param("https://example.com/?q=1", GateVerdict.UNREADABLE, id="a-url"),
    pytest.param("门票" * 10, GateVerdict.UNREADABLE, id="not-ascii"),
    pytest.param("A" * 500, GateVerdict.UNREADABLE, id="too-long"),
]


@pytest.mark.parametrize(("scanned", "verdict"), CASES)
def test_verdicts(scanned: str, verdict: GateVerdict) -> None:
    """Each kind of scan gets its own verdict; only a valid ticket is marked used."""
    used = InMemoryUsedTickets()
    decision = check_ticket(scanned, KEYS, used, now=NOW)
    assert decision.verdict is verdict
    assert decision.admitted is (verdict is GateVerdict.ADMIT)
    assert bool(used.used) is decision.admitted


def test_admitted_once_through_the_journal(store: JournalStore) -> None:
    """The journal registry admits a ticket once; the second scan is USED; both journalled."""
    token = issue_token(day_ticket(ticket_id=777), DEMO_KEY)
    used = JournalUsedTickets(store)
    first = check_ticket(token + "\n", KEYS, used, now=NOW)
    second = check_ticket(token, KEYS, used, now=NOW + timedelta(minutes=5))
    assert (first.verdict, second.verdict) == (GateVerdict.ADMIT, GateVerdict.USED)
    assert second.ticket is not None and second.ticket.ticket_id == 777
    assert used.used_at(777) == NOW.astimezone(UTC)
    assert [(e.event, e.payload) for e in store.entries()] == [("gate.admitted", {"ticket": 777})]


def test_registry_is_shared_by_two_handles(journal_url: str) -> None:
    """A ticket admitted through one journal handle is used for another (screen and CLI)."""
    token = issue_token(day_ticket(ticket_id=9), DEMO_KEY)
    a, b = JournalStore(journal_url, "GATE0001"), JournalStore(journal_url, "GATE0001")
    try:
        assert check_ticket(token, KEYS, JournalUsedTickets(a), now=NOW).admitted
        assert check_ticket(token, KEYS, JournalUsedTickets(b), now=NOW).verdict is GateVerdict.USED
    finally:
        a.dispose()
        b.dispose()

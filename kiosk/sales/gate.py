"""What a ticket gate decides for a scanned QR token: admit once, or refuse and say why.

Plain rules on top of :mod:`kiosk.sales.tokens` (signature, window) and a used-ticket
registry (the journal's ``used_ticket`` table in production): the gate works offline.
The verdicts are finer than the token's status where the visitor needs different advice:
a ticket for another day ("wrong day") is not the same as today's time slot having passed
("expired") or not having started ("too early"). Days are calendar days in China (UTC+8),
as the visit day is on the ticket.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from kiosk.config import Settings
from kiosk.errors import ConfigError
from kiosk.sales.tickets import today_in_china
from kiosk.sales.tokens import (
    DEMO_KEY,
    Ticket,
    TokenStatus,
    UsedTickets,
    admit,
    load_keys,
    production_keys,
)

#: Longer scanner input is not a token (version 1 tokens are at most 69 characters).
MAX_SCAN_LENGTH = 200


class GateVerdict(enum.StrEnum):
    ADMIT = "admit"
    USED = "used"
    FORGED = "forged"
    EXPIRED = "expired"
    WRONG_DAY = "wrong_day"
    TOO_EARLY = "too_early"
    UNREADABLE = "unreadable"
    #: Signed with a key this gate does not hold: another site's ticket.
    UNKNOWN_ISSUER = "unknown_issuer"
    #: A tapped card that paid for no ticket valid today (:mod:`kiosk.checkout.gate_card`).
    NO_TICKET = "no_ticket"
    #: A test ticket printed by ``kiosk print-test``: genuinely signed, never admitted.
    TEST_TICKET = "test_ticket"


@dataclass(frozen=True)
class GateDecision:
    """The verdict on one scan, and the ticket when its signature verified."""

    verdict: GateVerdict
    ticket: Ticket | None = None

    @property
    def admitted(self) -> bool:
        return self.verdict is GateVerdict.ADMIT


_BY_STATUS = {
    TokenStatus.VALID: GateVerdict.ADMIT,
    TokenStatus.USED: GateVerdict.USED,
    TokenStatus.FORGED: GateVerdict.FORGED,
    TokenStatus.ALTERED: GateVerdict.UNREADABLE,
    TokenStatus.MALFORMED: GateVerdict.UNREADABLE,
    TokenStatus.WRONG_KEY: GateVerdict.UNKNOWN_ISSUER,
    TokenStatus.EXPIRED: GateVerdict.EXPIRED,
    TokenStatus.NOT_YET_VALID: GateVerdict.TOO_EARLY,
    TokenStatus.TEST: GateVerdict.TEST_TICKET,
}


def check_ticket(
    scanned: str, keys: Mapping[int, bytes], used: UsedTickets, *, now: datetime
) -> GateDecision:
    """Decide on ``scanned`` (the scanner's characters) at ``now``; mark it used if admitted.

    Never raises for bad input: anything unreadable is :attr:`GateVerdict.UNREADABLE`.
    A naive ``now`` is a programming error (TicketError from the token module).
    """
    text = scanned.strip()
    if not text or len(text) > MAX_SCAN_LENGTH:
        return GateDecision(GateVerdict.UNREADABLE)
    check = admit(text, keys, used, now=now)
    verdict = _BY_STATUS[check.status]
    ticket = check.ticket
    if ticket is not None and verdict in (GateVerdict.EXPIRED, GateVerdict.TOO_EARLY):
        # The window's last instant is valid_until - 1 s (the end is exclusive).
        first = today_in_china(ticket.valid_from)
        last = today_in_china(ticket.valid_until - timedelta(seconds=1))
        if not first <= today_in_china(now) <= last:
            verdict = GateVerdict.WRONG_DAY
    return GateDecision(verdict, ticket)


def gate_keys(settings: Settings, key_file: Path | None = None) -> dict[int, bytes]:
    """Key id -> secret of the tokens this gate accepts: ``key_file``, else
    ``terminal.ticket_key_file`` (the kiosks' file), else the demo key in demo mode.

    Outside demo mode the demo key is never accepted, from a file or otherwise, and a gate
    without a key file is refused (ConfigError): anyone can sign with the published demo key.
    """
    path = key_file or (
        Path(settings.terminal.ticket_key_file) if settings.terminal.ticket_key_file else None
    )
    if path is not None:
        keys = load_keys(path)
        return keys if settings.demo else production_keys(keys, source=path)
    if settings.demo:
        return {DEMO_KEY.key_id: DEMO_KEY.secret}
    raise ConfigError(
        "terminal.ticket_key_file is required outside demo mode",
        code="config.value",
        key="terminal.ticket_key_file",
    )

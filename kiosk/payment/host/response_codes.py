"""Authorisation response codes (ISO 8583 field 39) in one table: which approve, and the
reason a decline gets.

ISO 8583:1987 field 39 codes as the CUPS acquirer specification uses them (see the
acquirer notes): ``00`` approved, ``10`` approved for a partial amount, ``11`` approved
(VIP). Every approval code is an approval — the card is asked for a TC with that code
in 8A (EMV Book 3 §10.11), and no reversal follows. Each decline names a stable reason
the screen has words for (``card.blocked``, ``card.expired``, ``host.unavailable``, else
``host.declined``); a code not in the table is a decline (``host.declined``):
acquirers add private codes, never approvals, that a terminal cannot know in advance.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RESPONSE_CODES", "ResponseCode", "response_code"]


@dataclass(frozen=True)
class ResponseCode:
    code: str
    approves: bool
    #: Stable reason for a decline ("" for an approval).
    reason: str
    meaning: str


def _table(*rows: tuple[str, bool, str, str]) -> dict[str, ResponseCode]:
    return {
        code: ResponseCode(code, approves, reason, meaning)
        for code, approves, reason, meaning in rows
    }


RESPONSE_CODES = _table(
    ("00", True, "", "approved"),
    ("10", True, "", "approved for a partial amount"),
    ("11", True, "", "approved (VIP)"),
    ("01", False, "host.declined", "refer to card issuer"),
    ("03", False, "host.declined", "invalid merchant"),
    ("04", False, "card.blocked", "pick up card"),
    ("05", False, "host.declined", "do not honour"),
    ("12", False, "host.declined", "invalid transaction"),
    ("13", False, "host.declined", "invalid amount"),
    ("14", False, "card.blocked", "invalid card number"),
    ("15", False, "host.declined", "no such issuer"),
    ("30", False, "host.declined", "format error"),
    ("41", False, "card.blocked", "lost card"),
    ("43", False, "card.blocked", "stolen card"),
    ("51", False, "host.declined", "insufficient funds"),
    ("54", False, "card.expired", "expired card"),
    ("57", False, "host.declined", "not permitted for this card"),
    ("58", False, "host.declined", "not permitted on this terminal"),
    ("59", False, "host.declined", "suspected fraud"),
    ("61", False, "host.declined", "exceeds amount limit"),
    ("62", False, "card.blocked", "restricted card"),
    ("65", False, "host.declined", "exceeds frequency limit"),
    ("91", False, "host.unavailable", "issuer or switch inoperative"),
    ("96", False, "host.unavailable", "switch system malfunction"),
)


def response_code(code: str) -> ResponseCode:
    """The table's entry for ``code``; an unknown code is a plain decline."""
    return RESPONSE_CODES.get(code) or ResponseCode(code, False, "host.declined", "unknown")

"""The outcome matrix: every card profile x contact/contactless x host reachable, unreachable
or none configured x amount below / at / above the EC terminal transaction limit (9F7B =
¥200.00 here).

The "none" columns are new with the offline-only terminal. Before it, 21 of their cells were
REQ: the kernel stopped at ONLINE_REQUEST and left the card mid-transaction. Now the default
action codes decide (DEC … with Z1, or the second GENERATE AC), and qPBOC above the floor
limit is declined rather than left to the caller.

Cells read ``OUTCOME[/reason]``: OFF approved offline, ON approved online, DEC declined,
OTHER use another interface, END end application (reason not shown). The floor limit is
¥500.00, so "above" (¥600.00) also needs the host.
"""

from __future__ import annotations

import itertools

import pytest

from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.profiles import list_profiles, load_card
from kiosk.payment.kernel import Outcome, TerminalConfig, TransactionResult
from kiosk.payment.reader import Interface
from tests.payment.kernel.conftest import IssuerHost, transact

CONFIG = TerminalConfig(ec_terminal_limit_fen=20_000)
AMOUNTS = {"below": 1_000, "at": 20_000, "above": 60_000}
INTERFACES = {"contact": Interface.CONTACT, "contactless": Interface.CONTACTLESS}
#: A host reachable, configured but unreachable, or none configured (offline-only terminal).
HOSTS = {"reachable": True, "unreachable": False, "none": None}
SHORT = {
    Outcome.APPROVED_OFFLINE: "OFF",
    Outcome.APPROVED_ONLINE: "ON",
    Outcome.DECLINED: "DEC",
    Outcome.ONLINE_REQUEST: "REQ",
    Outcome.TRY_AGAIN: "TRY",
    Outcome.USE_OTHER_INTERFACE: "OTHER",
    Outcome.END_APPLICATION: "END",
}
COLUMNS = list(itertools.product(INTERFACES, HOSTS, AMOUNTS))

# profile: one cell per column, in the order of COLUMNS (interface, host, amount).
EXPECTED: dict[str, tuple[str, ...]] = {
    "broken-ec-low-balance": (
        "ON",
        "ON",
        "ON",
        "DEC/card.ec_balance_low",
        "DEC/host.unavailable",
        "DEC/host.unavailable",
        "DEC/card.ec_balance_low",
        "DEC/card.declined",
        "DEC/card.declined",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
    ),
    "broken-expired": (
        "ON",
        "ON",
        "ON",
        "DEC/card.expired",
        "DEC/card.expired",
        "DEC/card.expired",
        "DEC/card.expired",
        "DEC/card.expired",
        "DEC/card.expired",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
    ),
    "broken-gpo-6985": (
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
    ),
    "broken-issuer-cert": (
        "ON",
        "ON",
        "ON",
        "DEC/card.oda_failed",
        "DEC/card.oda_failed",
        "DEC/card.oda_failed",
        "DEC/card.oda_failed",
        "DEC/card.oda_failed",
        "DEC/card.oda_failed",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
    ),
    "broken-missing-tag": (
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
    ),
    "broken-record-tlv": (
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
    ),
    "broken-sda-data": (
        "ON",
        "ON",
        "ON",
        "DEC/card.oda_failed",
        "DEC/card.oda_failed",
        "DEC/card.oda_failed",
        "DEC/card.oda_failed",
        "DEC/card.oda_failed",
        "DEC/card.oda_failed",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
    ),
    "credit": (
        "ON",
        "ON",
        "ON",
        "DEC/host.unavailable",
        "DEC/host.unavailable",
        "DEC/host.unavailable",
        "DEC/card.declined",
        "DEC/card.declined",
        "DEC/card.declined",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
    ),
    "debit-ec": (
        "OFF",
        "ON",
        "ON",
        "OFF",
        "DEC/host.unavailable",
        "DEC/host.unavailable",
        "OFF",
        "DEC/card.declined",
        "DEC/card.declined",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
    ),
    "debit-ec-sm4": (
        "OFF",
        "ON",
        "ON",
        "OFF",
        "DEC/host.unavailable",
        "DEC/host.unavailable",
        "OFF",
        "DEC/card.declined",
        "DEC/card.declined",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
    ),
    "multi-app": (
        "OFF",
        "ON",
        "ON",
        "OFF",
        "DEC/host.unavailable",
        "DEC/host.unavailable",
        "OFF",
        "DEC/card.declined",
        "DEC/card.declined",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
    ),
    "pure-ec": (
        "OFF",
        "END",
        "END",
        "OFF",
        "END",
        "END",
        "OFF",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
        "END",
    ),
    "qpboc-debit-ec": (
        "OTHER/card.other_interface",
        "OTHER/card.other_interface",
        "OTHER/card.other_interface",
        "OTHER/card.other_interface",
        "OTHER/card.other_interface",
        "OTHER/card.other_interface",
        "OTHER/card.other_interface",
        "OTHER/card.other_interface",
        "OTHER/card.other_interface",
        "OFF",
        "OFF",
        "ON",
        "OFF",
        "OFF",
        "DEC/host.unavailable",
        "OFF",
        "OFF",
        "DEC/host.unavailable",
    ),
}


def _cell(result: TransactionResult) -> str:
    short = SHORT[result.outcome]
    return short + (f"/{result.reason}" if result.reason and short != "END" else "")


def test_matrix_covers_every_profile() -> None:
    """Each shipped profile has a row, and each row a cell per column."""
    assert set(EXPECTED) == {p.name for p in list_profiles()}
    assert all(len(row) == len(COLUMNS) for row in EXPECTED.values())


@pytest.mark.parametrize(
    ("profile", "column"),
    [(p, c) for p in sorted(EXPECTED) for c in range(len(COLUMNS))],
    ids=[f"{p}-{'-'.join(COLUMNS[c])}" for p in sorted(EXPECTED) for c in range(len(COLUMNS))],
)
def test_matrix(profile: str, column: int, capk: CaKeyStore) -> None:
    """The kernel's outcome for this profile, interface, host state and amount."""
    interface, host_state, amount = COLUMNS[column]
    host = IssuerHost()
    reachable = HOSTS[host_state]
    result, _ = transact(
        load_card(profile),
        capk,
        amount=AMOUNTS[amount],
        interface=INTERFACES[interface],
        config=CONFIG,
        host=None if reachable is None else host,
        host_reachable=reachable is not False,
    )
    assert _cell(result) == EXPECTED[profile][column]
    if result.outcome is Outcome.APPROVED_ONLINE:
        assert host.arqc_valid == [True]
    before, after = result.ec_balance_before_fen, result.ec_balance_after_fen
    if result.outcome is Outcome.APPROVED_OFFLINE:
        assert before is not None and after is not None
        assert before - after == AMOUNTS[amount]

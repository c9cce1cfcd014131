"""Reversals through ``TrackedHost`` against the issuer simulator's ledger.

Genuine ARQCs from the software card; the issuer simulator books and reverses by STAN,
so each test checks the issuer's own account, not a call count.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.checkout.card_provider import TrackedHost
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.errors import HostError
from kiosk.payment.host.base import AuthorizationRequest
from kiosk.payment.host.issuer_sim import DEFAULT_ACCOUNT_FEN, HostFault, IssuerSimulator
from kiosk.payment.host.issuer_sim import LedgerState as L
from kiosk.payment.reader.sim import SimReader
from tests.payment.host.plain_terminal import ARQC, PlainTerminal


@pytest.fixture
def request_() -> AuthorizationRequest:
    reader = SimReader(load_card("debit-ec"))
    reader.wait_for_card(0)
    term = PlainTerminal(reader, 2_000, ec=False)
    term.start()
    term.generate_ac(ARQC)
    return term.request(stan=11)


def _funds(issuer: IssuerSimulator, request: AuthorizationRequest) -> int:
    return issuer.balance(request.pan, request.psn)


def test_timed_out_request_reversed_before_next(request_: AuthorizationRequest) -> None:
    """A lost answer is queued; the next request first reverses it: funds come back."""
    now = [0.0]
    issuer = IssuerSimulator()
    tracked = TrackedHost(issuer, retry_s=10, clock=lambda: now[0])
    issuer.fault = HostFault.TIMEOUT
    with pytest.raises(HostError):
        tracked.authorize(request_)
    assert _funds(issuer, request_) == DEFAULT_ACCOUNT_FEN - 2_000
    assert len(tracked.pending) == 1
    issuer.fault = HostFault.NONE
    now[0] = 10
    assert tracked.authorize(replace(request_, stan=12)).approved
    assert tracked.pending == []
    assert [e.state for e in issuer.ledger] == [L.REVERSED, L.APPROVED]
    assert _funds(issuer, request_) == DEFAULT_ACCOUNT_FEN - 2_000


def test_reversal_waits_while_host_down(request_: AuthorizationRequest) -> None:
    """A reversal the host cannot take stays queued and goes out once it answers again."""
    issuer = IssuerSimulator()
    tracked = TrackedHost(issuer)
    assert tracked.authorize(request_).approved
    issuer.fault = HostFault.UNREACHABLE
    tracked.reverse_approval("card.declined_after_approval")
    assert len(tracked.pending) == 1 and not tracked.up
    issuer.fault = HostFault.NONE
    tracked.send_reversals()
    assert tracked.pending == []
    assert [(e.state, e.reversal_reason) for e in issuer.ledger] == [
        (L.REVERSED, "card.declined_after_approval")
    ]
    assert _funds(issuer, request_) == DEFAULT_ACCOUNT_FEN


def test_declined_authorisation_is_not_reversed(request_: AuthorizationRequest) -> None:
    """Only an approval is reversed: a 51 decline leaves nothing to undo or queue."""
    issuer = IssuerSimulator()
    issuer.set_balance(request_.pan, request_.psn, 100)
    tracked = TrackedHost(issuer)
    assert tracked.authorize(request_).response_code == "51"
    tracked.reverse_approval("card.declined_after_approval")
    assert tracked.pending == [] and [e.state for e in issuer.ledger] == [L.DECLINED]

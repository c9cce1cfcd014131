"""The offline ceiling gets its real total: offline approvals the hub has not acknowledged.

Through the checkout pipeline with the in-process card simulator (the demo's e-cash card,
no acquirer host): with nothing uploaded the second offline sale would pass
``payment.max_offline_total_fen`` and is not approved; once the hub acknowledged the
journal, offline approvals are allowed again.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx

from kiosk.checkout.terminal import KioskServices, build_services
from kiosk.journal.models import PaymentState
from kiosk.sales.tickets import load_catalog, today_in_china
from kiosk.sync.client import Credentials, HubClient
from kiosk.sync.state import SyncStateStore
from kiosk.sync.uploader import Uploader
from tests.checkout.conftest import kiosk_settings
from tests.sync.test_uploader import KEY, Ledger


def _sell_one(services: KioskServices) -> tuple[PaymentState, int]:
    """One adult ticket; the payment's state and the amount charged (after card discounts)."""
    day = today_in_china(services.clock())
    draft = services.catalog.order({"ADULT": 1}, visit_day=day, slot={}, sold=services.sold_on(day))
    result = services.pay(draft, progress=lambda _s: None, cancelled=lambda: False)
    return result.state, (result.draft or draft).total_fen


def test_ceiling_stops_offline_approvals_until_the_hub_acknowledges(tmp_path: Path) -> None:
    """Sale 1 offline; sale 2 would pass the ceiling: refused; after an upload: approved."""
    price = load_catalog().by_code["ADULT"].price_fen
    base = kiosk_settings(tmp_path)
    settings = dataclasses.replace(
        base,
        payment=dataclasses.replace(base.payment, max_offline_total_fen=price * 3 // 2),
    )
    services = build_services(settings)
    try:
        state = SyncStateStore(services.store)
        first, charged = _sell_one(services)
        assert first is PaymentState.APPROVED and 2 * charged > price * 3 // 2
        assert state.offline_unacked_fen() == charged
        assert _sell_one(services)[0] is not PaymentState.APPROVED
        assert state.offline_unacked_fen() == charged  # nothing more was approved offline

        ledger = Ledger()
        client = HubClient(
            "http://hub.test",
            Credentials(services.store.terminal_id, KEY),
            transport=httpx.MockTransport(ledger),
        )
        Uploader(services.store, state, client, batch_size=100).push()
        assert state.offline_unacked_fen() == 0

        assert _sell_one(services) == (PaymentState.APPROVED, charged)
        assert state.offline_unacked_fen() == charged
    finally:
        services.dispose()

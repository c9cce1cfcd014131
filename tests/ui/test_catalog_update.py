"""A parameter bundle's catalog on the ticket screens without a restart: the next sale shows
the new price, the sale already shown keeps its own."""

from __future__ import annotations

import httpx

from kiosk.sync.client import Credentials, HubClient
from kiosk.sync.link import SyncLink
from kiosk.sync.protocol import sign_bundle
from kiosk.sync.service import SyncService
from kiosk.sync.state import SyncStateStore
from tests.sync.test_params import HUB, HUB_KEY, TID, BundleHub, bundle
from tests.sync.test_uploader import KEY


def test_a_published_price_shows_at_the_next_sale(make_kiosk, qtbot) -> None:
    """¥50.00 in effect: a sale starts at ¥50.00; ¥57.00 published while it is shown leaves
    it (products and summary) at ¥50.00; the next sale shows ¥57.00."""
    kiosk = make_kiosk()
    services = kiosk.services
    hub = BundleHub()
    client = HubClient("http://hub.test", Credentials(TID, KEY), transport=httpx.MockTransport(hub))
    sync = SyncService(
        services.settings, services.store, SyncStateStore(services.store), client, HUB_KEY
    )
    services.sync = SyncLink(services.store, sync, "")
    hub.answer = sign_bundle(HUB, bundle(1, adult_fen=5000, terminals="*"))
    assert sync.poller.poll() is not None

    def start_with_one_adult() -> None:
        kiosk.tap(qtbot, kiosk.flow.current.rect().center())
        kiosk.wait_for(qtbot, "products")
        kiosk.click(qtbot, "plus_ADULT")

    start_with_one_adult()
    assert "¥50.00" in kiosk.text("total")
    hub.answer = sign_bundle(HUB, bundle(2, adult_fen=5700, terminals="*"))
    assert sync.poller.poll() is not None  # fetched while the sale is shown
    kiosk.click(qtbot, "plus_ADULT")
    assert "¥100.00" in kiosk.text("total")
    kiosk.click(qtbot, "next")
    kiosk.wait_for(qtbot, "summary")
    assert "¥100.00" in kiosk.text("total")
    kiosk.click(qtbot, "back")
    kiosk.wait_for(qtbot, "products")
    kiosk.click(qtbot, "cancel")
    kiosk.wait_for(qtbot, "attract")

    start_with_one_adult()
    assert "¥57.00" in kiosk.text("total")
    kiosk.click(qtbot, "next")
    kiosk.wait_for(qtbot, "summary")
    assert "¥57.00" in kiosk.text("total")

"""Heartbeats: what the terminal tells the hub about itself, and the clock offset it learns."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from kiosk import __version__
from kiosk.checkout.terminal import build_services
from kiosk.sync.client import Credentials, HubClient
from kiosk.sync.service import SyncService
from kiosk.sync.state import SyncStateStore
from tests.checkout.conftest import kiosk_settings
from tests.sync.test_params import HUB_KEY
from tests.sync.test_uploader import KEY


def test_heartbeat_reports_the_terminal_and_learns_the_clock_offset(tmp_path: Path) -> None:
    """Version, mode, backlog, printer, reader, last sale, clock; the hub's clock 90 s ahead
    gives an offset of about 90 s; last contact is recorded."""
    services = build_services(kiosk_settings(tmp_path))
    seen: list[dict[str, Any]] = []

    def hub(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/terminals/DEMO0001/heartbeat"
        seen.append(json.loads(request.content))
        ahead = datetime.fromtimestamp(datetime.now(UTC).timestamp() + 90, UTC)
        return httpx.Response(
            200, json={"server_time": ahead.isoformat().replace("+00:00", "Z"), "bundle_version": 0}
        )

    try:
        assert services.sync_view().state == "not_enrolled"  # the demo: sync shown, not run
        services.store.record("payment.approved", {"path": "online", "amount_fen": 1}, actor="t")
        client = HubClient(
            "http://hub.test", Credentials("DEMO0001", KEY), transport=httpx.MockTransport(hub)
        )
        sync = SyncService(
            services.settings,
            services.store,
            SyncStateStore(services.store),
            client,
            HUB_KEY,
            devices=services.device_state,
        )
        assert sync.heartbeat()["bundle_version"] == 0
        beat = seen[0]
        assert beat["version"] == __version__ and beat["mode"] == "ticket"
        assert beat["build"] == "source"  # "bundle" from the PyInstaller program
        assert beat["backlog"] == services.store.entries()[-1].seq and beat["acked_seq"] == 0
        assert (beat["printer"], beat["reader"], beat["last_sale_at"]) == ("ok", "ok", None)
        assert beat["clock"].endswith("Z") and beat["params_version"] == 0
        assert sync.clock_offset_s is not None and 85 < sync.clock_offset_s < 95
        assert sync.state.status().last_contact_at is not None
    finally:
        services.dispose()

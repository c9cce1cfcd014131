"""Parameters from the real hub: a price published there is in effect on the terminal after
its next round; a bundle signed by another key (an impostor on the hub's database) is
refused and the one in effect stays."""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.sync.service import open_sync
from tests.support.hub import kiosk_hub
from tests.sync.hub_process import HubProcess
from tests.sync.test_delivery import open_terminal
from tests.sync.test_params import catalog


def publish(hub: HubProcess, folder: Path, adult_fen: int, key: Path) -> None:
    sections = folder / f"bundle-{adult_fen}.json"
    sections.write_text(json.dumps({"catalog": catalog(adult_fen), "blocklist": []}))
    out = kiosk_hub(hub.folder, hub.db_url, "--key", str(key), "publish", str(sections))
    assert out.returncode == 0, out.stderr


def test_published_price_reaches_the_terminal_and_an_impostors_does_not(tmp_path: Path) -> None:
    """Round 1 after publication: ADULT at 77.00 in effect from the next sale, journalled;
    a version 2 signed with another key: params.rejected, 77.00 stays."""
    hub = HubProcess(tmp_path / "hub").start()
    try:
        settings, store = open_terminal(tmp_path / "t", hub, hub.url)
        sync = open_sync(settings, store)
        try:
            publish(hub, tmp_path, 7700, hub.folder / "hub.key")
            sync.round()
            params = sync.params.for_sale()
            assert params is not None and params.catalog is not None
            assert params.catalog.by_code["ADULT"].price_fen == 7700
            applied = [e.payload for e in store.entries() if e.event == "params.applied"]
            assert applied == [{"version": 1, "sha256": params.sha256}]

            publish(hub, tmp_path, 100, tmp_path / "impostor.key")
            sync.round()
            rejected = [e.payload for e in store.entries() if e.event == "params.rejected"]
            assert [r["reason"] for r in rejected] == ["sync.bundle_signature"]
            assert sync.params.for_sale() is params
            assert sync.state.status().params_version == 1
            assert sync.state.status().backlog <= 1  # the refusal, journalled after the push
        finally:
            sync.close()
            store.dispose()
    finally:
        hub.kill()

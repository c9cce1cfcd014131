"""Sync for one terminal, wired from the settings: upload, heartbeat, parameter poll.

:func:`open_sync` is the one factory (``kiosk sync``, the kiosk process, ``kiosk doctor``
use it); :meth:`SyncService.round` is what the worker thread runs every ``interval_s``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from kiosk import __version__
from kiosk.config import Settings
from kiosk.journal.store import JournalStore, iso, utcnow
from kiosk.sync import enrolment
from kiosk.sync.client import Credentials, HubClient
from kiosk.sync.params import ParamsHolder, ParamsPoller, load_saved
from kiosk.sync.state import SyncStateStore
from kiosk.sync.uploader import Backoff, PushResult, SyncWorker, Uploader
from kiosk.version import build


@dataclass(frozen=True)
class DeviceState:
    """What a heartbeat reports besides the journal (``docs/sync.md`` "Heartbeat")."""

    printer: str = "none"  # ok | paper_low | paper_out | offline | none
    reader: str = "none"  # ok | missing | none
    last_sale_at: datetime | None = None


@dataclass
class SyncService:
    """One terminal's sync: its state, the uploader and the hub client."""

    settings: Settings
    store: JournalStore
    state: SyncStateStore
    client: HubClient
    hub_key: bytes
    devices: Callable[[], DeviceState] = DeviceState
    clock: Callable[[], datetime] = utcnow
    params: ParamsHolder = field(default_factory=ParamsHolder)
    uploader: Uploader = field(init=False)
    poller: ParamsPoller = field(init=False)
    #: The hub's clock minus ours, in seconds, at the last heartbeat (None before one).
    clock_offset_s: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.uploader = Uploader(
            self.store, self.state, self.client, batch_size=self.settings.sync.batch_size
        )
        self.poller = ParamsPoller(
            self.client,
            self.hub_key,
            self.store,
            self.state,
            self.params,
            enrolment.sync_dir(self.settings),
        )

    def push(self) -> PushResult:
        return self.uploader.push()

    def heartbeat(self) -> dict[str, Any]:
        """Tell the hub how this terminal is; the hub's answer."""
        status = self.state.status()
        devices = self.devices()
        sent_at = time.time()
        answer = self.client.heartbeat(
            {
                "version": __version__,
                "build": build(),
                "mode": self.settings.terminal.mode.value,
                "acked_seq": status.acked_seq,
                "backlog": status.backlog,
                "printer": devices.printer,
                "reader": devices.reader,
                "last_sale_at": None if devices.last_sale_at is None else iso(devices.last_sale_at),
                "clock": iso(self.clock()),
                "params_version": status.params_version,
            }
        )
        self.state.contacted(hub_url=self.client.base_url)
        server_time = answer.get("server_time")
        if isinstance(server_time, str):
            try:
                hub_now = datetime.fromisoformat(server_time.replace("Z", "+00:00"))
                self.clock_offset_s = hub_now.timestamp() - (sent_at + time.time()) / 2
            except ValueError:
                self.clock_offset_s = None
        return answer

    def round(self) -> None:
        """Push the backlog, send a heartbeat, and fetch a bundle when the hub has a newer
        one than this terminal's."""
        self.push()
        newest = self.heartbeat().get("bundle_version")
        if not isinstance(newest, int) or newest > self.params.version:
            self.poller.poll()

    def worker(self) -> SyncWorker:
        interval = self.settings.sync.interval_s
        return SyncWorker(
            self.round, interval_s=interval, backoff=Backoff(cap_s=max(interval * 10, 60.0))
        )

    def close(self) -> None:
        self.client.close()


def open_sync(
    settings: Settings,
    store: JournalStore,
    *,
    transport: httpx.BaseTransport | None = None,
    devices: Callable[[], DeviceState] = DeviceState,
) -> SyncService:
    """Sync as enrolled and configured; EnrolmentError when this terminal is not enrolled."""
    enrolled, key = enrolment.load(settings)
    hub_url = settings.sync.hub_url or enrolled.hub_url
    client = HubClient(
        hub_url,
        Credentials(enrolled.terminal_id, key),
        timeout_s=settings.sync.timeout_s,
        gzip=settings.sync.gzip,
        ca_bundle=settings.sync.ca_bundle,
        transport=transport,
    )
    hub_key = enrolled.hub_key_bytes
    saved = load_saved(enrolment.sync_dir(settings), hub_key, enrolled.terminal_id)
    return SyncService(
        settings,
        store,
        SyncStateStore(store),
        client,
        hub_key,
        devices=devices,
        params=ParamsHolder(saved),
    )

"""Sync as the kiosk process runs it: the worker thread, the status line, the parameters.

:func:`link_from_settings` never fails the terminal's start: a terminal that is not
enrolled, or has sync disabled, sells as before and says so in its status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.config import Settings
from kiosk.errors import KioskError
from kiosk.journal.store import JournalStore
from kiosk.sync.enrolment import EnrolmentError
from kiosk.sync.params import Params
from kiosk.sync.service import DeviceState, SyncService, open_sync
from kiosk.sync.state import SyncStateStore, SyncStatus
from kiosk.sync.uploader import SyncWorker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncView:
    """What the status area and ``kiosk doctor`` show: ``state`` is ``disabled``,
    ``not_enrolled``, ``ok`` or ``error``; ``status`` the numbers when there are any."""

    state: str
    status: SyncStatus | None = None
    detail: str = ""


class SyncLink:
    """The terminal's sync, or the reason there is none."""

    def __init__(self, store: JournalStore, service: SyncService | None, reason: str) -> None:
        self.store, self.service, self.reason = store, service, reason
        self._worker: SyncWorker | None = None

    def start(self) -> None:
        if self.service is not None and self._worker is None:
            self._worker = self.service.worker()
            self._worker.start()

    def wake(self) -> None:
        """Push now (after a sale)."""
        if self._worker is not None:
            self._worker.wake()

    def params_for_sale(self) -> Params | None:
        return None if self.service is None else self.service.params.for_sale()

    def view(self) -> SyncView:
        if self.service is None:
            return SyncView(self.reason)
        status = SyncStateStore(self.store).status()
        return SyncView("error" if status.last_error else "ok", status, status.last_error)

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
        if self.service is not None:
            self.service.close()


def link_from_settings(
    settings: Settings, store: JournalStore, devices: Callable[[], DeviceState]
) -> SyncLink:
    """Sync for this terminal when enabled and enrolled (not started: see :meth:`start`)."""
    if not settings.sync.enabled:
        return SyncLink(store, None, "disabled")
    try:
        return SyncLink(store, open_sync(settings, store, devices=devices), "")
    except EnrolmentError as exc:
        return SyncLink(store, None, "not_enrolled" if exc.code == "sync.not_enrolled" else "error")
    except KioskError as exc:  # a bad key file or CA bundle: the terminal still sells
        log.error("sync not started: %s", exc)
        return SyncLink(store, None, "error")

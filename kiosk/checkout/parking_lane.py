"""The parking lane's barrier and cameras, as use cases the screens call on a worker.

Every opening of the barrier is logged and journaled (``parking.barrier_opened``: lane,
reason, plate, who; a supervisor's id when it opened without payment); an opening that
fails is journaled as ``parking.barrier_failed`` with its code and raised. The camera
endpoint (:mod:`kiosk.parking.camera`) checks plates with the same rule as the keyboard.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.errors import KioskError
from kiosk.journal.store import JournalStore
from kiosk.parking.barrier import Barrier, BarrierError
from kiosk.parking.camera import CameraEndpoint, CameraEvent, Direction
from kiosk.sales.plates import parse_plate

__all__ = [
    "CameraEvent",
    "Direction",
    "OpenReason",
    "ParkingLane",
    "SupervisorRequiredError",
    "camera_endpoint",
]

log = logging.getLogger(__name__)


class OpenReason(enum.StrEnum):
    """Why the barrier went up: after payment, a free exit, an entry, or by hand."""

    PAID = "paid"
    FREE = "free"
    ENTRY = "entry"
    MANUAL = "manual"


class SupervisorRequiredError(KioskError):
    """Opening without payment needs a supervisor who says why."""

    code = "parking.supervisor_required"


@dataclass
class ParkingLane:
    """The lane's barrier on one terminal's journal; without a barrier output (None) the
    attendant lifts it, and the opening is journaled all the same."""

    store: JournalStore
    barrier: Barrier | None

    def open(
        self,
        *,
        lane: str,
        reason: OpenReason,
        actor: str,
        plate: str = "",
        supervisor: str = "",
        note: str = "",
    ) -> None:
        """Open the barrier once and journal it. A manual opening needs ``supervisor`` and a
        ``note`` saying why (SupervisorRequiredError). Raises BarrierError when it did not
        open (journaled as ``parking.barrier_failed``)."""
        if reason is OpenReason.MANUAL and not (supervisor and note.strip()):
            raise SupervisorRequiredError("a manual opening needs a supervisor and a reason")
        payload = {"lane": lane, "reason": reason.value, "plate": plate}
        if supervisor:
            payload |= {"supervisor": supervisor, "note": note.strip()}
        try:
            if self.barrier is not None:
                self.barrier.open()
        except BarrierError as exc:
            log.error("barrier of lane %s did not open (%s): %s", lane, exc.code, exc)
            self.store.record("parking.barrier_failed", payload | {"code": exc.code}, actor=actor)
            raise
        log.info("barrier of lane %s opened: %s %s by %s", lane, reason.value, plate, actor)
        self.store.record("parking.barrier_opened", payload, actor=actor)

    def close(self) -> None:
        if self.barrier is not None:
            self.barrier.close()


def normal_plate(text: str) -> str:
    """The plate as the journal keeps it; PlateError in plain words otherwise."""
    return parse_plate(text).text


def camera_endpoint(
    listen: str, secret: str, on_event: Callable[[CameraEvent], None], *, min_confidence: int
) -> CameraEndpoint:
    """The camera endpoint on ``listen`` (``host:port``), checking plates as typed ones are.
    Not started; KioskError ``camera.listen`` for an address it cannot use."""
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise KioskError(
            f"camera endpoint address {listen!r}: expected host:port", code="camera.listen"
        )
    return CameraEndpoint(
        (host.strip("[]"), int(port)),
        secret=secret,
        check_plate=normal_plate,
        on_event=on_event,
        min_confidence=min_confidence,
    )

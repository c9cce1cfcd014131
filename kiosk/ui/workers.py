"""Device and database work off the GUI thread, with results delivered back by signal.

One :class:`Worker` per device family (reader/payment, printer, later sync): each is a
single thread, so the reader is never used by two calls at once and print jobs keep their
order. A call's result (or its exception) is emitted from the worker thread; Qt queues the
signal to the GUI thread, where the caller's ``deliver`` runs only if ``still_wanted()`` says
the screen that asked is still showing (a customer who walked away must not see an old
answer pop up on the next customer's screen).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from kiosk.ui.signals import emit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Done:
    """The end of one call: its value, or the exception it raised."""

    job: int
    value: Any = None
    error: BaseException | None = None


@dataclass
class _Pending:
    deliver: Callable[[Done], None]
    still_wanted: Callable[[], bool]


class Worker(QObject):
    """A named single-thread executor whose results come back on the GUI thread.

    Only the job number crosses threads in the signal; the result waits in a locked dict.
    (Python objects queued through ``Signal(object)`` from a non-Qt thread lost a reference
    under PySide6 6.12 / CPython 3.11, ending in a crash at exit.)
    """

    _finished = Signal(int)
    #: ``(job, message)`` emitted from the worker thread, e.g. a payment's progress stage.
    progress = Signal(int, str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._results: dict[int, Done] = {}
        self._lock = threading.Lock()
        self._finished.connect(self._on_finished)

    def run(
        self,
        fn: Callable[[int], Any],
        deliver: Callable[[Done], None],
        *,
        still_wanted: Callable[[], bool] = lambda: True,
    ) -> int:
        """Run ``fn(job)`` on the worker thread; ``deliver`` gets its :class:`Done` later.

        ``fn`` receives its job number so it can report :attr:`progress` under it.
        """
        job = next(self._ids)
        self._pending[job] = _Pending(deliver, still_wanted)
        self._pool.submit(self._call, job, fn)
        return job

    def _call(self, job: int, fn: Callable[[int], Any]) -> None:
        try:
            done = Done(job, value=fn(job))
        except Exception as exc:  # noqa: BLE001 - handed to the GUI thread, which decides
            done = Done(job, error=exc)
        with self._lock:
            self._results[job] = done
        emit(self._finished, job)

    def _on_finished(self, job: int) -> None:
        with self._lock:
            done = self._results.pop(job)
        pending = self._pending.pop(job, None)
        if pending is None:
            return
        if not pending.still_wanted():
            log.info("%s: job %d finished after its screen closed", self.name, done.job)
            return
        pending.deliver(done)

    @property
    def busy(self) -> bool:
        """Whether a call is queued or running (tests wait on this)."""
        return bool(self._pending)

    def shutdown(self) -> None:
        """Wait for the running call and stop the thread (at application exit)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

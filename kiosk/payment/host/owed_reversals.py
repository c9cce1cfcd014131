"""The reversals a previous run left owed, sent as soon as the terminal starts.

A terminal killed while its 0200 was outstanding owes the acquirer a 0400 (stored
durably before the 0200 went, :mod:`.link_state`). Waiting for the next sale to send it
would leave the cardholder's money held for as long as the kiosk stands idle, so the
selling process sends it at start-up (after its recovery, under the terminal lock), on a
thread of its own so that the first screen does not wait for the network: once now, then,
while the acquirer cannot be reached or refuses, again after ``first_delay_s``, twice
that, and so on up to ``max_delay_s`` between tries, until nothing is owed.

The client's lock keeps a sale's own exchange from interleaving with it, and an
acknowledged reversal is deleted before the lock is let go, so a sale that starts
meanwhile does not send it again: the acquirer hears of each reversal once.
"""

from __future__ import annotations

import logging
import threading

from kiosk.errors import ConfigError, KioskError
from kiosk.payment.host.acquirer import AcquirerClient

log = logging.getLogger(__name__)

__all__ = ["OwedReversals"]


class OwedReversals:
    """Sends ``client``'s owed reversals in the background (see the module docstring)."""

    def __init__(
        self, client: AcquirerClient, *, first_delay_s: float = 1.0, max_delay_s: float = 60.0
    ) -> None:
        self.client = client
        self.first_delay_s, self.max_delay_s = first_delay_s, max_delay_s
        #: The waits between failed tries so far (seconds), for the status and tests.
        self.delays: list[float] = []
        #: The code of the last failure ("" before one, or once everything was sent).
        self.last_error = ""
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Start sending if anything is owed; False (and no thread) when nothing is."""
        if not self.client.state.reversals.stans():
            return False
        self._thread = threading.Thread(target=self._run, name="owed-reversals", daemon=True)
        self._thread.start()
        return True

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout_s: float | None = None) -> None:
        """No further tries; wait (up to ``timeout_s``) for one under way to finish, so
        that a 0400 on the wire is not left without its 0410 being recorded."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        delay = self.first_delay_s
        while not self._stopping.is_set():
            try:
                self.client.send_reversals()
            except KioskError as exc:
                # HostError: unreachable, no answer, refused; a journal that cannot be
                # written now. Both may pass; a ConfigError (the link key) will not.
                self.last_error = exc.code
                if isinstance(exc, ConfigError):
                    log.error("owed reversals cannot be sent: %s", exc)
                    return
                log.warning("owed reversals not sent (%s); next try in %.1f s", exc.code, delay)
                self.delays.append(delay)
                self._stopping.wait(delay)
                delay = min(delay * 2, self.max_delay_s)
                continue
            self.last_error = ""
            log.info("owed reversals sent")
            return

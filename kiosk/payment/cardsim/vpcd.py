"""Serve a software card to vsmartcard's ``vpcd`` driver, so pcscd sees it in a real reader slot.

vpcd (loaded by pcscd from ``/etc/reader.conf.d/vpcd``) listens on 127.0.0.1:35963 for slot
``Virtual PCD 00 00`` (35964 for ``00 01``); this bridge is the client. Connecting is inserting
the card, closing the socket is removing it. Every message either way is a 2-byte big-endian
length and a payload. From vpcd, a 1-byte payload is a control code — 0 power off, 1 power on,
2 reset (no answer to any of those), 4 "send the ATR" (answered with the ATR; pcscd also sends
it to poll for presence) — and a longer payload is a command APDU, answered with data + SW.

Options mirror what a customer does: ``tap`` leaves after the first power-off that follows a
power-on with APDUs (one transaction), ``remove_after`` leaves right after answering that many
APDUs (a card pulled mid-transaction), ``repeat`` presents the card again after a pause (a
queue of customers), and without those the card stays until :meth:`VpcdBridge.stop`, coming
back when pcscd restarts.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
from dataclasses import dataclass

from kiosk.payment.cardsim.base import VirtualCard
from kiosk.payment.errors import ReaderUnavailableError

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "BridgeOptions", "VpcdBridge"]

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 35963

POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4
#: How often a blocked read wakes up to look at the stop flag.
_POLL = 0.2


@dataclass(frozen=True)
class BridgeOptions:
    """How the card behaves in the reader (see the module docstring)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    tap: bool = False
    remove_after: int | None = None
    repeat: bool = False
    #: Seconds out of the reader between two presentations (``repeat``) or reconnect attempts.
    pause: float = 1.0


def _ack_at_once(sock: socket.socket) -> None:
    """Acknowledge what arrives without the 40 ms delayed-ACK wait (Linux; re-armed per read).

    vpcd writes the 2-byte length and the APDU in two ``send`` calls; under Nagle's algorithm
    the APDU waits for the length's ACK, which a receiver with delayed ACKs holds back ~40 ms.
    Quick ACKs bring a round trip through pcscd from ~44 ms to well under 1 ms
    (bench/reader_roundtrip.py).
    """
    if hasattr(socket, "TCP_QUICKACK"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)


class _RemovedError(Exception):
    """Internal: this presentation of the card is over.

    ``planned`` when the tap/remove-after behaviour took the card out, not when vpcd left.
    """

    def __init__(self, *, planned: bool) -> None:
        super().__init__()
        self.planned = planned


class VpcdBridge:
    """Carry APDUs between vpcd and one :class:`VirtualCard`; run :meth:`serve` in a thread or
    as the main loop of ``kiosk card-sim``."""

    def __init__(self, card: VirtualCard, options: BridgeOptions | None = None) -> None:
        self.card = card
        self.options = options or BridgeOptions()
        self.apdus = 0
        self.presentations = 0
        self._stop = threading.Event()

    def stop(self) -> None:
        """Ask :meth:`serve` to remove the card and return (safe from a signal handler)."""
        self._stop.set()

    def serve(self) -> None:
        """Present the card until told to stop, or until the one-shot behaviour is done.

        Raises ``ReaderUnavailableError`` (``cardsim.vpcd_unreachable``) if vpcd cannot be
        reached the first time; later losses (pcscd restarting) are retried every ``pause``.
        Exceptions from the card itself (a ``ScriptedCard`` failing) propagate.
        """
        first = True
        while not self._stop.is_set():
            try:
                sock = socket.create_connection((self.options.host, self.options.port), timeout=2)
            except OSError as exc:
                if first:
                    raise ReaderUnavailableError(
                        f"vpcd is not reachable at {self.options.host}:{self.options.port} "
                        f"(is pcscd running with the vpcd driver?): {exc.strerror or exc}",
                        code="cardsim.vpcd_unreachable",
                        host=self.options.host,
                        port=self.options.port,
                    ) from exc
                self._stop.wait(self.options.pause)
                continue
            first = False
            one_shot = self._present(sock)
            if one_shot and not self.options.repeat:
                return
            self._stop.wait(self.options.pause)

    def _present(self, sock: socket.socket) -> bool:
        """One insertion: serve until removal. True if the removal was the tap/pull behaviour."""
        self.presentations += 1
        self.apdus = 0
        sock.settimeout(_POLL)
        log.info("card inserted into vpcd at %s:%s", self.options.host, self.options.port)
        try:
            self._session(sock)
        except _RemovedError as removed:
            return removed.planned
        finally:
            sock.close()
            self.card.power_off()
            log.info("card removed after %d APDU(s)", self.apdus)
        return False

    def _session(self, sock: socket.socket) -> None:
        atr: bytes | None = None
        used_since_power_on = False
        while True:
            message = self._read(sock)
            if len(message) <= 1:
                code = message[0] if message else -1
                if code in (POWER_ON, RESET):
                    atr = self.card.power_on()
                    used_since_power_on = False
                elif code == POWER_OFF:
                    self.card.power_off()
                    if self.options.tap and used_since_power_on:
                        raise _RemovedError(planned=True)
                elif code == GET_ATR:
                    if atr is None:
                        # pcscd polls for presence with "get ATR" before any power-on.
                        atr = self.card.power_on()
                    self._write(sock, atr)
                else:
                    log.warning("unknown vpcd control message %s ignored", message.hex())
                continue
            response = self.card.process(message)
            self.apdus += 1
            used_since_power_on = True
            self._write(sock, response)
            if self.options.remove_after is not None and self.apdus >= self.options.remove_after:
                raise _RemovedError(planned=True)

    def _read(self, sock: socket.socket) -> bytes:
        (length,) = struct.unpack(">H", self._read_exactly(sock, 2))
        return self._read_exactly(sock, length)

    def _read_exactly(self, sock: socket.socket, size: int) -> bytes:
        buffer = bytearray()
        while len(buffer) < size:
            if self._stop.is_set():
                raise _RemovedError(planned=False)
            try:
                _ack_at_once(sock)
                chunk = sock.recv(size - len(buffer))
            except TimeoutError:
                continue
            except OSError as exc:
                log.info("vpcd connection lost: %s", exc)
                raise _RemovedError(planned=False) from exc
            if not chunk:
                raise _RemovedError(planned=False)  # vpcd went away (pcscd stopped or restarted)
            buffer += chunk
        return bytes(buffer)

    def _write(self, sock: socket.socket, payload: bytes) -> None:
        try:
            sock.sendall(struct.pack(">H", len(payload)) + payload)
        except OSError as exc:
            raise _RemovedError(planned=False) from exc

"""Real-time printer status through ``DLE EOT n`` (10 04 n), and what it means for a sale.

Each request is answered at once with one byte, even while the printer is offline or
holding data (Epson ESC/POS Command Reference, "DLE EOT"). Every reply has the fixed
pattern ``0xx1xx10``; a byte without it is not a status reply. The bits read here:

- n=1 printer status: bit 2 drawer connector pin 3, bit 3 offline;
- n=2 offline cause: bit 2 cover open, bit 5 printing stopped by paper end, bit 6 error;
- n=3 error cause: bit 3 autocutter error, bit 5 unrecoverable, bit 6 auto-recoverable;
- n=4 roll paper sensor: bits 2-3 near end, bits 5-6 paper not present.

No reply within the timeout raises :class:`PrinterSilentError`: a printer that does not
answer is never taken to have paper.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import IntFlag

from kiosk.printing.connections import Link
from kiosk.printing.errors import (
    CoverOpenError,
    PaperOutError,
    PrinterError,
    PrinterFaultError,
    PrinterNotReadyError,
    PrinterOfflineError,
    PrinterSilentError,
)

DLE_EOT = b"\x10\x04"
_FIXED_MASK, _FIXED_BITS = 0x93, 0x12


class PrinterBits(IntFlag):  # n = 1
    DRAWER_PIN3_HIGH = 0x04
    OFFLINE = 0x08


class OfflineCause(IntFlag):  # n = 2
    COVER_OPEN = 0x04
    PAPER_END_STOP = 0x20
    ERROR = 0x40


class ErrorCause(IntFlag):  # n = 3
    AUTOCUTTER = 0x08
    UNRECOVERABLE = 0x20
    AUTO_RECOVERABLE = 0x40


class PaperSensor(IntFlag):  # n = 4
    NEAR_END = 0x0C
    NOT_PRESENT = 0x60


@dataclass(frozen=True)
class PrinterStatus:
    """One snapshot of the four status bytes, decoded."""

    online: bool
    cover_open: bool
    paper_near_end: bool
    paper_out: bool
    error: bool
    drawer_pin3_high: bool
    raw: bytes = b""

    @classmethod
    def from_bytes(cls, raw: bytes) -> PrinterStatus:
        """Decode the replies to DLE EOT 1, 2, 3, 4 (in that order)."""
        printer, offline, error, paper = raw
        return cls(
            online=not printer & PrinterBits.OFFLINE,
            cover_open=bool(offline & OfflineCause.COVER_OPEN),
            paper_near_end=bool(paper & PaperSensor.NEAR_END),
            paper_out=bool(
                paper & PaperSensor.NOT_PRESENT or offline & OfflineCause.PAPER_END_STOP
            ),
            error=bool(
                offline & OfflineCause.ERROR
                or error
                & (ErrorCause.AUTOCUTTER | ErrorCause.UNRECOVERABLE | ErrorCause.AUTO_RECOVERABLE)
            ),
            drawer_pin3_high=bool(printer & PrinterBits.DRAWER_PIN3_HIGH),
            raw=bytes(raw),
        )

    @property
    def ready(self) -> bool:
        return self.problem() is None

    def problem(self, *, stage: str = "before") -> PrinterNotReadyError | None:
        """The error that stops printing now, most urgent first, or None.

        The cover comes first (paper cannot be changed with it closed, and it must be closed
        afterwards), then paper, then reported errors, then an unexplained offline state.
        Paper near-end is not a problem: a few metres are left.
        """
        context = {"stage": stage, "status": self.raw.hex()}
        if self.cover_open:
            return CoverOpenError("printer cover is open", **context)
        if self.paper_out:
            return PaperOutError("printer is out of paper", **context)
        if self.error:
            return PrinterFaultError("printer reports an error", **context)
        if not self.online:
            return PrinterOfflineError("printer is offline", **context)
        return None

    def describe(self) -> str:
        """One line for an installer: state and warnings."""
        if problem := self.problem():
            return f"NOT READY: {problem.code}"
        return "ready" + (", paper near end" if self.paper_near_end else "")


def query_status(link: Link, *, timeout: float) -> PrinterStatus:
    """Ask DLE EOT 1-4 over ``link``; each reply must come within ``timeout`` seconds.

    Raises PrinterSilentError when a reply does not come, PrinterError
    (``printer.status_garbled``) when only bytes that are not status replies come,
    PrinterUnreachableError when the link breaks.
    """
    return PrinterStatus.from_bytes(bytes(_ask(link, n, timeout) for n in (1, 2, 3, 4)))


def _ask(link: Link, n: int, timeout: float) -> int:
    link.write(DLE_EOT + bytes([n]))
    deadline = time.monotonic() + timeout
    junk = b""
    while (left := deadline - time.monotonic()) > 0:
        reply = link.read(left)
        if not reply:
            break
        # Bytes without the fixed pattern are late answers to earlier requests (GS r).
        for byte in reversed(reply):
            if byte & _FIXED_MASK == _FIXED_BITS:
                return byte
        junk += reply
    if junk:
        raise PrinterError(
            f"printer answered DLE EOT {n} with {junk.hex()}, not a status byte",
            code="printer.status_garbled",
            request=n,
        )
    raise PrinterSilentError(f"printer did not answer DLE EOT {n} within {timeout:g} s", request=n)

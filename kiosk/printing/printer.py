"""The printer service the checkout and the UI use: status, readiness, print, drawer.

:meth:`Printer.print_document` renders first (bad data fails before the printer is
touched), checks status (``stage="before"``), sends the job followed by ``GS r 1`` and waits
for its answer. A printer processes ``GS r`` in order after the job's data, so the answer
means the job went through; while paper is out or the cover open the printer holds data and
the answer does not come. Then status is read again; if the job was not confirmed, the
fault found is raised with ``stage="during"`` (or :class:`PrintJobTimeoutError`). Either way
the caller keeps the job and prints it again when :meth:`ready_for_sale` passes. A printer
that was holding the job may still print it once the fault clears, so a reprint can give a
second copy: a duplicate, never a lost receipt (layouts mark reprints).

Each operation opens its own connection, so a late answer to an earlier job can never be
read as the answer to this one.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from escpos.printer import Dummy

from kiosk.printing.connections import Link, open_link, parse_printer_url
from kiosk.printing.document import Document
from kiosk.printing.errors import PrinterError, PrinterNotReadyError, PrintJobTimeoutError
from kiosk.printing.escpos import PrinterProfile, render_escpos
from kiosk.printing.status import PrinterStatus, query_status

#: GS r 1: transmit paper sensor status; answered in order, after the data before it.
GS_R_PAPER = b"\x1d\x72\x01"


@dataclass(frozen=True)
class PrintResult:
    """What happened to one job: bytes sent, whether the printer confirmed it, status after."""

    kind: str
    size: int
    confirmed: bool
    status: PrinterStatus | None


class PrinterService(Protocol):
    """What callers need from a printer; :class:`Printer` and :class:`PreviewPrinter`."""

    profile: PrinterProfile

    def status(self) -> PrinterStatus: ...

    def ready_for_sale(self) -> PrinterStatus: ...

    def print_document(self, doc: Document) -> PrintResult: ...

    def kick_drawer(self) -> None: ...


def _drawer_pulse() -> bytes:
    # ESC p 0 25 250: python-escpos's default pulse on connector pin 2.
    dummy = Dummy()
    dummy.cashdraw(2)
    return dummy.output


def _no_status() -> PrinterNotReadyError:
    return PrinterNotReadyError(
        "this printer connection cannot report status", code="printer.no_status"
    )


class Printer:
    """A real printer reached through ``connect`` (a fresh :class:`Link` per operation).

    Operations are serialised by a lock: a USB or serial device takes one opener at a time,
    and a status request must not interleave with a job on the wire.
    """

    def __init__(
        self,
        connect: Callable[[], Link],
        profile: PrinterProfile,
        *,
        status_timeout: float = 1.0,
        job_timeout: float = 20.0,
        readable: bool = True,
    ) -> None:
        self._connect = connect
        self.readable = readable  # False for file and CUPS links, which cannot report status
        self.profile = profile
        self.status_timeout = status_timeout
        self.job_timeout = job_timeout
        self._lock = threading.Lock()

    def status(self) -> PrinterStatus:
        """Read the printer's status; raises PrinterNotReadyError if it cannot be read."""
        if not self.readable:  # do not even open it: opening a device file truncates it
            raise _no_status()
        with self._lock:
            link = self._connect()
            try:
                return self._status(link)
            finally:
                with contextlib.suppress(PrinterError):
                    link.close()

    def ready_for_sale(self) -> PrinterStatus:
        """What unattended mode calls before taking a card: the status, or the fault raised."""
        status = self.status()
        if problem := status.problem(stage="before"):
            raise problem
        return status

    def print_document(self, doc: Document) -> PrintResult:
        """Print ``doc`` and confirm it; raise a PrinterNotReadyError when it did not print.

        PrintDataError (bad document) is raised before anything is sent.
        """
        data = render_escpos(doc, self.profile)
        with self._lock:
            link = self._connect()
            try:
                result = self._send(link, data, doc.kind)
            except BaseException:
                with contextlib.suppress(PrinterError):
                    link.close()
                raise
            link.close()  # for CUPS this submits the job, so its failure must be seen
            return result

    def kick_drawer(self) -> None:
        """Pulse the cash drawer (market POS); refused while the printer holds data."""
        with self._lock:
            link = self._connect()
            try:
                if link.readable and (problem := self._status(link).problem()):
                    raise problem
                link.write(_drawer_pulse())
            finally:
                with contextlib.suppress(PrinterError):
                    link.close()

    def _status(self, link: Link) -> PrinterStatus:
        if not link.readable:
            raise _no_status()
        return query_status(link, timeout=self.status_timeout)

    def _send(self, link: Link, data: bytes, kind: str) -> PrintResult:
        if not link.readable:  # file and CUPS: write and hope; only for attended counters
            link.write(data)
            return PrintResult(kind, len(data), confirmed=False, status=None)
        if problem := self._status(link).problem(stage="before"):
            raise problem
        link.write(data + (GS_R_PAPER if self.profile.confirm_jobs else b""))
        confirmed = self.profile.confirm_jobs and self._confirmed(link)
        after = self._status(link)
        if confirmed:
            return PrintResult(kind, len(data), confirmed=True, status=after)
        if problem := after.problem(stage="during"):
            raise problem
        if self.profile.confirm_jobs:
            raise PrintJobTimeoutError(
                f"printer did not confirm the {kind} within {self.job_timeout:g} s"
                " (a printer that ignores GS r needs confirm_jobs = false)",
                stage="during",
            )
        return PrintResult(kind, len(data), confirmed=False, status=after)

    def _confirmed(self, link: Link) -> bool:
        deadline = time.monotonic() + self.job_timeout
        while (left := deadline - time.monotonic()) > 0:
            reply = link.read(min(left, 0.5))
            if any(byte & 0x90 == 0 for byte in reply):  # GS r replies are 0xx0xxxx
                return True
        return False


class PreviewPrinter:
    """No hardware: keeps the last documents (and their bytes) for the demo's preview."""

    def __init__(self, profile: PrinterProfile, *, keep: int = 20) -> None:
        self.profile = profile
        self.documents: deque[Document] = deque(maxlen=keep)
        self.jobs: deque[bytes] = deque(maxlen=keep)
        self.drawer_kicks = 0

    def status(self) -> PrinterStatus:
        return PrinterStatus(
            online=True,
            cover_open=False,
            paper_near_end=False,
            paper_out=False,
            error=False,
            drawer_pin3_high=False,
            raw=b"",
        )

    def ready_for_sale(self) -> PrinterStatus:
        return self.status()

    def print_document(self, doc: Document) -> PrintResult:
        data = render_escpos(doc, self.profile)  # same data errors as a real printer
        self.documents.append(doc)
        self.jobs.append(data)
        return PrintResult(doc.kind, len(data), confirmed=True, status=self.status())

    def kick_drawer(self) -> None:
        self.drawer_kicks += 1


def open_printer(
    url: str,
    profile: PrinterProfile,
    *,
    status_timeout: float = 1.0,
    job_timeout: float = 20.0,
) -> Printer | PreviewPrinter:
    """The printer service for a configured URL (see :mod:`kiosk.printing.connections`)."""
    parsed = parse_printer_url(url)
    if parsed.scheme == "preview":
        return PreviewPrinter(profile)
    return Printer(
        lambda: open_link(parsed, timeout=max(status_timeout, 1.0), write_timeout=job_timeout),
        profile,
        status_timeout=status_timeout,
        job_timeout=job_timeout,
        readable=parsed.readable,
    )

"""What checkout needs from a printer, and the job snapshot it prints from the journal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kiosk.journal.models import Order, Payment, PrintJob


@dataclass(frozen=True)
class PrintJobView:
    """A print job with the journal rows it renders (detached copies: safe on any thread)."""

    job_id: int
    kind: str
    order: Order | None
    payment: Payment | None
    attempt: int


class JobPrinter(Protocol):
    def ready(self) -> None:
        """Return if a job can print now; raise a PrinterError (a KioskError) saying why not."""

    def print_job(self, job: PrintJobView) -> None:
        """Print ``job`` completely or raise a KioskError; never report success on doubt."""


def job_view(job: PrintJob, order: Order | None) -> PrintJobView:
    payment = None
    if order is not None:
        charged = [p for p in order.payments if p.state.value in ("approved", "settled")]
        payment = charged[-1] if charged else (order.payments[-1] if order.payments else None)
    return PrintJobView(job.id, job.kind, order, payment, job.attempts + 1)

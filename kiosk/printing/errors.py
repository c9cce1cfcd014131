"""Errors of the printing package, shaped by what the caller does next.

- :class:`PrinterNotReadyError` and its subclasses: the device cannot print now (paper out,
  cover open, unreachable, silent). The job is kept and re-queued; the UI tells the operator
  what to fix; unattended mode takes no card while one of these is raised.
- :class:`PrintDataError`: the document or its data is wrong (a full PAN, a character no font
  can print, a QR code too long). Retrying will not help; it is a bug or bad data.
- :class:`PrinterConfigError`: the printer URL, a missing driver or font. An operator fixes it.

Each class has a stable ``code``; ``context`` says where it happened (``stage`` is
``"before"`` for a status check before a job and ``"during"`` when a job failed mid-way).
"""

from __future__ import annotations

from kiosk.errors import ConfigError, KioskError


class PrinterError(KioskError):
    """Root of every printing error."""

    code = "printer.error"


class PrinterNotReadyError(PrinterError):
    """The printer cannot print now; keep the job and print it again once this is fixed."""

    code = "printer.not_ready"


class PrinterOfflineError(PrinterNotReadyError):
    """The printer reports itself offline for no cause it names."""

    code = "printer.offline"


class PaperOutError(PrinterNotReadyError):
    """The roll paper sensor reports no paper."""

    code = "printer.paper_out"


class CoverOpenError(PrinterNotReadyError):
    """The printer cover is open."""

    code = "printer.cover_open"


class PrinterFaultError(PrinterNotReadyError):
    """The printer reports an error (autocutter jam, head overheat, unrecoverable fault)."""

    code = "printer.fault"


class PrinterUnreachableError(PrinterNotReadyError):
    """No connection to the printer: host down, USB unplugged, device file missing."""

    code = "printer.unreachable"


class PrinterSilentError(PrinterUnreachableError):
    """Connected, but the printer did not answer a status request in time."""

    code = "printer.silent"


class PrintJobTimeoutError(PrinterNotReadyError):
    """The printer stays online but did not confirm the job in time."""

    code = "printer.job_timeout"


class PrintDataError(PrinterError, ValueError):
    """The document or its data cannot be printed as given; retrying will not help."""

    code = "printer.data_invalid"


class UnprintableTextError(PrintDataError):
    """Text holds a character the printer cannot print and the profile cannot rasterise."""

    code = "printer.unprintable_text"


class PanNotMaskedError(PrintDataError):
    """A receipt was given something other than a masked PAN (first 6 + last 4)."""

    code = "printer.pan_not_masked"


class PrinterConfigError(PrinterError, ConfigError):
    """The printer URL, profile, driver library or font is wrong or missing."""

    code = "printer.config"


__all__ = [
    "CoverOpenError",
    "PanNotMaskedError",
    "PaperOutError",
    "PrintDataError",
    "PrintJobTimeoutError",
    "PrinterConfigError",
    "PrinterError",
    "PrinterFaultError",
    "PrinterNotReadyError",
    "PrinterOfflineError",
    "PrinterSilentError",
    "PrinterUnreachableError",
    "UnprintableTextError",
]

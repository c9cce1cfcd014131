"""Printer URLs and the byte links behind them, on python-escpos's connection classes.

URLs (one per printer in the configuration)::

    tcp://192.168.1.50:9100            Network (raw TCP "JetDirect" port; 9100 when omitted)
    usb://0416:5011                    Usb, vendor:product in hex
    usb://0416:5011?in_ep=0x81&out_ep=0x03   ... with the model's endpoints (default 82/01)
    serial:///dev/ttyUSB0?baudrate=9600 Serial (pyserial)
    file:///dev/usb/lp0                File (write-only: no status can be read)
    cups://receipt                     CUPS raw queue (write-only)
    preview                            no hardware: documents are kept for the preview

This is the one module that touches python-escpos connections: every exception they raise
(socket, USB and serial errors are all ``OSError``; python-escpos's own ``Error``) is mapped
here to :class:`PrinterUnreachableError`, and a missing driver library to
:class:`PrinterConfigError`.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from escpos.escpos import Escpos
from escpos.exceptions import Error as EscposError

from kiosk.printing.errors import PrinterConfigError, PrinterUnreachableError

SCHEMES = ("tcp", "usb", "serial", "file", "cups", "preview")


@dataclass(frozen=True)
class PrinterUrl:
    """A parsed printer URL; which fields are set depends on ``scheme``."""

    scheme: str
    host: str = ""
    port: int = 9100
    vendor: int = 0
    product: int = 0
    path: str = ""
    baudrate: int = 9600
    queue: str = ""
    in_ep: int = 0x82
    out_ep: int = 0x01

    @property
    def readable(self) -> bool:
        """Whether status can be read back over this link (not over file or CUPS)."""
        return self.scheme in ("tcp", "usb", "serial")


def _bad(url: str, why: str) -> PrinterConfigError:
    return PrinterConfigError(f"bad printer URL {url!r}: {why}", code="printer.url", url=url)


def parse_printer_url(url: str) -> PrinterUrl:
    """Parse a printer URL; raise PrinterConfigError (``printer.url``) saying what is wrong."""
    if url.strip() == "preview":
        return PrinterUrl("preview")
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        match scheme:
            case "tcp":
                if not parts.hostname:
                    raise _bad(url, "no host")
                return PrinterUrl("tcp", host=parts.hostname, port=parts.port or 9100)
            case "usb":
                m = re.fullmatch(r"([0-9a-fA-F]{4}):([0-9a-fA-F]{4})", parts.netloc)
                if not m:
                    raise _bad(url, "expected usb://VID:PID in hex")
                query = parse_qs(parts.query)
                return PrinterUrl(
                    "usb",
                    vendor=int(m[1], 16),
                    product=int(m[2], 16),
                    in_ep=int(query.get("in_ep", ["0x82"])[0], 0),
                    out_ep=int(query.get("out_ep", ["0x01"])[0], 0),
                )
            case "serial" | "file":
                if not parts.path:
                    raise _bad(url, "no device path")
                baud = parse_qs(parts.query).get("baudrate", ["9600"])[0]
                return PrinterUrl(scheme, path=parts.path, baudrate=int(baud))
            case "cups":
                if not parts.netloc:
                    raise _bad(url, "no queue name")
                return PrinterUrl("cups", queue=parts.netloc)
    except ValueError as exc:  # a port, baud rate or IPv6 address that does not parse
        raise _bad(url, str(exc)) from exc
    raise _bad(url, f"scheme must be one of {', '.join(SCHEMES)}")


class Link(Protocol):
    """A byte channel to one printer, open for one job or status query."""

    readable: bool

    def write(self, data: bytes) -> None: ...

    def read(self, timeout: float) -> bytes:
        """Bytes the printer sent, or b"" when nothing came within ``timeout`` seconds."""
        ...

    def close(self) -> None: ...


def _is_timeout(exc: OSError) -> bool:
    return isinstance(exc, TimeoutError) or exc.errno == errno.ETIMEDOUT


class EscposLink:
    """A python-escpos connection object used as a :class:`Link`."""

    def __init__(
        self, device: Escpos, url: PrinterUrl, describe: str, *, write_timeout: float = 20.0
    ) -> None:
        self._escpos = device
        self._url = url
        self._describe = describe
        self._write_timeout = write_timeout
        self.readable = url.readable

    def _unreachable(self, exc: BaseException) -> PrinterUnreachableError:
        return PrinterUnreachableError(
            f"printer {self._describe} unreachable: {exc}", url=self._describe
        )

    def open(self) -> EscposLink:
        try:
            self._escpos.open()
        except (EscposError, OSError) as exc:
            raise self._unreachable(exc) from exc
        return self

    def write(self, data: bytes) -> None:
        try:
            # A printer busy printing stops reading; a job may take seconds to go out, much
            # longer than a status reply may take (read() sets that shorter timeout).
            match self._url.scheme:
                case "tcp":
                    self._escpos.device.settimeout(self._write_timeout)  # type: ignore[union-attr]
                case "serial":
                    self._escpos.device.write_timeout = self._write_timeout  # type: ignore[union-attr]
            self._escpos._raw(data)
        except (EscposError, OSError) as exc:
            raise self._unreachable(exc) from exc

    def read(self, timeout: float) -> bytes:
        device: Any = self._escpos.device
        try:
            match self._url.scheme:
                case "tcp":
                    device.settimeout(timeout)
                    data = device.recv(16)
                    if not data:  # orderly close by the printer
                        raise self._unreachable(ConnectionResetError("connection closed"))
                    return bytes(data)
                case "usb":
                    return bytes(device.read(self._escpos.in_ep, 16, int(timeout * 1000)))
                case "serial":
                    device.timeout = timeout
                    first = device.read(1)  # read(16) would wait out the timeout for 16 bytes
                    return bytes(first + device.read(device.in_waiting)) if first else b""
        except OSError as exc:
            if _is_timeout(exc):
                return b""
            raise self._unreachable(exc) from exc
        return b""

    def close(self) -> None:
        try:
            if self._url.scheme == "cups":
                self._escpos.send()
            self._escpos.close()
        except (EscposError, OSError) as exc:
            raise self._unreachable(exc) from exc


def open_link(url: PrinterUrl, *, timeout: float = 3.0, write_timeout: float = 20.0) -> EscposLink:
    """Open a python-escpos connection for ``url`` (not ``preview``); ``timeout`` bounds
    connecting, ``write_timeout`` sending a job.

    Raises PrinterUnreachableError when the device cannot be opened, PrinterConfigError
    when the driver library (pyusb, pyserial, pycups) is not installed.
    """
    from escpos import printer as escpos_printer

    match url.scheme:
        case "tcp":
            cls, kwargs, name = (
                escpos_printer.Network,
                {"host": url.host, "port": url.port, "timeout": timeout},
                f"tcp://{url.host}:{url.port}",
            )
        case "usb":
            cls, kwargs, name = (
                escpos_printer.Usb,
                {
                    "idVendor": url.vendor,
                    "idProduct": url.product,
                    "timeout": int(write_timeout * 1000),
                    "in_ep": url.in_ep,
                    "out_ep": url.out_ep,
                },
                f"usb://{url.vendor:04x}:{url.product:04x}",
            )
        case "serial":
            cls, kwargs, name = (
                escpos_printer.Serial,
                {"devfile": url.path, "baudrate": url.baudrate, "timeout": timeout},
                f"serial://{url.path}",
            )
        case "file":
            cls, kwargs, name = escpos_printer.File, {"devfile": url.path}, f"file://{url.path}"
        case "cups":
            cls, kwargs, name = (
                escpos_printer.CupsPrinter,
                {"printer_name": url.queue},
                f"cups://{url.queue}",
            )
        case _:
            raise PrinterConfigError(f"no link for {url.scheme!r}", code="printer.url")
    if not cls.is_usable():
        raise PrinterConfigError(
            f"{name}: the driver library for {url.scheme} printers is not installed",
            code="printer.driver_missing",
            scheme=url.scheme,
        )
    return EscposLink(cls(**kwargs), url, name, write_timeout=write_timeout).open()

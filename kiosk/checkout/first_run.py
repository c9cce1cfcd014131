"""First-run set-up: the use cases behind ``kiosk setup`` and the set-up wizard.

A terminal without a settings file, outside demo mode, is set up once: its id and mode,
the printer (found on the machine or typed in) and a test slip, the card reader and a
test read of a card, the scale and one weight, enrolment with the hub, and then the TOML
file written (:mod:`kiosk.config_file`). Each step calls the code the rest of the terminal
uses (the printing path, the reader, ``kiosk scale-test``, ``kiosk sync enroll``), so
what passes here works when selling. The screens and the command line are thin over this.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.checkout.documents import printer_service
from kiosk.config import DEFAULT_PATHS, Mode, Settings, parse_settings
from kiosk.config_file import write_config
from kiosk.errors import ConfigError
from kiosk.payment.card_probe import CardProbe, probe_card
from kiosk.payment.reader.open import open_reader
from kiosk.printing.discovery import FoundPrinter, find_printers
from kiosk.printing.layouts import Lang, SlipHeader, setup_slip
from kiosk.printing.printer import PreviewPrinter
from kiosk.scale.scale import read_weight

__all__ = [
    "FoundPrinter",
    "PrintOutcome",
    "SetupChoices",
    "config_to_write",
    "default_data_dir",
    "enrol",
    "list_readers",
    "print_test_slip",
    "printer_choices",
    "read_test_card",
    "serial_ports",
    "weigh_once",
    "write_setup",
]

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
#: Where a production terminal keeps its journal and keys (the Debian package makes it).
DEFAULT_DATA_DIR = Path("/var/lib/kiosk")


def config_to_write(config: str | None, environ: Mapping[str, str]) -> Path | None:
    """The settings file first-run set-up should write, or None when the kiosk starts as
    configured (the file exists, or there is none and the demo runs).

    A file named by ``--config`` or ``$KIOSK_CONFIG`` that does not exist is set up unless
    ``KIOSK_DEMO`` asks for the demo; with nothing named, ``/etc/kiosk/kiosk.toml`` is set up
    only when ``KIOSK_DEMO`` turns the demo off (otherwise the built-in demo runs)."""
    named = config or environ.get("KIOSK_CONFIG")
    path = Path(named) if named else DEFAULT_PATHS[0]
    if path.exists():
        return None
    demo = environ.get("KIOSK_DEMO", "").strip().lower()
    if named:
        return None if demo in _TRUE else path
    return path if demo in _FALSE else None


@dataclass(frozen=True)
class SetupChoices:
    """What set-up asks; everything else keeps its documented default."""

    terminal_id: str
    mode: Mode
    printer: str = "preview"
    reader: str = "pcsc"
    scale: str = ""
    #: The site's ticket signing keys (``terminal.ticket_key_file``); kiosks and gates need one.
    ticket_key_file: str = ""
    data_dir: Path = DEFAULT_DATA_DIR
    fullscreen: bool = True
    language: str = "zh_CN"

    def tables(self) -> dict[str, Any]:
        """The TOML tables of the settings file (demo off, the test CA not trusted)."""
        top: dict[str, Any] = {"data_dir": str(self.data_dir), "demo": False}
        if self.scale:
            top["scale"] = self.scale
        terminal = {"id": self.terminal_id, "mode": self.mode.value}
        if self.ticket_key_file:
            terminal["ticket_key_file"] = self.ticket_key_file
        return {
            **top,
            "terminal": terminal,
            "payment": {"reader": self.reader, "allow_test_keys": False},
            "printer": {"url": self.printer},
            "ui": {"fullscreen": self.fullscreen, "language": self.language},
        }

    def settings(self) -> Settings:
        """The settings these choices make, checked as the file will be (ConfigError)."""
        return parse_settings(self.tables())


def serial_ports() -> list[FoundPrinter]:
    """The serial ports (USB-serial adapters included) as ``serial://`` URLs at 9600 baud:
    a serial printer's or a scale's."""
    from serial.tools.list_ports import comports

    return [
        FoundPrinter(
            f"serial://{port.device}?baudrate=9600",
            f"{port.device} ({port.description if port.description != 'n/a' else 'serial port'})",
        )
        for port in sorted(comports(), key=lambda p: p.device)
    ]


def printer_choices() -> list[FoundPrinter]:
    """Printers found on the machine, then the serial ports a printer may be on."""
    return find_printers() + serial_ports()


class PrintOutcome(enum.StrEnum):
    """How far the test slip is known to have come (the screens put it in their words)."""

    CONFIRMED = "printed, confirmed by the printer"
    SENT = "sent, not confirmed (the printer cannot say)"
    PREVIEW = "printed to the preview (no printer)"


def print_test_slip(choices: SetupChoices) -> PrintOutcome:
    """Print the short set-up slip on the chosen printer through the printing path sales use;
    its outcome in words. Raises the printer's error (PrinterError, ConfigError)."""
    settings = choices.settings()
    service = printer_service(settings)
    slip = setup_slip(
        SlipHeader(
            settings.terminal.merchant_name,
            settings.terminal.id,
            datetime.now().astimezone(),
            test=True,
        ),
        settings.printer.url,
        service.profile.width,
        Lang.of(settings.ui.language),
    )
    result = service.print_document(slip)
    if isinstance(service, PreviewPrinter):
        return PrintOutcome.PREVIEW
    return PrintOutcome.CONFIRMED if result.confirmed else PrintOutcome.SENT


def list_readers() -> list[str]:
    """The PC/SC readers plugged in now. Raises ReaderUnavailableError when PC/SC is down."""
    from kiosk.payment.reader.pcsc import PcscReader

    reader = PcscReader()
    try:
        return reader.readers()
    finally:
        reader.close()


def read_test_card(reader_spec: str, *, timeout: float) -> CardProbe:
    """Wait up to ``timeout`` s for a card on the reader and read its applications (no
    transaction). Raises CardTimeoutError, the reader's errors, ConfigError for a bad spec."""
    reader = open_reader(reader_spec)
    try:
        return probe_card(reader, timeout=timeout)
    finally:
        close = getattr(reader, "close", None)  # PC/SC releases its context; a sim has none
        if close is not None:
            close()


def weigh_once(url: str) -> int:
    """One steady weight in grams from the scale (``kiosk scale-test``); ScaleError else."""
    return read_weight(url, timeout_s=2.0)


def enrol(choices: SetupChoices, hub: str, code: str) -> str:
    """Enrol the terminal with the hub (``kiosk sync enroll``) under the data directory the
    settings will name; the hub's address in words. Raises the enrolment's errors."""
    from kiosk.sync.enrolment import enroll

    settings = choices.settings()
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    enrolled = enroll(settings, hub, code.strip().upper())
    return f"terminal {enrolled.terminal_id} enrolled with {enrolled.hub_url}"


def write_setup(choices: SetupChoices, path: Path, *, replace: bool = False) -> Settings:
    """Write the settings file; refused (``config.exists``) over an existing one unless
    ``replace``. Returns the settings as the file loads."""
    if path.exists() and not replace:
        raise ConfigError(
            f"{path} exists; set-up does not overwrite a configuration (--force does)",
            code="config.exists",
            path=str(path),
        )
    settings = write_config(path, choices.tables())
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return settings


def default_data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """``$KIOSK_DATA_DIR`` when set, else ``/var/lib/kiosk``."""
    return Path(environ.get("KIOSK_DATA_DIR") or DEFAULT_DATA_DIR)

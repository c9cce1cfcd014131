"""Finding the receipt printers plugged into this machine, as printer URLs to choose from.

Read from the kernel's view of the devices (sysfs and ``/dev``) rather than by opening
them: listing must not print, claim an interface or need libusb. Two kinds are found:

- a USB device with a printer-class interface (class 07, USB Printer Class 1.1 §4.2) as
  ``usb://VID:PID`` (python-escpos talks to it through libusb);
- a printer the kernel's usblp driver holds (``/dev/usb/lp*``, the udev rules'
  ``/dev/kiosk-printer``) as ``file:///dev/…`` (write-only: no status).

Serial and network printers cannot be found this way: they are chosen from the serial
ports or typed in as ``tcp://host:port``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["FoundPrinter", "find_printers"]

PRINTER_CLASS = "07"


@dataclass(frozen=True)
class FoundPrinter:
    """A printer URL the configuration accepts, and what it is in words."""

    url: str
    description: str


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _usb_printers(sysfs: Path) -> list[FoundPrinter]:
    found: dict[str, FoundPrinter] = {}
    for interface in sorted(sysfs.glob("*:*")):  # "1-2:1.0": device 1-2, configuration 1, if 0
        if _read(interface / "bInterfaceClass") != PRINTER_CLASS:
            continue
        device = sysfs / interface.name.split(":", 1)[0]
        vendor, product = _read(device / "idVendor"), _read(device / "idProduct")
        if len(vendor) != 4 or len(product) != 4:
            continue
        url = f"usb://{vendor}:{product}"
        name = " ".join(filter(None, (_read(device / "manufacturer"), _read(device / "product"))))
        found.setdefault(url, FoundPrinter(url, f"USB {name or 'printer'} ({vendor}:{product})"))
    return list(found.values())


def _kernel_printers(dev: Path) -> list[FoundPrinter]:
    paths = [*sorted((dev / "usb").glob("lp[0-9]*")), dev / "kiosk-printer"]
    return [
        FoundPrinter(f"file://{path}", f"{path} (usblp, no status)")
        for path in paths
        if path.exists()
    ]


def find_printers(
    *, sysfs: Path = Path("/sys/bus/usb/devices"), dev: Path = Path("/dev")
) -> list[FoundPrinter]:
    """The USB printers this machine has now, libusb ones first; empty when there is none."""
    return _usb_printers(sysfs) + _kernel_printers(dev)

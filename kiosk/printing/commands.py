"""``kiosk print-test``: what an installer runs first.

It prints a sample receipt and a sample ticket and reports the printer status; a printer
fault ends it with the fault's code (exit 2). (``kiosk gate verify`` lives in
:mod:`kiosk.commands`, beside the gate screen, since it uses the journal's registry.)
"""

from __future__ import annotations

import argparse
import os
from datetime import datetime

from kiosk.cli_support import seconds
from kiosk.printing.document import PaperWidth
from kiosk.printing.errors import PrinterNotReadyError
from kiosk.printing.escpos import PrinterProfile
from kiosk.printing.layouts import Lang
from kiosk.printing.printer import PreviewPrinter, Printer, open_printer
from kiosk.printing.samples import sample_receipt, sample_ticket
from kiosk.sales.tokens import DEMO_KEY


def register(sub: argparse._SubParsersAction) -> None:
    test = sub.add_parser("print-test", help="print a sample receipt and ticket, show status")
    test.add_argument(
        "--printer",
        default=os.environ.get("KIOSK_PRINTER", "preview"),
        metavar="URL",
        help="tcp://host:9100, usb://VID:PID, serial:///dev/ttyUSB0?baudrate=9600, "
        "file:///dev/usb/lp0, cups://queue or preview (default: $KIOSK_PRINTER or preview)",
    )
    test.add_argument("--width", type=int, choices=(58, 80), default=80)
    test.add_argument("--no-chinese-font", action="store_true", help="rasterise Chinese text")
    test.add_argument("--lang", choices=[lang.value for lang in Lang], default="zh")
    test.add_argument(
        "--timeout", type=seconds(0.1, 30), default=2.0, help="status timeout, seconds"
    )
    test.set_defaults(func=print_test)


def print_test(args: argparse.Namespace) -> int:
    profile = PrinterProfile(width=PaperWidth(args.width), chinese_font=not args.no_chinese_font)
    printer = open_printer(args.printer, profile, status_timeout=args.timeout)
    lang, now = Lang(args.lang), datetime.now().astimezone()
    print(f"printer {args.printer}: {_describe_status(printer)}")
    for doc in (
        sample_receipt(profile.width, lang, now),
        sample_ticket(profile.width, lang, now, DEMO_KEY),
    ):
        result = printer.print_document(doc)
        how = "confirmed by the printer" if result.confirmed else "sent, not confirmed"
        print(f"{doc.kind}: {result.size} bytes, {how}")
        if isinstance(printer, PreviewPrinter):
            print(doc.preview_text())
    print(f"status after: {_describe_status(printer)}")
    return 0


def _describe_status(printer: Printer | PreviewPrinter) -> str:
    """The status line; file and CUPS printers cannot report one, which is said, not hidden."""
    try:
        return printer.status().describe()
    except PrinterNotReadyError as exc:
        if exc.code != "printer.no_status":
            raise
        return "status not available over this connection (file/CUPS): check the paper by eye"

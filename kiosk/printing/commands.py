"""``kiosk print-test`` (what an installer runs first) and ``kiosk gate verify``.

``print-test`` prints a sample receipt and a sample ticket and reports the printer status;
a printer fault ends it with the fault's code (exit 2). ``gate verify`` checks a ticket
token offline and marks it used: exit 0 when the holder may pass, 1 when the token is
refused. Keys come from ``--key-file`` or ``$KIOSK_TICKET_KEYS``, else the demo key; the
used-ticket registry is ``--used-file`` (else in memory, so replays across runs are not
seen). Both will be rewired to the configuration and the journal.
"""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path

from kiosk.printing.document import PaperWidth
from kiosk.printing.errors import PrinterNotReadyError
from kiosk.printing.escpos import PrinterProfile
from kiosk.printing.layouts import Lang
from kiosk.printing.printer import PreviewPrinter, Printer, open_printer
from kiosk.printing.samples import sample_receipt, sample_ticket
from kiosk.sales.tokens import (
    DEMO_KEY,
    FileUsedTickets,
    InMemoryUsedTickets,
    UsedTickets,
    admit,
    load_keys,
    verify_token,
)


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
    test.add_argument("--timeout", type=float, default=2.0, help="status timeout, seconds")
    test.set_defaults(func=print_test)

    gate = sub.add_parser("gate", help="ticket gate tools")
    gate_sub = gate.add_subparsers(dest="gate_command", metavar="ACTION", required=True)
    verify = gate_sub.add_parser("verify", help="verify a ticket token and mark it used")
    verify.add_argument("token")
    verify.add_argument("--key-file", type=Path, help="lines '<key id> <hex secret>'")
    verify.add_argument("--used-file", type=Path, help="registry of used ticket ids")
    verify.add_argument("--at", type=datetime.fromisoformat, help="verify as of this time")
    verify.add_argument("--dry-run", action="store_true", help="do not mark the ticket used")
    verify.set_defaults(func=gate_verify)


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


def gate_verify(args: argparse.Namespace) -> int:
    key_file = args.key_file or os.environ.get("KIOSK_TICKET_KEYS")
    keys = load_keys(Path(key_file)) if key_file else {DEMO_KEY.key_id: DEMO_KEY.secret}
    now = args.at or datetime.now().astimezone()
    if now.tzinfo is None:
        now = now.astimezone()
    if args.dry_run:
        check = verify_token(args.token, keys, now=now)
    else:
        used: UsedTickets = (
            FileUsedTickets(args.used_file) if args.used_file else InMemoryUsedTickets()
        )
        check = admit(args.token, keys, used, now=now)
    if check.ticket is None:
        print(check.status.value)
    else:
        t = check.ticket
        print(
            f"{check.status.value}: ticket {t.ticket_id} {t.product} "
            f"{t.valid_from.isoformat()} - {t.valid_until.isoformat()}"
        )
    return 0 if check.accepted else 1

"""``kiosk setup``: first-run set-up from the command line, everything the wizard does.

``kiosk setup --list`` shows the printers, serial ports and card readers found. Otherwise
the flags name every choice; ``--test-print``, ``--test-read`` and ``--test-scale`` try the
devices first, ``--hub URL --code CODE`` enrols with the hub, and the settings file is
written last (``--config``, else ``$KIOSK_CONFIG``, else ``/etc/kiosk/kiosk.toml``), so a
failed step leaves no configuration behind. An existing file is kept unless ``--force``.
Exit 0 when written, 2 with one line naming what failed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from kiosk.cli_support import directory, seconds
from kiosk.config import DEFAULT_PATHS, Mode
from kiosk.errors import ConfigError


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "setup",
        help="first-run set-up: devices tested, hub enrolment, settings file written",
        description="Set the terminal up without the wizard: choose and test the devices, "
        "enrol with the hub and write the settings file.",
    )
    parser.add_argument("--list", action="store_true", help="show the devices found and exit")
    parser.add_argument("--terminal-id", metavar="ID", help="8 of A-Z 0-9 (ISO 8583 field 41)")
    parser.add_argument("--mode", choices=[m.value for m in Mode], help="what the terminal is")
    parser.add_argument(
        "--printer", metavar="URL", help="tcp://host:9100, usb://VID:PID, serial://…, file://…"
    )
    parser.add_argument("--reader", default="pcsc", help="pcsc (the first) or pcsc:NAME")
    parser.add_argument("--scale", default="", metavar="URL", help="serial://… or tcp://…")
    parser.add_argument(
        "--ticket-key-file", default="", metavar="FILE", help="the site's ticket signing keys"
    )
    parser.add_argument("--hub", metavar="URL", help="enrol with this hub (with --code)")
    parser.add_argument("--code", help="the code `kiosk hub enroll` printed")
    parser.add_argument(
        "--data-dir", type=directory, metavar="DIR", help="journal and keys (/var/lib/kiosk)"
    )
    # Also a top-level option: given here it wins; not given, the top-level one stays.
    parser.add_argument(
        "--config", metavar="PATH", default=argparse.SUPPRESS, help="the file to write"
    )
    parser.add_argument("--windowed", action="store_true", help="not full screen")
    parser.add_argument("--test-print", action="store_true", help="print a test slip first")
    parser.add_argument("--test-read", action="store_true", help="read a card first")
    parser.add_argument("--test-scale", action="store_true", help="read one weight first")
    parser.add_argument(
        "--timeout", type=seconds(1, 600), default=30.0, help="seconds to wait for the card"
    )
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    parser.set_defaults(func=_setup)


def _target(args: argparse.Namespace) -> Path:
    named = getattr(args, "config", None) or os.environ.get("KIOSK_CONFIG")
    return Path(named) if named else DEFAULT_PATHS[0]


def _list() -> int:
    from kiosk.checkout.first_run import list_readers, printer_choices
    from kiosk.errors import KioskError

    for found in printer_choices():
        print(f"printer  {found.url}  {found.description}")
    try:
        readers = list_readers()
    except KioskError as exc:
        print(f"reader   none: {exc.code}: {exc}")
    else:
        for name in readers:
            print(f"reader   pcsc:{name}")
        if not readers:
            print("reader   none: no PC/SC reader plugged in")
    return 0


def _missing(args: argparse.Namespace) -> list[str]:
    wanted = {"--terminal-id": args.terminal_id, "--mode": args.mode, "--printer": args.printer}
    missing = [flag for flag, value in wanted.items() if not value]
    if bool(args.hub) != bool(args.code):
        missing.append("--code" if args.hub else "--hub")
    if args.test_scale and not args.scale:
        missing.append("--scale")
    return missing


def _setup(args: argparse.Namespace) -> int:
    from kiosk.checkout.first_run import (
        SetupChoices,
        default_data_dir,
        enrol,
        print_test_slip,
        read_test_card,
        weigh_once,
        write_setup,
    )

    if args.list:
        return _list()
    if missing := _missing(args):
        raise ConfigError(f"setup needs {', '.join(missing)}", code="setup.missing")
    path = _target(args)
    if path.exists() and not args.force:  # before any device is touched
        raise ConfigError(
            f"{path} exists; set-up does not overwrite a configuration (--force does)",
            code="config.exists",
        )
    choices = SetupChoices(
        terminal_id=args.terminal_id,
        mode=Mode(args.mode),
        printer=args.printer,
        reader=args.reader,
        scale=args.scale,
        ticket_key_file=args.ticket_key_file,
        data_dir=(args.data_dir or default_data_dir()).absolute(),
        fullscreen=not args.windowed,
    )
    choices.settings()  # every value checked before a device is
    if args.test_print:
        print(f"printer {choices.printer}: {print_test_slip(choices)}")
        sys.stdout.flush()
    if args.test_read:
        print(f"present a card to {choices.reader} ({args.timeout:g} s)")
        sys.stdout.flush()
        print(read_test_card(choices.reader, timeout=args.timeout).describe())
    if args.test_scale:
        print(f"scale {choices.scale}: {weigh_once(choices.scale)} g")
    if args.hub:
        print(enrol(choices, args.hub, args.code))
    settings = write_setup(choices, path, replace=args.force)
    mode = oct(path.stat().st_mode & 0o777)[2:]
    print(f"settings written to {path} (mode {mode}): terminal {settings.terminal.id}, "
          f"{settings.terminal.mode.value}; check with: kiosk --config {path} doctor")  # fmt: skip
    return 0

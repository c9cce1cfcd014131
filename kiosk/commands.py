"""``kiosk demo``, ``kiosk run``, ``kiosk doctor``, ``kiosk gate verify`` and
``kiosk admin set-pin``.

``gate verify`` checks a ticket token offline and marks it used: exit 0 when the holder may
pass, 1 when the token is refused. Keys come from ``--key-file``, else as the gate screen
takes them (``terminal.ticket_key_file``, the demo key in demo mode); the used-ticket
registry is ``--used-file``, else the configured journal's, the one the gate screen
(``kiosk run --mode gate``) writes, so a ticket admitted at the screen is used here too.
Outside demo mode the demo key is never accepted. A test ticket (``kiosk print-test``) is
refused as ``test``.

``admin set-pin`` reads the new operator PIN twice from the terminal (or once from a pipe,
for provisioning scripts; never from the command line, where ``ps`` would show it) and
stores its salted hash in ``<data_dir>/operator-pin`` (0600).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk import __version__
from kiosk.cli_support import load_from_args, seconds
from kiosk.config import Mode
from kiosk.doctor import Status, run_checks


def register(sub: Any) -> None:
    demo = sub.add_parser("demo", help="run the kiosk in demo mode (card simulator, preview)")
    quit_after = seconds(0, 7 * 86_400)
    demo.add_argument("--quit-after", type=quit_after, metavar="SECONDS", help=argparse.SUPPRESS)
    demo.set_defaults(func=_demo)
    run = sub.add_parser("run", help="run the kiosk as configured")
    run.add_argument("--mode", choices=[m.value for m in Mode], help="override terminal.mode")
    run.add_argument("--quit-after", type=quit_after, metavar="SECONDS", help=argparse.SUPPRESS)
    run.set_defaults(func=_run)
    doctor = sub.add_parser("doctor", help="check configuration, journal, reader and printer")
    doctor.add_argument("--json", action="store_true", help="one JSON object, for machines")
    doctor.set_defaults(func=_doctor)
    gate = sub.add_parser("gate", help="ticket gate tools")
    gate_sub = gate.add_subparsers(dest="gate_command", metavar="ACTION", required=True)
    verify = gate_sub.add_parser("verify", help="verify a ticket token and mark it used")
    verify.add_argument("token")
    verify.add_argument("--key-file", type=Path, help="lines '<key id> <hex secret>'")
    verify.add_argument(
        "--used-file", type=Path, help="registry of used ticket ids (default: the journal)"
    )
    verify.add_argument("--at", type=datetime.fromisoformat, help="verify as of this time")
    verify.add_argument("--dry-run", action="store_true", help="do not mark the ticket used")
    verify.set_defaults(func=_gate_verify)
    admin = sub.add_parser("admin", help="operator settings kept in data_dir")
    admin_sub = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    set_pin = admin_sub.add_parser(
        "set-pin", help="set the operator PIN (read from the terminal, stored as a salted hash)"
    )
    set_pin.set_defaults(func=_set_pin)


def _quit_ms(args: argparse.Namespace) -> int | None:
    return None if args.quit_after is None else int(args.quit_after * 1000)


def _demo(args: argparse.Namespace) -> int:
    from kiosk.ops.logs import log_to_files
    from kiosk.ui.app import run_app

    settings = dataclasses.replace(load_from_args(args), demo=True)
    with log_to_files(settings.data_dir / "logs"):
        return run_app(settings, chooser=True, quit_after_ms=_quit_ms(args))


def _run(args: argparse.Namespace) -> int:
    from kiosk.checkout.first_run import config_to_write
    from kiosk.ops.logs import log_to_files
    from kiosk.ui.app import run_app

    target = config_to_write(args.config, os.environ)
    if target is None:
        settings = load_from_args(args)
    else:  # first run: the wizard writes the file, then the terminal starts on it
        from kiosk.ui.setup_wizard import run_setup_wizard

        written = run_setup_wizard(target, quit_after_ms=_quit_ms(args))
        if written is None:
            print(f"set-up cancelled: {target} not written", file=sys.stderr)
            return 1
        settings = written
    if args.mode:
        terminal = dataclasses.replace(settings.terminal, mode=Mode(args.mode))
        settings = dataclasses.replace(settings, terminal=terminal)
    with log_to_files(settings.data_dir / "logs"):
        return run_app(settings, chooser=False, quit_after_ms=_quit_ms(args))


def _doctor(args: argparse.Namespace) -> int:
    settings = load_from_args(args)
    checks = []
    for check in run_checks(settings):
        if not args.json:  # line by line: a slow check does not hide the ones before it
            sys.stdout.write(f"{check.status.value:<5} {check.name:<12} {check.detail}\n")
        checks.append(check)
    worst = max(checks, key=lambda c: c.status.severity).status
    if args.json:
        report = {
            "status": worst.name.lower(),
            "version": __version__,
            "checks": [
                {"name": c.name, "status": c.status.name.lower(), "detail": c.detail}
                for c in checks
            ],
        }
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
    return 1 if worst is Status.FAIL else 0


def _gate_verify(args: argparse.Namespace) -> int:
    from kiosk.journal.store import JournalStore
    from kiosk.journal.used_tickets import JournalUsedTickets
    from kiosk.sales.gate import gate_keys
    from kiosk.sales.tokens import FileUsedTickets, admit, verify_token

    settings = load_from_args(args)
    keys = gate_keys(settings, args.key_file)
    now = args.at or datetime.now().astimezone()
    if now.tzinfo is None:
        now = now.astimezone()
    if args.dry_run:
        check = verify_token(args.token, keys, now=now)
    elif args.used_file:
        check = admit(args.token, keys, FileUsedTickets(args.used_file), now=now)
    else:
        store = JournalStore(settings.journal_url, settings.terminal.id, key_dir=settings.data_dir)
        try:
            check = admit(args.token, keys, JournalUsedTickets(store, actor="cli"), now=now)
        finally:
            store.dispose()
    if check.ticket is None:
        print(check.status.value)
    elif check.ticket.test:
        print(f"{check.status.value}: a printer test ticket, not valid for entry")
    else:
        t = check.ticket
        print(
            f"{check.status.value}: ticket {t.ticket_id} {t.product} "
            f"{t.valid_from.isoformat()} - {t.valid_until.isoformat()}"
        )
    return 0 if check.accepted else 1


#: A PIN typed or piped is a short line; more is not a PIN.
_PIN_LINE = 64


def _set_pin(args: argparse.Namespace) -> int:
    from kiosk.errors import ConfigError
    from kiosk.ui.operator_access import write_pin_file

    settings = load_from_args(args)
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        pin = getpass.getpass("new operator PIN (6-12 digits): ")
        if getpass.getpass("again: ") != pin:
            raise ConfigError("the two PINs differ; nothing changed", code="admin.pin_mismatch")
    else:
        pin = (sys.stdin.readline(_PIN_LINE) if sys.stdin is not None else "").strip()
    path = write_pin_file(settings, pin)
    if settings.ui.operator_pin_hash:
        print(f"{path}: written, but ui.operator_pin_hash in {settings.source} takes precedence")
        return 1
    print(f"operator PIN set ({path}, salted PBKDF2 hash, owner-only)")
    return 0

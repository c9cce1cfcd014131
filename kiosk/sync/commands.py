"""``kiosk sync``: enrol with the hub, show the sync state, push the backlog now;
``kiosk params show``: the parameter bundle in effect."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kiosk.cli_support import load_from_args, open_existing_journal
from kiosk.money import format_fen
from kiosk.sync.state import SyncStateStore, SyncStatus


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "sync",
        help="upload the journal to the hub, enrol, show sync state",
        description="Without an action: upload, heartbeat and poll parameters every "
        "sync.interval_s until interrupted (the kiosk process does the same on its own).",
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="push the backlog and send a heartbeat now; exit 1 if entries are left",
    )
    parser.set_defaults(func=_run)
    actions = parser.add_subparsers(dest="sync_command", metavar="ACTION")
    enroll = actions.add_parser("enroll", help="exchange a one-time code for this terminal's key")
    enroll.add_argument("--hub", required=True, metavar="URL", help="the hub, http(s)://host:port")
    enroll.add_argument("--code", required=True, help="the code `kiosk hub enroll` printed")
    enroll.set_defaults(func=_enroll)
    status = actions.add_parser("status", help="acknowledged mark, backlog, last error, contact")
    status.add_argument("--json", action="store_true", help="one JSON object")
    status.set_defaults(func=_status)
    _register_params(sub)


def _register_params(sub: Any) -> None:
    parser = sub.add_parser("params", help="the parameter bundle from the hub in effect")
    actions = parser.add_subparsers(dest="params_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="version, hash and sections of the kept bundle")
    show.add_argument("--json", action="store_true", help="one JSON object")
    show.set_defaults(func=_params_show)


def _params_show(args: argparse.Namespace) -> int:
    from kiosk.sync.enrolment import EnrolmentError, load, sync_dir
    from kiosk.sync.params import load_saved

    settings = load_from_args(args)
    try:
        enrolled, _key = load(settings)
    except EnrolmentError:
        params = None
    else:
        params = load_saved(sync_dir(settings), enrolled.hub_key_bytes, enrolled.terminal_id)
    summary = None if params is None else params.summary()
    if args.json:
        sys.stdout.write(json.dumps(summary, ensure_ascii=False, sort_keys=True) + "\n")
    elif summary is None:
        sys.stdout.write("no parameter bundle: the local configuration is in effect\n")
    else:
        for name, value in summary.items():
            shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
            sys.stdout.write(f"{name}: {shown}\n")
    return 0


def _enroll(args: argparse.Namespace) -> int:
    from kiosk.sync.enrolment import enroll

    settings = load_from_args(args)
    enrolled = enroll(settings, args.hub, args.code.strip().upper())
    sys.stdout.write(f"terminal {enrolled.terminal_id} enrolled with {enrolled.hub_url}\n")
    return 0


def _status(args: argparse.Namespace) -> int:
    store = open_existing_journal(load_from_args(args))
    try:
        status = SyncStateStore(store).status()
    finally:
        store.dispose()
    if args.json:
        sys.stdout.write(json.dumps(status.as_json(), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(describe(status) + "\n")
    return 0


def describe(status: SyncStatus) -> str:
    """The state in a few lines, for people."""
    contact = (
        status.last_contact_at.isoformat(timespec="seconds") if status.last_contact_at else "never"
    )
    lines = [
        f"terminal {status.terminal_id}: acknowledged up to {status.acked_seq}, "
        f"backlog {status.backlog}",
        f"hub: {status.hub_url or '-'}, last contact {contact}",
        f"offline approvals not yet acknowledged: {format_fen(status.offline_unacked_fen)}",
        f"parameters version {status.params_version}",
    ]
    if status.last_error:
        lines.append(f"last error: {status.last_error}")
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    from kiosk.sync.service import open_sync

    settings = load_from_args(args)
    store = open_existing_journal(settings)
    try:
        service = open_sync(settings, store)
        try:
            if not args.once:
                worker = service.worker()
                worker.start()
                try:
                    while worker.is_alive():
                        worker.join(1.0)
                finally:
                    worker.stop()
                return 0
            result = service.push()
            service.heartbeat()
        finally:
            service.close()
    finally:
        store.dispose()
    sys.stdout.write(
        f"sent {result.sent} entries; acknowledged up to {result.acked_seq}, "
        f"backlog {result.backlog}\n"
    )
    return 0 if result.backlog == 0 else 1

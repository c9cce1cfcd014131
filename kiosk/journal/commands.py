"""``kiosk journal export|verify``: read the journal without the UI."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kiosk.cli_support import load_from_args, open_existing_journal, whole_number
from kiosk.journal.chain import Checkpoint
from kiosk.journal.store import JournalStore
from kiosk.journal.verify import verify_journal


def register(sub: Any) -> None:
    parser = sub.add_parser("journal", help="export or verify the journal")
    actions = parser.add_subparsers(dest="journal_command", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="print journal entries")
    export.add_argument("--json", action="store_true", help="one JSON object per line")
    export.add_argument(
        "--after",
        type=whole_number(0, 2**63 - 1, "a sequence number"),
        default=0,
        metavar="SEQ",
        help="only entries after this sequence number",
    )
    export.set_defaults(func=_export)
    verify = actions.add_parser("verify", help="check the sequence and hash chain")
    verify.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        type=_checkpoint,
        metavar="SEQ:HEX",
        help="a journal check printed on a shift slip (e.g. '#1234 3F2A 91C0 77D4 0B1E'):"
        " the entry must still have that hash; repeatable",
    )
    verify.set_defaults(func=_verify)
    reset = actions.add_parser(
        "accept-reset",
        help="accept a journal that went backwards or vanished (journalled, with a reason)",
    )
    reset.add_argument("--reason", required=True, help="why, for the journal (e.g. a ticket)")
    reset.add_argument("--operator", default="operator", help="who accepts it")
    reset.set_defaults(func=_accept_reset)


def _checkpoint(text: str) -> Checkpoint:
    try:
        return Checkpoint.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _open(args: argparse.Namespace) -> JournalStore:
    return open_existing_journal(load_from_args(args))


def _accept_reset(args: argparse.Namespace) -> int:
    from kiosk.journal.verify import accept_reset, head_problems

    store = _open(args)
    problems = head_problems(store)
    if not problems:
        sys.stdout.write("the journal agrees with its head file: nothing to accept\n")
        return 1
    entry = accept_reset(store, reason=args.reason, actor=args.operator, problems=problems)
    sys.stdout.write(f"reset accepted as entry {entry.seq}: {problems[0]}\n")
    return 0


def _export(args: argparse.Namespace) -> int:
    store = _open(args)
    for entry in store.entries(after_seq=args.after):
        if args.json:
            row = {
                "terminal": entry.terminal_id,
                "seq": entry.seq,
                "ts": entry.ts,
                "event": entry.event,
                "actor": entry.actor,
                "payload": entry.payload,
                "prev_hash": entry.prev_hash,
                "hash": entry.hash,
            }
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(f"{entry.seq:>8} {entry.ts} {entry.event:<24} {entry.actor}\n")
    return 0


def _verify(args: argparse.Namespace) -> int:
    report = verify_journal(_open(args), checkpoints=args.checkpoint)
    for problem in report.problems:
        sys.stdout.write(f"FAIL {problem}\n")
    verdict = "intact" if report.ok else "BROKEN"
    sys.stdout.write(f"journal of {report.terminal_id}: {report.entries} entries, {verdict}\n")
    return 0 if report.ok else 1

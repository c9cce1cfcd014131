"""The ``kiosk`` command line: one sub-command per job.

Each feature module exposes ``register(subparsers)`` which adds its parser and
sets ``func``; handlers return an exit status. Errors the user can act on
(:class:`~kiosk.errors.KioskError`) become one line on stderr and exit status 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from kiosk import __version__
from kiosk.errors import KioskError

#: Modules that contribute sub-commands, in the order ``kiosk --help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "kiosk.commands",
    "kiosk.journal.commands",
    "kiosk.payment.commands",
    "kiosk.printing.commands",
    "kiosk.checkout.commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="Card-payment kiosk, market POS and parking terminal (UnionPay PBOC 3.0).",
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="TOML settings (default: $KIOSK_CONFIG, "
        "then /etc/kiosk/kiosk.toml if present, else built-in demo defaults)",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KioskError as exc:
        print(f"kiosk: {exc.code}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

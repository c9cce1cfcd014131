"""The ``kiosk`` command line: one sub-command per job.

Each feature module exposes ``register(subparsers)`` which adds its parser and
sets ``func``; handlers return an exit status. Errors the user can act on
(:class:`~kiosk.errors.KioskError`), a bad argument, and an operating-system error (a file
that cannot be written, output to a full disk, a closed pipe or a closed stdout) become one
line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
import typing
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


#: Commands that write nothing to stdout worth having (the windows): they may run without one.
_WINDOWED = frozenset({"run", "demo"})


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line (the usage is one ``--help`` away)."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    if sys.stdout is None and args.command not in _WINDOWED:
        return _fail("io.stdout_closed", "standard output is closed")
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    """Run the command; what the user or the machine got wrong ends as one line."""
    try:
        status = int(args.func(args) or 0)
        if sys.stdout is not None:
            sys.stdout.flush()  # a full disk or a closed pipe is reported here, not at exit
    except KioskError as exc:
        return _fail(exc.code, str(exc))
    except BrokenPipeError:
        _park_stdout()
        return _fail("io.output", "the output was closed before the end (broken pipe)")
    except OSError as exc:
        # The environment, not the program: a full disk, a path that is a file, /proc, ...
        if exc.filename:
            return _fail("io.error", f"{exc.strerror or exc}: {exc.filename}")
        _park_stdout()
        return _fail("io.output", f"cannot write the output: {exc.strerror or exc}")
    except KeyboardInterrupt:
        return 130
    return status


def _fail(code: str, message: str) -> int:
    """One line on stderr, exit status 2."""
    print(f"kiosk: {code}: {message}", file=sys.stderr)
    return 2


def _park_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's final flush of what could not
    be written adds no second report."""
    # A test's capture has no real file descriptor: then there is nothing to park.
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

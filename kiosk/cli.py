"""The ``kiosk`` command line: one sub-command per job.

Each feature module exposes ``register(subparsers)`` which adds its parsers and
sets ``func``; handlers return an exit status. Errors the user can act on
(:class:`~kiosk.errors.KioskError`), a bad argument, and an operating-system error (a file
that cannot be written, output to a full disk, a closed pipe or a closed stdout) become one
line on stderr and exit status 2, never a traceback.

The command modules pull in SQLAlchemy, Qt, python-escpos or the card stack, so
:data:`COMMANDS` names each command with its help line and module, and only the
module of the command being run is imported: ``kiosk --help`` imports none.
``tests/test_cli.py`` checks that the table says what the modules register.
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
from dataclasses import dataclass

from kiosk import __version__
from kiosk.errors import KioskError


@dataclass(frozen=True)
class Command:
    """A sub-command as ``kiosk --help`` lists it, and the module whose ``register`` adds it."""

    help: str
    module: str


#: Commands that write nothing to stdout worth having (the windows): they may run without one.
_WINDOWED = frozenset({"run", "demo"})


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line (the usage is one ``--help`` away)."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


#: Every sub-command, in the order ``kiosk --help`` lists them.
COMMANDS: dict[str, Command] = {
    "demo": Command("run the kiosk in demo mode (card simulator, preview)", "kiosk.commands"),
    "run": Command("run the kiosk as configured", "kiosk.commands"),
    "doctor": Command("check configuration, journal, reader and printer", "kiosk.commands"),
    "gate": Command("ticket gate tools", "kiosk.commands"),
    "admin": Command("operator settings kept in data_dir", "kiosk.commands"),
    "journal": Command("export or verify the journal", "kiosk.journal.commands"),
    "card-sim": Command(
        "serve a simulated PBOC card to vsmartcard's vpcd (or list the cards)",
        "kiosk.payment.commands",
    ),
    "pay": Command(
        "run one card transaction headless (simulated card or PC/SC reader)",
        "kiosk.payment.commands",
    ),
    "host-sim": Command(
        "acquirer + issuer simulator over ISO 8583/TCP (for tests and demos)",
        "kiosk.payment.host.host_sim",
    ),
    "balance": Command(
        "show a card's electronic cash balance and its recent transactions",
        "kiosk.payment.commands",
    ),
    "print-test": Command(
        "print a sample receipt and ticket, show status", "kiosk.printing.commands"
    ),
    "market-sell": Command(
        "sell at the market counter headless: basket, card or cash, receipt, journal",
        "kiosk.checkout.market_sell",
    ),
    "scale-test": Command(
        "read one weight from a scale (MT-SICS or XK3190, serial or TCP)", "kiosk.scale.commands"
    ),
    "reprint": Command("reprint a receipt, or print what a fault left", "kiosk.checkout.commands"),
    "report": Command("shift or day settlement report as PDF", "kiosk.checkout.commands"),
    "ec-load": Command(
        "load electronic cash onto a card (attended; paid at the counter)",
        "kiosk.checkout.ec_load",
    ),
    "settle": Command("settle with the acquirer (0500, batch upload)", "kiosk.checkout.commands"),
    "sell": Command(
        "sell tickets headless: order, card, tickets and receipt, journal", "kiosk.checkout.sell"
    ),
    "parking": Command(
        "parking headless: a stay's fee, a car in, a car paying and out",
        "kiosk.checkout.parking_commands",
    ),
    "sync": Command("upload the journal to the hub, enrol, show sync state", "kiosk.sync.commands"),
    "params": Command("the parameter bundle from the hub in effect", "kiosk.sync.commands"),
    "hub": Command(
        "the back-office hub: serve terminals, enrol one, publish parameters", "kiosk.hub.commands"
    ),
}

#: Top-level options that take a value (so it is not mistaken for the command).
_VALUED_OPTIONS = ("--config",)


def chosen_command(argv: Sequence[str]) -> str | None:
    """The sub-command ``argv`` names (its first word that is not an option), if any."""
    words = iter(argv)
    for word in words:
        if word in _VALUED_OPTIONS:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; ``command``'s module adds its full parsers, the others are listed only.

    With ``command=None`` every module is imported and registers its parsers (tests use it).
    """
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
    if command is None:
        modules = list(dict.fromkeys(entry.module for entry in COMMANDS.values()))
    else:
        modules = [COMMANDS[command].module] if command in COMMANDS else []
    for module in modules:
        importlib.import_module(module).register(sub)
    for name, entry in COMMANDS.items():
        if name not in sub.choices:
            sub.add_parser(name, help=entry.help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(chosen_command(argv) or "")
    args = parser.parse_args(argv)
    _log_to_stderr(logging.WARNING - 10 * min(args.verbose, 2))
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if sys.stdout is None and args.command not in _WINDOWED:
        return _fail("io.stdout_closed", "standard output is closed")
    return _run(args)


def _log_to_stderr(level: int) -> None:
    """Human-readable lines on stderr from ``level`` on (loggers that ask for more, such as
    the card simulator's, still print), card data masked (the long-running
    commands also keep files: :func:`kiosk.ops.logs.log_to_files`)."""
    from kiosk.ops.logs import CardDataFilter

    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        if getattr(handler, "stream", None) is not sys.stderr:
            continue
        if not any(isinstance(f, CardDataFilter) for f in handler.filters):
            handler.addFilter(CardDataFilter())


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

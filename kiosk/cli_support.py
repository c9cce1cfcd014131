"""Small pieces every sub-command shares: settings, and argument types that refuse
what is not plainly what they ask for (one line from argparse, never a traceback)."""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.config import Settings, load_settings
from kiosk.errors import ConfigError

if TYPE_CHECKING:
    from kiosk.journal.store import JournalStore

#: ASCII digits only: ``str.isdigit`` and ``int`` also take Arabic-Indic and other digits.
_DIGITS = re.compile(r"[0-9]{1,18}")
#: Card profile names, as the files in ``assets/cards/`` are named.
_PROFILE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
#: Days a report can cover: wide enough for any terminal, narrow enough for date arithmetic.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


def load_from_args(args: argparse.Namespace) -> Settings:
    """Settings from ``--config`` (or the default places) with environment overrides."""
    return load_settings(getattr(args, "config", None))


def whole_number(low: int, high: int, what: str) -> Callable[[str], int]:
    """An argument type: ASCII digits, ``low`` <= value <= ``high``."""

    def parse(text: str) -> int:
        if not _DIGITS.fullmatch(text) or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"expected {what} ({low}-{high}), got {text!r}")
        return int(text)

    return parse


def seconds(low: float, high: float) -> Callable[[str], float]:
    """An argument type: a finite number of seconds, ``low`` <= value <= ``high``."""

    def parse(text: str) -> float:
        try:
            value = float(text) if text.isascii() else math.nan
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"expected seconds ({low:g}-{high:g}), got {text!r}")
        return value

    return parse


def profile_name(text: str) -> str:
    """An argument type: a card simulator profile name (``debit-ec``)."""
    if not _PROFILE.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"expected a card profile name (a-z 0-9 - _, see kiosk card-sim --list), got {text!r}"
        )
    return text


def host_port(text: str) -> tuple[str, int]:
    """An argument type: ``HOST:PORT`` as (host, port)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


def directory(text: str) -> Path:
    """An argument type: a directory, or a path where one can be created."""
    path = Path(text)
    if not text or (path.exists() and not path.is_dir()):
        raise argparse.ArgumentTypeError(f"not a directory: {text!r}")
    return path


def day(text: str) -> date:
    """An argument type: a day ``YYYY-MM-DD`` between :data:`FIRST_DAY` and :data:`LAST_DAY`."""
    try:
        value = date.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or not FIRST_DAY <= value <= LAST_DAY:
        raise argparse.ArgumentTypeError(
            f"expected a day YYYY-MM-DD from {FIRST_DAY} to {LAST_DAY}, got {text!r}"
        )
    return value


def open_existing_journal(settings: Settings) -> JournalStore:
    """The configured journal, for commands that only read it (verify, export, report).

    A SQLite file that does not exist is refused (ConfigError ``journal.missing``) rather
    than created empty: a mistyped URL must not verify as an intact journal of 0 entries.
    """
    from sqlalchemy.engine import make_url

    from kiosk.journal.store import JournalStore

    url = make_url(settings.journal_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database or "")
        if not path.is_file():
            raise ConfigError(
                f"no journal at {path} (check journal.url and data_dir)",
                code="journal.missing",
                path=str(path),
            )
    return JournalStore(settings.journal_url, settings.terminal.id, key_dir=settings.data_dir)

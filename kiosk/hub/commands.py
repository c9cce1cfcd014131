"""``kiosk hub``: serve the hub, issue an enrolment code, publish a parameter bundle."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from kiosk.cli_support import load_from_args
from kiosk.errors import ConfigError
from kiosk.files import read_text_bounded
from kiosk.hub.db import open_database, sqlite_file
from kiosk.hub.keys import HubKey
from kiosk.money import format_fen
from kiosk.sync.protocol import valid_terminal_id

#: A bundle file larger than this is a mistake (a whole price list is a few hundred KiB).
MAX_BUNDLE_FILE = 2 * 1024 * 1024


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "hub",
        help="the back-office hub: serve terminals, enrol one, publish parameters",
        description="Without an action, serve the hub's API (docs/sync.md) until stopped.",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        default="",
        help="SQLAlchemy URL of the hub's database (default: SQLite data_dir/hub.db;"
        " e.g. postgresql+psycopg://user@host/hub)",
    )
    parser.add_argument(
        "--key",
        type=Path,
        metavar="FILE",
        help="the hub's Ed25519 key, created 0600 on first start (default: hub.key beside"
        " an SQLite database, else in data_dir); every hub of one database needs the same",
    )
    parser.add_argument(
        "--listen",
        type=_listen,
        default=("127.0.0.1", 8080),
        metavar="HOST:PORT",
        help="address to serve on (default 127.0.0.1:8080)",
    )
    parser.add_argument(
        "--tls-cert",
        type=Path,
        metavar="FILE",
        help="serve HTTPS with this certificate chain (PEM); needs --tls-key",
    )
    parser.add_argument(
        "--tls-key", type=Path, metavar="FILE", help="the certificate's private key (PEM)"
    )
    parser.set_defaults(func=_serve)
    actions = parser.add_subparsers(dest="hub_command", metavar="ACTION")
    enroll = actions.add_parser(
        "enroll", help="issue a one-time enrolment code (printed alone on the last line)"
    )
    enroll.add_argument("terminal_id", type=_terminal_id, metavar="TERMINAL_ID")
    enroll.set_defaults(func=_enroll)
    revoke = actions.add_parser("revoke", help="refuse a terminal's requests from now on")
    revoke.add_argument("terminal_id", type=_terminal_id, metavar="TERMINAL_ID")
    revoke.set_defaults(func=_revoke)
    operator = actions.add_parser(
        "operator", help="add an operator of the operator page, or change their password"
    )
    operator.add_argument("name", metavar="NAME")
    operator.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (default: ask on the terminal)",
    )
    operator.set_defaults(func=_operator)
    publish = actions.add_parser("publish", help="sign a parameter bundle as the next version")
    publish.add_argument("file", type=Path, metavar="FILE.json", help="the bundle's sections")
    publish.add_argument(
        "--terminals",
        type=_terminal_list,
        metavar="T1,T2",
        help="only these terminals (default: every terminal)",
    )
    publish.set_defaults(func=_publish)
    report = actions.add_parser("report", help="the fleet's figures as a PDF")
    reports = report.add_subparsers(dest="report_kind", metavar="KIND", required=True)
    day = reports.add_parser(
        "day",
        help="a day's takings by terminal and payment path, counts, chain alerts and the"
        " terminals offline",
    )
    day.add_argument(
        "--date",
        type=_date,
        metavar="YYYY-MM-DD",
        help="the UTC day to report (default: today, UTC)",
    )
    day.add_argument(
        "--out", type=Path, required=True, metavar="FILE.pdf", help="where to write the PDF"
    )
    day.set_defaults(func=_report_day)


def _listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"not HOST:PORT: {text!r}")
    return host.strip("[]"), int(port)


def _terminal_id(text: str) -> str:
    if not valid_terminal_id(text):
        raise argparse.ArgumentTypeError(f"not a terminal id (1-32 of A-Z a-z 0-9 - _): {text!r}")
    return text


def _date(text: str) -> date:
    with contextlib.suppress(ValueError):
        if len(text) == len("YYYY-MM-DD"):  # fromisoformat also takes 20261205 and weeks
            return date.fromisoformat(text)
    raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}")


def _terminal_list(text: str) -> list[str]:
    return [_terminal_id(t.strip()) for t in text.split(",")]


def _locations(args: argparse.Namespace) -> tuple[str, Path]:
    """The database URL and the hub key's file."""
    settings = load_from_args(args)
    url = args.db or f"sqlite:///{settings.data_dir / 'hub.db'}"
    if args.key is not None:
        return url, args.key
    db_file = sqlite_file(url)
    return url, (db_file.parent if db_file else settings.data_dir) / "hub.key"


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from kiosk.hub.app import Hub, create_app

    if (args.tls_cert is None) != (args.tls_key is None):
        raise ConfigError("--tls-cert and --tls-key go together", code="hub.tls")
    for path in (args.tls_cert, args.tls_key):
        if path is not None and not path.is_file():
            raise ConfigError(f"{path}: no such file", code="hub.tls")
    url, key_file = _locations(args)
    tls = args.tls_cert is not None
    hub = Hub(open_database(url), HubKey.load_or_create(key_file), tls=tls)
    host, port = args.listen
    uvicorn.run(
        create_app(hub),
        host=host,
        port=port,
        server_header=False,
        log_level="info",
        ssl_certfile=str(args.tls_cert) if tls else None,
        ssl_keyfile=str(args.tls_key) if tls else None,
    )
    return 0


def _enroll(args: argparse.Namespace) -> int:
    from kiosk.hub.enrol import CODE_TTL_S, issue_code

    url, _key_file = _locations(args)
    with open_database(url)() as session:
        code = issue_code(session, args.terminal_id, now=time.time())
    print(f"enrolment code for {args.terminal_id}, valid {CODE_TTL_S // 3600} h, single use:")
    print(code)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from kiosk.hub.enrol import revoke

    url, _key_file = _locations(args)
    with open_database(url)() as session:
        revoke(session, args.terminal_id)
    print(f"terminal {args.terminal_id} revoked (enrol it again to readmit it)")
    return 0


def _operator(args: argparse.Namespace) -> int:
    from kiosk.hub.passwords import set_operator

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise ConfigError("the two passwords differ", code="operator.password")
    url, _key_file = _locations(args)
    with open_database(url)() as session:
        set_operator(session, args.name, password, now=time.time())
    print(f"operator {args.name} can sign in at /operator")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from kiosk.hub.bundles import publish

    text = read_text_bounded(
        args.file, limit=MAX_BUNDLE_FILE, what="bundle file", code="bundle.file"
    )
    try:
        sections = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ConfigError(f"{args.file}: not JSON ({exc})", code="bundle.file") from None
    url, key_file = _locations(args)
    with open_database(url)() as session:
        version = publish(
            session,
            HubKey.load_or_create(key_file),
            sections,
            terminals=args.terminals,
            now=time.time(),
        )
    print(f"published bundle version {version}")
    return 0


def _report_day(args: argparse.Namespace) -> int:
    from kiosk.hub.report import fleet_day, write_pdf

    now = time.time()
    day = args.date or datetime.fromtimestamp(now, UTC).date()
    url, _key_file = _locations(args)
    with open_database(url)() as session:
        report = fleet_day(session, day, now=now)
    write_pdf(report, args.out)
    paid = report.paid
    print(
        f"fleet day {day.isoformat()} (UTC): {format_fen(paid.amount_fen)} from {paid.count}"
        f" payments on {len(report.by_terminal)} terminals, {len(report.alerts)} chain"
        f" alerts, {len(report.offline)} terminals offline -> {args.out}"
    )
    return 0

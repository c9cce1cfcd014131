"""``kiosk card-sim``: list the simulated cards, or serve one to vpcd so PC/SC sees it.

    kiosk card-sim --list
    kiosk card-sim --profile NAME [--vpcd HOST:PORT] [--state-dir DIR] [--tap] [--remove-after N]
    kiosk card-sim --trace FILE   [--atr HEX] [--vpcd HOST:PORT] [--tap] [--remove-after N]
    kiosk balance [--reader NAME | --sim PROFILE] [--state-dir DIR] [--json]

Without ``--tap``/``--remove-after`` the card stays in the reader until SIGTERM/SIGINT and
comes back by itself when pcscd restarts; with them, the command exits once the card has left
(``--repeat`` presents it again instead, for a queue of customers). Exit status 0 after a
clean stop; a ``KioskError`` (unknown profile, vpcd unreachable, bad trace file) is one line
on stderr and status 2.

Profiles come from :mod:`kiosk.payment.cardsim.profiles`, imported only when needed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import signal
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from kiosk.cli_support import directory, host_port, profile_name, seconds, whole_number
from kiosk.errors import ConfigError, UsageError
from kiosk.payment.cardsim.base import VirtualCard
from kiosk.payment.cardsim.replay import ReplayCard
from kiosk.payment.cardsim.scripted import DEFAULT_ATR
from kiosk.payment.cardsim.vpcd import DEFAULT_HOST, DEFAULT_PORT, BridgeOptions, VpcdBridge

if TYPE_CHECKING:
    from kiosk.payment.cardlog import CardLog

__all__ = ["register"]


def _profiles() -> Any:
    """The profile module, imported lazily (it loads keys and card files)."""
    try:
        return importlib.import_module("kiosk.payment.cardsim.profiles")
    except ModuleNotFoundError as exc:
        if exc.name != "kiosk.payment.cardsim.profiles":
            raise
        raise ConfigError(
            "no card profiles are installed (kiosk.payment.cardsim.profiles is missing)",
            code="cardsim.no_profiles",
        ) from exc


def _atr(text: str) -> bytes:
    try:
        atr = bytes.fromhex(text)
    except ValueError:
        atr = b""
    # ISO/IEC 7816-3 §8.2: TS then T0, at most 33 bytes in all.
    if not 2 <= len(atr) <= 33 or atr[0] not in (0x3B, 0x3F):
        raise argparse.ArgumentTypeError(f"expected an ATR in hex starting 3B or 3F, got {text!r}")
    return atr


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive count, got {text!r}")
    return int(text)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "card-sim",
        help="serve a simulated PBOC card to vsmartcard's vpcd (or list the cards)",
        description="Serve a simulated card to vpcd, so pcscd shows it in 'Virtual PCD 00 00'.",
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--list", action="store_true", help="list the card profiles and exit")
    what.add_argument(
        "--profile", metavar="NAME", type=profile_name, help="serve this card profile"
    )
    what.add_argument("--trace", metavar="FILE", type=Path, help="serve a recorded session")
    parser.add_argument(
        "--vpcd",
        metavar="HOST:PORT",
        type=host_port,
        default=(DEFAULT_HOST, DEFAULT_PORT),
        help=f"where vpcd listens (default {DEFAULT_HOST}:{DEFAULT_PORT}: 'Virtual PCD 00 00')",
    )
    parser.add_argument(
        "--atr",
        metavar="HEX",
        type=_atr,
        help="with --trace: the ATR to answer with (contactless: 3B8880010000000000718100F9)",
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        type=directory,
        help="keep the card's balance, ATC and log here between runs",
    )
    parser.add_argument(
        "--tap", action="store_true", help="present the card for one transaction, then remove it"
    )
    parser.add_argument(
        "--remove-after", metavar="N", type=_positive, help="remove the card after N APDUs"
    )
    parser.add_argument(
        "--repeat",
        action="store_true",
        help="with --tap/--remove-after: present the card again after each removal",
    )
    parser.set_defaults(func=run)
    _register_pay(subparsers)
    register_balance(subparsers)


def _card(args: argparse.Namespace) -> VirtualCard:
    if args.trace is not None:
        if args.state_dir is not None:
            raise UsageError("--state-dir applies to --profile only", code="cardsim.usage")
        return ReplayCard.from_file(args.trace, atr=args.atr or DEFAULT_ATR)
    if args.atr is not None:
        raise UsageError(
            "--atr applies to --trace only (a profile has its own)", code="cardsim.usage"
        )
    card: VirtualCard = _profiles().load_card(args.profile, state_dir=args.state_dir)
    return card


def run(args: argparse.Namespace) -> int:
    if args.list:
        for info in _profiles().list_profiles():
            print(f"{info.name}\t{info.description}")
        return 0
    host, port = args.vpcd
    # Insertions and removals are what a person running this wants to see.
    logging.getLogger("kiosk.payment.cardsim").setLevel(logging.INFO)
    bridge = VpcdBridge(
        _card(args),
        BridgeOptions(
            host=host,
            port=port,
            tap=args.tap,
            remove_after=args.remove_after,
            repeat=args.repeat,
        ),
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        bridge.stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        bridge.serve()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


# --- kiosk pay: the terminal kernel's headless transaction -----------------------------------
# The parser only; the kernel is imported when the command runs, so that every other
# ``kiosk`` command starts without loading it.


def _unpredictable_number(text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if len(value) != 4:
        raise argparse.ArgumentTypeError(f"expected 4 bytes of hex (8 digits), got {text!r}")
    return value


def _register_pay(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "pay",
        help="run one card transaction headless (simulated card or PC/SC reader)",
        description="Take a card through one purchase and print the result "
        "(exit status 0 when approved, 1 otherwise).",
    )
    parser.add_argument(
        "--amount",
        metavar="FEN",
        type=whole_number(0, 999_999_999_999, "an amount in fen"),
        required=True,
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--reader", metavar="NAME", help="PC/SC reader name (demo mode only)")
    where.add_argument(
        "--sim", metavar="PROFILE", type=profile_name, help="in-process simulated card"
    )
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--contact", action="store_true", help="contact EMV/PBOC")
    how.add_argument("--contactless", action="store_true", help="qPBOC")
    parser.add_argument(
        "--online", choices=("auto", "never", "always"), help="override the online policy"
    )
    parser.add_argument(
        "--unpredictable-number", metavar="HEX", type=_unpredictable_number, help="fix 9F37"
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        type=directory,
        help="simulated card state (default: data_dir/pay-cards, never the kiosk's own cards)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=_run_pay)


def _run_pay(args: argparse.Namespace) -> int:
    from kiosk.payment.pay_command import run_pay

    return run_pay(args)


# --- kiosk balance -------------------------------------------------------------------------

#: Transaction types (9C, EMV Book 3 Annex A / ISO 8583 processing code) a log shows.
_TXN_TYPES = {0x00: "消费 purchase", 0x01: "取现 cash", 0x20: "退货 refund", 0x31: "查询 inquiry"}


def register_balance(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``kiosk balance``: the card's EC balance and limits and its recent log entries."""
    parser = subparsers.add_parser(
        "balance",
        help="show a card's electronic cash balance and its recent transactions",
        description="Read the EC balance, limits, transaction log and EC load log of a card.",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--reader", metavar="NAME", help="PC/SC reader (default: payment.reader)")
    where.add_argument(
        "--sim", metavar="PROFILE", type=profile_name, help="read a simulated card in-process"
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        type=directory,
        help="with --sim: the card's state (default: <data_dir>/cards, as the kiosk keeps it)",
    )
    parser.add_argument(
        "--timeout",
        metavar="S",
        type=seconds(0.1, 600),
        default=30.0,
        help="seconds to wait for a card",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run_balance)


def run_balance(args: argparse.Namespace) -> int:
    from kiosk.cli_support import load_from_args
    from kiosk.payment.cardlog import read_card_log
    from kiosk.payment.reader.open import open_reader

    settings = load_from_args(args)
    if args.sim:
        spec = f"sim:{args.sim}"
    elif args.reader:
        spec = f"pcsc:{args.reader}"
    else:
        spec = settings.payment.reader
    reader = open_reader(spec, state_dir=args.state_dir or settings.data_dir / "cards")
    try:
        reader.wait_for_card(args.timeout)
        log = read_card_log(reader)
    finally:
        reader.disconnect()
    if args.json:
        print(json.dumps(_balance_json(log), ensure_ascii=False, indent=1))
    else:
        print("\n".join(_balance_lines(log)))
    return 0


def _money(fen: int | None) -> str:
    from kiosk.money import format_fen

    return "-" if fen is None else format_fen(fen)


def _balance_json(log: CardLog) -> dict[str, Any]:
    """The card log as JSON: amounts in fen and formatted, dates ISO 8601."""
    ec = None
    if log.ec is not None:
        ec = {
            "balance_fen": log.ec.balance_fen,
            "balance": _money(log.ec.balance_fen),
            "balance_limit_fen": log.ec.balance_limit_fen,
            "single_limit_fen": log.ec.single_limit_fen,
            "reset_threshold_fen": log.ec.reset_threshold_fen,
            "currency": log.ec.currency,
        }
    return {
        "aid": log.aid,
        "label": log.label,
        "ec": ec,
        "entries": [
            {
                "when": e.when.isoformat() if e.when else None,
                "amount_fen": e.amount_fen,
                "amount": _money(e.amount_fen),
                "atc": e.atc,
                "type": e.transaction_type,
                "currency": e.currency,
                "merchant": e.merchant_name,
            }
            for e in log.entries
        ],
        "loads": [
            {
                "when": f"{e.date.isoformat()}T{e.time.isoformat()}" if e.date and e.time else None,
                "before_fen": e.balance_before_fen,
                "after_fen": e.balance_after_fen,
                "merchant": e.merchant_name,
            }
            for e in log.load_entries
        ],
    }


def _balance_lines(log: CardLog) -> list[str]:
    """The card log as plain text, Chinese first, amounts as ``¥12.50``."""
    lines = [f"卡片应用 Application: {log.label} ({log.aid})"]
    if log.ec is None:
        lines.append("电子现金 Electronic cash: 无 none")
    else:
        lines += [
            f"电子现金余额 EC balance:        {_money(log.ec.balance_fen)}",
            f"余额上限 Balance limit:         {_money(log.ec.balance_limit_fen)}",
            f"单笔限额 Single limit:          {_money(log.ec.single_limit_fen)}",
            f"重置阈值 Reset threshold:       {_money(log.ec.reset_threshold_fen)}",
        ]
    lines.append(f"交易记录 Transactions ({len(log.entries)}, 最新在前 newest first):")
    for e in log.entries:
        when = e.when.strftime("%Y-%m-%d %H:%M:%S") if e.when else "????-??-?? ??:??:??"
        kind = _TXN_TYPES.get(e.transaction_type or 0, f"type {e.transaction_type}")
        atc = "-" if e.atc is None else str(e.atc)
        lines.append(
            f"  {when}  {_money(e.amount_fen):>10}  ATC {atc:>5}  {kind}  {e.merchant_name}"
        )
    if log.load_entries:
        lines.append(f"圈存记录 EC loads ({len(log.load_entries)}):")
        for load in log.load_entries:
            day = load.date.isoformat() if load.date else "????-??-??"
            before, after = _money(load.balance_before_fen), _money(load.balance_after_fen)
            lines.append(f"  {day}  {before} -> {after}  {load.merchant_name}")
    return lines

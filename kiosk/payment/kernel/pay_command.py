"""``kiosk pay``: one headless transaction, for diagnostics and certification scripts.

(The argument parser is in :mod:`kiosk.payment.commands`; this module runs the command.)

    kiosk pay --amount FEN [--reader NAME | --sim PROFILE] [--contact | --contactless]
              [--online auto|never|always] [--unpredictable-number HEX]
              [--state-dir DIR] [--json]

``--sim`` runs the in-process card simulator (its balance, ATC and log persist in
``--state-dir``, default ``<data_dir>/cards``); ``--reader`` uses PC/SC. With
``--online always`` the in-process issuer simulator answers, when it is installed
(``kiosk.payment.host.issuer_sim``); otherwise no host is configured and a card that
wants to go online ends ``online_request``. Exit status 0 when the outcome is an
approval, 1 otherwise; a ``KioskError`` is one line on stderr and status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib
import json
from typing import Any

from kiosk.config import Settings, load_settings
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.host.base import AuthorizationHost
from kiosk.payment.kernel.run import run_transaction
from kiosk.payment.kernel.types import (
    OnlinePolicy,
    Outcome,
    TerminalConfig,
    TransactionParams,
    TransactionResult,
)
from kiosk.payment.reader import Interface, Reader

__all__ = ["result_json", "run_pay", "terminal_config"]

#: How long ``--reader`` waits for a card.
CARD_WAIT_S = 30.0
APPROVED = frozenset({Outcome.APPROVED_OFFLINE, Outcome.APPROVED_ONLINE})


def terminal_config(settings: Settings, online: str | None) -> TerminalConfig:
    """The kernel's terminal configuration from the settings file (and ``--online``)."""
    pay = settings.payment
    return TerminalConfig(
        terminal_id=settings.terminal.id,
        merchant_id=settings.terminal.merchant_id,
        merchant_name_location=settings.terminal.merchant_name,
        online=OnlinePolicy(online or pay.online.value),
        attended=not settings.terminal.unattended,
        ec_terminal_limit_fen=pay.ec_terminal_limit_fen,
        floor_limit_fen=pay.floor_limit_fen,
        max_offline_total_fen=pay.max_offline_total_fen,
    )


def _issuer_simulator() -> AuthorizationHost | None:
    """The in-process issuer simulator, when that module is installed."""
    try:
        module = importlib.import_module("kiosk.payment.host.issuer_sim")
    except ModuleNotFoundError:
        return None
    factory = getattr(module, "IssuerSimulator", None)
    return None if factory is None else factory()


def _reader(args: argparse.Namespace, settings: Settings) -> Reader:
    interface = (
        Interface.CONTACTLESS if args.contactless else Interface.CONTACT if args.contact else None
    )
    if args.reader is not None:
        from kiosk.payment.reader_pcsc import PcscReader  # pyscard only when asked for

        return PcscReader(args.reader, interface=interface)
    from kiosk.payment.cardsim.profiles import load_card
    from kiosk.payment.reader_sim import SimReader

    name = args.sim or settings.payment.reader.removeprefix("sim:")
    card = load_card(name, state_dir=args.state_dir or settings.data_dir / "cards")
    if interface is None:
        profile = getattr(card, "profile", None)
        contact = profile is None or profile.contact
        interface = Interface.CONTACT if contact else Interface.CONTACTLESS
    return SimReader(card, interface=interface)


def result_json(result: TransactionResult) -> dict[str, Any]:
    """The ``--json`` object: every result field, enums as their values."""
    out = dataclasses.asdict(result)
    out["outcome"] = result.outcome.value
    out["interface"] = result.interface.value
    out["amount"] = out.pop("amount_fen")
    out["ec_balance_before"] = out.pop("ec_balance_before_fen")
    out["ec_balance_after"] = out.pop("ec_balance_after_fen")
    return out


def run_pay(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    config = terminal_config(settings, args.online)
    capk = CaKeyStore.load(allow_test_keys=settings.payment.allow_test_keys)
    host = _issuer_simulator() if config.online is OnlinePolicy.ALWAYS else None
    reader = _reader(args, settings)
    presence = reader.wait_for_card(CARD_WAIT_S)
    try:
        result = run_transaction(
            reader,
            presence,
            TransactionParams(
                amount_fen=args.amount,
                when=dt.datetime.now(),
                unpredictable_number=args.unpredictable_number,
            ),
            config,
            capk=capk,
            host=host,
        )
    finally:
        reader.disconnect()
    if args.json:
        print(json.dumps(result_json(result), ensure_ascii=False, sort_keys=True))
    else:
        words = [result.outcome.value, result.reason, result.aid, result.pan_masked]
        words += [f"amount={result.amount_fen}", f"tvr={result.tvr}", f"tsi={result.tsi}"]
        print(" ".join(w for w in [*words, f"apdus={result.apdu_count}"] if w))
    return 0 if result.outcome in APPROVED else 1

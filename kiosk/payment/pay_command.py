"""``kiosk pay``: one headless transaction, for diagnostics and certification scripts.

(The argument parser is in :mod:`kiosk.payment.commands`; this module runs the command.)

    kiosk pay --amount FEN [--reader NAME | --sim PROFILE] [--contact | --contactless]
              [--online auto|never|always] [--unpredictable-number HEX]
              [--state-dir DIR] [--json]

``--sim`` runs the in-process card simulator (its balance, ATC and log persist in
``--state-dir``, default ``<data_dir>/cards``); ``--reader`` uses PC/SC. With
``--online always`` the in-process issuer simulator (``kiosk.payment.host.issuer_sim``)
answers; otherwise no host is configured and a card that wants to go online ends
``online_request``. Exit status 0 when the outcome is an
approval, 1 otherwise; a ``KioskError`` is one line on stderr and status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
from typing import Any

from kiosk.config import Settings, load_settings
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.host.issuer_sim import IssuerSimulator
from kiosk.payment.kernel.run import run_transaction
from kiosk.payment.kernel.types import (
    OnlinePolicy,
    Outcome,
    TransactionParams,
    TransactionResult,
)
from kiosk.payment.reader import Interface, Reader
from kiosk.payment.reader.open import open_reader
from kiosk.payment.settings import terminal_config

__all__ = ["result_json", "run_pay"]

#: How long ``--reader`` waits for a card.
CARD_WAIT_S = 30.0
APPROVED = frozenset({Outcome.APPROVED_OFFLINE, Outcome.APPROVED_ONLINE})


def _reader(args: argparse.Namespace, settings: Settings) -> Reader:
    interface = (
        Interface.CONTACTLESS if args.contactless else Interface.CONTACT if args.contact else None
    )
    spec = (
        f"pcsc:{args.reader}"
        if args.reader is not None
        else (f"sim:{args.sim}" if args.sim else settings.payment.reader)
    )
    return open_reader(
        spec, state_dir=args.state_dir or settings.data_dir / "cards", interface=interface
    )


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
    config = terminal_config(settings, online=args.online)
    capk = CaKeyStore.load(allow_test_keys=settings.payment.allow_test_keys)
    host = IssuerSimulator() if config.online is OnlinePolicy.ALWAYS else None
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

"""``kiosk pay``: one headless transaction, for diagnostics and certification scripts.

(The argument parser is in :mod:`kiosk.payment.commands`; this module runs the command.)

    kiosk pay --amount FEN [--reader NAME | --sim PROFILE] [--contact | --contactless]
              [--online auto|never|always] [--unpredictable-number HEX]
              [--state-dir DIR] [--json]

It takes money from no real card, since nothing here writes a journal record (a real sale
is ``kiosk sell``, which journals it): ``--sim`` runs the in-process card simulator (its
balance, ATC and log persist in ``--state-dir``, default ``<data_dir>/pay-cards``; the
kiosk's own simulated cards in ``<data_dir>/cards`` are refused), and ``--reader`` accepts
only vsmartcard's virtual readers (``Virtual PCD …``), where ``kiosk card-sim`` serves the
same simulated cards through pcscd. Limiting the command was chosen over journalling it:
a journalled payment needs an order, a terminal and recovery, which is what a sale is. With
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
from kiosk.errors import ConfigError
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
from kiosk.payment.settings import ca_keys, terminal_config

__all__ = ["result_json", "run_pay"]

#: How long ``--reader`` waits for a card.
CARD_WAIT_S = 30.0
APPROVED = frozenset({Outcome.APPROVED_OFFLINE, Outcome.APPROVED_ONLINE})


#: vsmartcard's vpcd readers: the only PC/SC readers whose cards are software (card-sim).
VIRTUAL_READER = "Virtual PCD"


def _reader(args: argparse.Namespace, settings: Settings) -> Reader:
    interface = (
        Interface.CONTACTLESS if args.contactless else Interface.CONTACT if args.contact else None
    )
    spec = (
        f"pcsc:{args.reader}"
        if args.reader is not None
        else (f"sim:{args.sim}" if args.sim else settings.payment.reader)
    )
    kind, _, name = spec.partition(":")
    if kind != "sim" and not name.startswith(VIRTUAL_READER):
        raise ConfigError(
            f"kiosk pay takes no real card ({spec!r}): it keeps no record; "
            f"use --sim PROFILE, a '{VIRTUAL_READER}' reader, or kiosk sell",
            code="pay.real_card",
        )
    state_dir = args.state_dir or settings.data_dir / "pay-cards"
    if state_dir.resolve() == (settings.data_dir / "cards").resolve():
        raise ConfigError(
            f"{state_dir} holds the kiosk's own simulated cards; kiosk pay keeps its own",
            code="pay.state_dir",
        )
    return open_reader(spec, state_dir=state_dir, interface=interface)


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
    capk = ca_keys(settings)
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

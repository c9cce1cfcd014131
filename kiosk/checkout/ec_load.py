"""Electronic-cash load at an attended terminal (the market counter's named e-cash cards).

The customer has paid the cashier (cash, or another card); the amount then goes onto the
card's electronic cash by an online transaction (9C = 63, EC cash load; ISO 8583
processing code 630000, 60.1 46) whose answer carries the issuer script ``PUT DATA 9F79``
with the new balance. The card runs the script after its second GENERATE AC; the balance
is read back (GET DATA 9F79) before and after, so the result says what the card holds,
not what the host meant. An approval whose script did not raise the balance by exactly
the amount is reversed: the cashier has taken money the card does not show. The command
journals the outcome (``ec.loaded`` / ``ec.load_failed``, masked PAN and balances).

    kiosk ec-load --amount FEN (--sim PROFILE | --reader NAME) [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from kiosk.checkout.card_provider import CardPaymentProvider, provider_from_settings
from kiosk.errors import ConfigError
from kiosk.payment.cardlog import read_card_log
from kiosk.payment.host.base import EC_CASH_LOAD
from kiosk.payment.kernel import run_transaction
from kiosk.payment.kernel.types import OnlinePolicy, Outcome, TransactionParams

__all__ = ["EcLoadResult", "ec_load", "register"]


@dataclass(frozen=True)
class EcLoadResult:
    """What the card holds after the attempt, and what became of the authorisation."""

    amount_fen: int
    loaded: bool
    balance_before_fen: int
    balance_after_fen: int
    response_code: str
    reason: str
    #: The host approved but the card's balance did not rise: a reversal was sent (or owed).
    reversed: bool
    pan_masked: str


def _balance(provider: CardPaymentProvider) -> int:
    ec = read_card_log(provider.reader).ec
    if ec is None:
        raise ConfigError("this card has no electronic cash", code="ec_load.no_ec")
    return ec.balance_fen


def ec_load(
    provider: CardPaymentProvider, amount_fen: int, *, now: datetime, timeout_s: float = 30.0
) -> EcLoadResult:
    """Load ``amount_fen`` onto the presented card (see the module docstring)."""
    if provider.host is None:
        raise ConfigError("an EC load needs payment.host (the acquirer)", code="ec_load.no_host")
    if amount_fen <= 0:
        raise ConfigError("an EC load is a positive amount", code="ec_load.amount")
    card = provider.reader.wait_for_card(timeout_s)
    try:
        before = _balance(provider)
        result = run_transaction(
            provider.reader,
            card,
            TransactionParams(amount_fen, now.astimezone(), transaction_type=EC_CASH_LOAD),
            replace(provider.config, online=OnlinePolicy.ALWAYS),
            capk=provider.capk,
            host=provider.host,
        )
        after = _balance(provider)
    finally:
        provider.reader.disconnect()
    loaded = result.outcome is Outcome.APPROVED_ONLINE and after == before + amount_fen
    reversed_ = False
    if not loaded and provider.host.last is not None and provider.host.last[1].approved:
        provider.host.reverse_approval("ec_load.script_failed")
        reversed_ = True
    reason = "" if loaded else (result.reason or "ec_load.script_failed")
    return EcLoadResult(
        amount_fen,
        loaded,
        before,
        after,
        result.response_code,
        reason,
        reversed_,
        result.pan_masked,
    )


# --- the command ---------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from kiosk.cli_support import profile_name, whole_number

    parser = subparsers.add_parser(
        "ec-load",
        help="load electronic cash onto a card (attended; paid at the counter)",
        description="Online EC cash load: the issuer script raises the card's EC balance.",
    )
    parser.add_argument(
        "--amount", metavar="FEN", type=whole_number(1, 100_000_00, "fen"), required=True
    )
    card = parser.add_mutually_exclusive_group()
    card.add_argument("--sim", metavar="PROFILE", type=profile_name, help="simulated card")
    card.add_argument("--reader", metavar="NAME", help="PC/SC reader name")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kiosk.cli_support import load_from_args
    from kiosk.journal.store import JournalStore, utcnow
    from kiosk.money import format_fen

    settings = load_from_args(args)
    if args.sim or args.reader:
        spec = f"sim:{args.sim}" if args.sim else f"pcsc:{args.reader}"
        payment = replace(settings.payment, reader=spec)
        settings = replace(settings, payment=payment)
    store = JournalStore(settings.journal_url, settings.terminal.id, key_dir=settings.data_dir)
    try:
        provider = provider_from_settings(settings, store=store)
        now = utcnow()
        result = ec_load(provider, args.amount, now=now, timeout_s=settings.payment.card_timeout_s)
        with store.transaction(now=now) as tx:
            tx.append(
                "ec.loaded" if result.loaded else "ec.load_failed", asdict(result), actor="cashier"
            )
    finally:
        store.dispose()
    if args.json:
        sys.stdout.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")
    else:
        state = "loaded 已圈存" if result.loaded else f"not loaded 未圈存 ({result.reason})"
        sys.stdout.write(
            f"{result.pan_masked} {state}: {format_fen(result.amount_fen)}\n"
            f"EC balance 电子现金余额 {format_fen(result.balance_before_fen)}"
            f" -> {format_fen(result.balance_after_fen)}\n"
        )
    return 0 if result.loaded else 1

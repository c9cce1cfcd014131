"""The terminal kernel: one module per EMV/PBOC phase, and ``run_transaction`` ordering them."""

from kiosk.payment.kernel.run import run_transaction
from kiosk.payment.kernel.types import (
    AidEntry,
    CardCommit,
    KernelHooks,
    OdaResult,
    OnlinePolicy,
    Outcome,
    TerminalConfig,
    TransactionParams,
    TransactionResult,
)

__all__ = [
    "AidEntry",
    "CardCommit",
    "KernelHooks",
    "OdaResult",
    "OnlinePolicy",
    "Outcome",
    "TerminalConfig",
    "TransactionParams",
    "TransactionResult",
    "run_transaction",
]

"""The use-case layer: the UI calls this and nothing lower.

order -> pending payment (journal) -> payment provider -> outcome (journal) -> print -> sync.
"""

from kiosk.checkout.pipeline import Checkout, CheckoutResult
from kiosk.checkout.provider import (
    CardIdentity,
    PaymentHooks,
    PaymentOutcome,
    PaymentProvider,
    PaymentRequest,
    PaymentVerdict,
)
from kiosk.checkout.recovery import recover_pending
from kiosk.journal.models import PaymentState

__all__ = [
    "CardIdentity",
    "Checkout",
    "CheckoutResult",
    "PaymentHooks",
    "PaymentOutcome",
    "PaymentProvider",
    "PaymentRequest",
    "PaymentState",
    "PaymentVerdict",
    "recover_pending",
]

"""The terminal kernel: one module per EMV/PBOC phase, and ``run_transaction`` ordering them.

=================  ==========================================================================
module             phase (EMV 4.3 Book 3 §10 / Book 1 §12, PBOC JR/T 0025)
=================  ==========================================================================
``selection``      ``build_candidate_list``, ``select_application`` (PSE, PPSE, list of AIDs)
``initiate``       ``initiate_application_processing`` (PDOL, GPO, 9F7A EC offer)
``read_data``      ``read_application_data`` (AFL records, ODA data, duplicates, mandatory)
``oda``            ``offline_data_authentication`` (SDA, DDA, SM2), ``verify_fdda`` (qPBOC)
``restrictions``   ``processing_restrictions`` (version, usage control, dates)
``cvm``            ``cardholder_verification`` (CVM list; no CVM, signature)
``risk``           ``terminal_risk_management`` (floor, random, velocity, exception file)
``action``         ``terminal_action_analysis``, ``card_action_analysis`` (1st GENERATE AC)
``online``         ``online_processing``, ``issuer_script_processing``, ``completion``
``qpboc``          the contactless path: TTQ, GPO decision, fDDA, outcome
``run``            ``run_transaction``: the order, the commit point, errors as results
``reprice``        ``amount_for``: a lower amount once the card is known (contact restart)
``context``        ``TransactionContext`` and the ``Tvr`` / ``Tsi`` flags
``outcome``        field 55 and the ``TransactionResult``
=================  ==========================================================================
"""

from kiosk.payment.kernel.run import run_transaction
from kiosk.payment.kernel.types import (
    AidEntry,
    CardCommit,
    KernelHooks,
    OdaResult,
    OnlinePolicy,
    Outcome,
    PricingFacts,
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
    "PricingFacts",
    "TerminalConfig",
    "TransactionParams",
    "TransactionResult",
    "run_transaction",
]

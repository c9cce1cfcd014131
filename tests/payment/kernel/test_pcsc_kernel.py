"""Through the real PC/SC stack (pcscd + vpcd, the card served by ``kiosk card-sim``):
``kiosk pay --reader`` debits the simulated EC balance by exactly the amount, a repriced
purchase restarts on the card, and a card pulled after N APDUs ends cleanly for every N."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.payment.capk import CaKeyStore
from kiosk.payment.kernel import Outcome, TerminalConfig, TransactionParams, run_transaction
from kiosk.payment.reader import Interface
from kiosk.payment.reader.pcsc import PcscReader
from tests.payment.conftest import PULL_GRACE_S, REPO, SLOT, CardSim
from tests.payment.kernel.conftest import WHEN, Hooks, never_random

pytestmark = pytest.mark.pcsc
KIOSK = (sys.executable, "-m", "kiosk.cli")


def kiosk_pay(*args: str) -> dict[str, object]:
    """Run ``kiosk pay … --json`` and return its object."""
    done = subprocess.run(
        [*KIOSK, "pay", "--json", *args],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout, done.stderr
    out: dict[str, object] = json.loads(done.stdout)
    return out


def test_ec_purchase_debits_the_simulated_card(card_sim: CardSim, tmp_path: Path) -> None:
    """Two offline EC purchases through pcscd: each debits exactly its amount, and the
    card's own state file shows the new balance."""
    card_sim("--profile", "debit-ec", "--state-dir", str(tmp_path))
    first = kiosk_pay("--reader", SLOT, "--contact", "--amount", "1234")
    second = kiosk_pay("--reader", SLOT, "--contact", "--amount", "766")
    assert (first["outcome"], first["response_code"]) == ("approved_offline", "Y1")
    assert (first["ec_balance_before"], first["ec_balance_after"]) == (50000, 48766)
    assert (second["ec_balance_before"], second["ec_balance_after"]) == (48766, 48000)
    state = json.loads((tmp_path / "debit-ec.json").read_text())
    assert state["ec_balance"] == 48000
    assert "6212340000000019" not in json.dumps(first)


def test_qpboc_purchase_through_pcscd(card_sim: CardSim, tmp_path: Path) -> None:
    """A qPBOC offline purchase through pcscd: 8 APDUs, fDDA passed, 9F5D down by the amount."""
    card_sim("--profile", "qpboc-debit-ec", "--state-dir", str(tmp_path))
    out = kiosk_pay("--reader", SLOT, "--contactless", "--amount", "300")
    assert (out["outcome"], out["interface"], out["apdu_count"]) == (
        "approved_offline",
        "contactless",
        8,
    )
    assert out["oda"] == {"method": "fdda", "result": "passed", "failure": ""}
    assert (out["ec_balance_before"], out["ec_balance_after"]) == (30000, 29700)


@pytest.mark.slow
def test_card_removed_after_n_apdus_through_pcscd(
    card_sim: CardSim, wait_slot: Callable[..., None], capk: CaKeyStore, tmp_path: Path
) -> None:
    """``kiosk card-sim --remove-after N`` for every N of a contact EC transaction: each
    run ends with a clean outcome, committed exactly from the GENERATE AC on.

    A pull maps to TRY_AGAIN at every depth (the reader's transmit, the kernel); an
    END_APPLICATION here can only come from a card that *answered* with an error status,
    i.e. commands that were not this transaction's reached it: another test session on the
    one virtual reader (tests that use it are marked ``pcsc`` and run under the lock), or
    the previous card still showing in the slot. So each run starts on an empty slot and
    checks the card saw exactly the N commands of this transaction."""
    for n in range(1, 17):
        wait_slot(present=False, timeout=10)
        card = card_sim(
            "--profile", "debit-ec", "--state-dir", str(tmp_path), "--remove-after", str(n)
        )
        reader = PcscReader(SLOT, interface=Interface.CONTACT, removal_grace=PULL_GRACE_S)
        hooks = Hooks()
        presence = reader.wait_for_card(5)
        result = run_transaction(
            reader,
            presence,
            TransactionParams(amount_fen=100, when=WHEN),
            TerminalConfig(),
            capk=capk,
            hooks=hooks,
            rng=never_random,
        )
        reader.disconnect()
        _, log = card.communicate(timeout=10)
        assert f"card removed after {n} APDU(s)" in log, (n, log)
        approved = n >= 15
        assert result.outcome is (Outcome.APPROVED_OFFLINE if approved else Outcome.TRY_AGAIN), n
        assert result.committed is (n >= 14), n
        assert len(hooks.commits) == int(result.committed)


def test_repriced_contact_purchase_through_pcscd(
    card_sim: CardSim, capk: CaKeyStore, tmp_path: Path
) -> None:
    """A lower amount after READ RECORD restarts on the card through pcscd: 9 more APDUs,
    and the card's own state shows exactly the new amount debited."""
    card_sim("--profile", "debit-ec", "--state-dir", str(tmp_path))
    reader = PcscReader(SLOT, interface=Interface.CONTACT)
    hooks = Hooks(amount=880)
    result = run_transaction(
        reader,
        reader.wait_for_card(5),
        TransactionParams(amount_fen=1000, when=WHEN),
        TerminalConfig(),
        capk=capk,
        hooks=hooks,
        rng=never_random,
    )
    reader.disconnect()
    assert (result.outcome, result.amount_fen, result.apdu_count) == (
        Outcome.APPROVED_OFFLINE,
        880,
        25,
    )
    assert json.loads((tmp_path / "debit-ec.json").read_text())["ec_balance"] == 50000 - 880

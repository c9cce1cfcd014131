"""Median cost of one kernel transaction, printed with its baselines.

In-process, for a contact EC purchase (debit-ec) and a qPBOC offline purchase
(qpboc-debit-ec):

- APDUs exchanged;
- terminal-side time: the whole ``run_transaction`` minus the time the simulated card
  spends in its own ``process`` (timed separately around each call);
- baseline: the same APDUs replayed through the same reader to the same kind of card with
  no kernel (transport + card), so the kernel's share stands out.

End to end through pcscd + vpcd (``kiosk card-sim`` in a subprocess): tap-to-result, from
``wait_for_card`` to the result. Skipped with a message when pcscd with vpcd is absent.
Goals: qPBOC in the minimum APDUs the card's data allows; terminal side under 5 ms; end to
end under 200 ms.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.base import VirtualCard
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.errors import ReaderError
from kiosk.payment.kernel import TerminalConfig, TransactionParams, run_transaction
from kiosk.payment.reader import Interface, Reader
from kiosk.payment.reader.sim import SimReader

ROUNDS = 200
E2E_ROUNDS = 20
SLOT = "Virtual PCD 00 00"
REPO = Path(__file__).resolve().parents[1]
CASES = {
    "contact EC": ("debit-ec", Interface.CONTACT),
    "qPBOC": ("qpboc-debit-ec", Interface.CONTACTLESS),
}
WHEN = dt.datetime(2026, 11, 27, 10, 0)
CARD_SIM = (sys.executable, "-m", "kiosk.cli", "card-sim")


@dataclass
class TimedCard:
    """Wraps a card, adding up the time spent in its ``process`` and logging commands."""

    card: VirtualCard
    spent: float = 0.0
    commands: list[bytes] | None = None

    def power_on(self) -> bytes:
        return self.card.power_on()

    def power_off(self) -> None:
        self.card.power_off()

    def process(self, apdu: bytes) -> bytes:
        if self.commands is not None:
            self.commands.append(bytes(apdu))
        start = time.perf_counter()
        try:
            return self.card.process(apdu)
        finally:
            self.spent += time.perf_counter() - start


def _pay(reader: Reader, capk: CaKeyStore, amount: int = 1) -> tuple[float, int]:
    start = time.perf_counter()
    presence = reader.wait_for_card(5)
    result = run_transaction(
        reader,
        presence,
        TransactionParams(amount_fen=amount, when=WHEN),
        TerminalConfig(),
        capk=capk,
    )
    elapsed = time.perf_counter() - start
    reader.disconnect()
    if result.outcome.value != "approved_offline":
        raise SystemExit(f"benchmark transaction ended {result.outcome.value} {result.reason}")
    return elapsed, result.apdu_count


def in_process(profile: str, interface: Interface, capk: CaKeyStore) -> None:
    terminal, card_time, baseline, apdus = [], [], [], 0
    for _ in range(ROUNDS):
        timed = TimedCard(load_card(profile), commands=[])
        total, apdus = _pay(SimReader(timed, interface=interface), capk)
        terminal.append(total - timed.spent)
        card_time.append(timed.spent)
        replay = SimReader(load_card(profile), interface=interface)
        replay.wait_for_card(1)
        start = time.perf_counter()
        for command in timed.commands or []:
            replay.transmit(command)
        baseline.append(time.perf_counter() - start)
    kernel = [t + c - b for t, c, b in zip(terminal, card_time, baseline, strict=True)]
    print(
        f"  {profile:<16} {apdus:>3} APDUs | terminal side {_ms(terminal)}"
        f" | card {_ms(card_time)} | baseline, same APDUs without kernel {_ms(baseline)}"
        f" | kernel logic alone {_ms(kernel)}"
    )


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1e3:5.2f} ms"


def end_to_end(profile: str, interface: Interface, capk: CaKeyStore) -> None:
    from kiosk.payment.reader.pcsc import PcscReader

    with tempfile.TemporaryDirectory() as state:
        sim = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kiosk.cli",
                "card-sim",
                "--profile",
                profile,
                "--state-dir",
                state,
            ],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            reader = PcscReader(SLOT, interface=interface)
            _pay(reader, capk)  # warm-up: the card appears, pcscd connects
            times = [_pay(reader, capk)[0] for _ in range(E2E_ROUNDS)]
        finally:
            sim.terminate()
            sim.wait(10)
    print(f"  {profile:<16} tap-to-result median {statistics.median(times) * 1e3:7.1f} ms")


def main() -> int:
    capk = CaKeyStore.load(allow_test_keys=True)
    print(f"kernel, in-process simulator, median of {ROUNDS} transactions:")
    for profile, interface in CASES.values():
        in_process(profile, interface, capk)
    print(f"kernel, end to end through pcscd + vpcd, median of {E2E_ROUNDS}:")
    for profile, interface in CASES.values():
        try:
            end_to_end(profile, interface, capk)
        except ReaderError as exc:
            print(f"  skipped: pcscd with vpcd is not available ({exc.code}: {exc})")
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())

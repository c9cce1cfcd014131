"""Median round trip of one GET DATA through each reader, printed with its baselines.

- in-process: SimReader straight to a ScriptedCard (the transport code alone);
- pcsc+vpcd: PcscReader -> pcscd -> vpcd -> VpcdBridge (quick ACKs on, as shipped);
- pcsc+vpcd, delayed ACKs: the same with the bridge's quick-ACK call disabled, to show
  what it buys.

Needs pcscd with the vpcd driver for the last two (./dev bench starts it); slot 00 00 must
be free.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import threading
import time
from unittest import mock

from kiosk.payment.cardsim import vpcd
from kiosk.payment.cardsim.scripted import ScriptedCard
from kiosk.payment.errors import ReaderError
from kiosk.payment.reader import Reader
from kiosk.payment.reader.pcsc import PcscReader
from kiosk.payment.reader.sim import SimReader

ROUNDS = 200
GET_ATC = ("80CA9F3600", "9F360200069000")


def _median_ms(reader: Reader, rounds: int) -> float:
    command = bytes.fromhex(GET_ATC[0])
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        reader.transmit(command)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _over_vpcd(rounds: int, *, quick_ack: bool = True) -> float:
    card = ScriptedCard([GET_ATC] * rounds)
    bridge = vpcd.VpcdBridge(card)
    no_quick_ack = mock.patch.object(vpcd, "_ack_at_once", lambda sock: None)
    with contextlib.nullcontext() if quick_ack else no_quick_ack:
        thread = threading.Thread(target=bridge.serve, daemon=True)
        thread.start()
        reader = PcscReader("Virtual PCD 00 00")
        try:
            reader.wait_for_card(10)
            return _median_ms(reader, rounds)
        finally:
            reader.close()
            bridge.stop()
            thread.join(5)


def main() -> int:
    sim = SimReader(ScriptedCard([GET_ATC] * ROUNDS))
    sim.wait_for_card(0)
    print(
        f"in-process reader:            {_median_ms(sim, ROUNDS):8.3f} ms median ({ROUNDS} APDUs)"
    )
    try:
        quick = _over_vpcd(ROUNDS)
        slow = _over_vpcd(50, quick_ack=False)
    except ReaderError as exc:
        print(f"pcsc+vpcd: skipped ({exc.code}: {exc})")
        return 0
    print(f"pcsc+vpcd (quick ACK):        {quick:8.3f} ms median ({ROUNDS} APDUs)")
    print(f"pcsc+vpcd (delayed ACK, old): {slow:8.3f} ms median (50 APDUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

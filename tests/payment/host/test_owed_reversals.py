"""Owed reversals sent in the background at start-up, with backoff while the host is away."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kiosk.payment.errors import HostError
from kiosk.payment.host.host_sim import Fault, HostSimulator
from kiosk.payment.host.issuer_sim import LedgerState
from kiosk.payment.host.keys import load_tmk
from kiosk.payment.host.owed_reversals import OwedReversals
from tests.payment.host.conftest import make_client, plain_terminal
from tests.payment.host.plain_terminal import ARQC


def _wait_for(condition, timeout_s: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _lose_an_answer(host_sim: HostSimulator, tmk_file: Path, state_dir: Path) -> int:
    """A 0200 the host booked and never answered: the STAN whose reversal is owed."""
    client = make_client(host_sim, tmk_file, state_dir)
    host_sim.set_fault(Fault.DROP, times=1)
    term = plain_terminal()
    assert term.generate_ac(ARQC) == ARQC
    with pytest.raises(HostError):
        client.authorize(term.request())
    [owed] = client.state.reversals.stans()
    return owed


def test_nothing_owed_starts_nothing(
    host_sim: HostSimulator, tmk_file: Path, tmp_path: Path
) -> None:
    sender = OwedReversals(make_client(host_sim, tmk_file, tmp_path / "acq"))
    assert sender.start() is False and not sender.running
    assert host_sim.received == []


def test_owed_reversal_goes_at_once_and_only_once(
    host_sim: HostSimulator, tmk_file: Path, tmp_path: Path
) -> None:
    owed = _lose_an_answer(host_sim, tmk_file, tmp_path / "acq")
    restarted = make_client(host_sim, tmk_file, tmp_path / "acq")  # a new process
    sender = OwedReversals(restarted)
    assert sender.start()
    _wait_for(lambda: not sender.running)
    [reversal] = host_sim.of_type("0400")
    assert reversal["11"] == f"{owed:06d}" and reversal["39"] == "98"
    assert host_sim.issuer.ledger[0].state is LedgerState.REVERSED
    assert restarted.state.reversals.stans() == [] and sender.delays == []
    restarted.send_reversals()  # what the next sale does first: nothing left to send
    assert len(host_sim.of_type("0400")) == 1


def test_unreachable_host_retried_with_backoff_until_it_answers(
    host_sim: HostSimulator, tmk_file: Path, tmp_path: Path
) -> None:
    owed = _lose_an_answer(host_sim, tmk_file, tmp_path / "acq")
    address = host_sim.address
    host_sim.close()  # the acquirer is gone when the terminal restarts
    restarted = make_client(host_sim, tmk_file, tmp_path / "acq")
    sender = OwedReversals(restarted, first_delay_s=0.05, max_delay_s=0.2)
    assert sender.start()
    _wait_for(lambda: len(sender.delays) >= 5)
    assert sender.delays[:5] == [0.05, 0.1, 0.2, 0.2, 0.2]
    assert sender.last_error == "host.unreachable" and sender.running
    assert restarted.state.reversals.stans() == [owed]

    back = HostSimulator(tmk=load_tmk(tmk_file), listen=address).start()
    try:
        _wait_for(lambda: not sender.running)
        assert [m["t"] for m in back.received] == ["0800", "0400"]  # signs on, then reverses
        assert back.of_type("0400")[0]["11"] == f"{owed:06d}"
        assert restarted.state.reversals.stans() == [] and sender.last_error == ""
    finally:
        back.close()


def test_stop_ends_the_retries(host_sim: HostSimulator, tmk_file: Path, tmp_path: Path) -> None:
    _lose_an_answer(host_sim, tmk_file, tmp_path / "acq")
    host_sim.close()
    sender = OwedReversals(make_client(host_sim, tmk_file, tmp_path / "acq"), first_delay_s=30)
    assert sender.start()
    _wait_for(lambda: len(sender.delays) == 1)
    sender.stop(timeout_s=5)  # well before the 30 s wait is over
    assert not sender.running and len(sender.delays) == 1

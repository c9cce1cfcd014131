"""A host-sim on loopback and an acquirer client signed on to it, per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.host.acquirer import AcquirerClient
from kiosk.payment.host.host_sim import HostSimulator
from kiosk.payment.host.keys import load_tmk, write_tmk
from kiosk.payment.host.link_state import LinkState
from kiosk.payment.reader.sim import SimReader
from tests.payment.host.plain_terminal import PlainTerminal


@pytest.fixture
def tmk_file(tmp_path: Path) -> Path:
    path = tmp_path / "tmk.hex"
    write_tmk(path)
    return path


@pytest.fixture
def host_sim(tmk_file: Path) -> Iterator[HostSimulator]:
    sim = HostSimulator(tmk=load_tmk(tmk_file)).start()
    yield sim
    sim.close()


def make_client(sim: HostSimulator, tmk_file: Path, state_dir: Path) -> AcquirerClient:
    return AcquirerClient(
        sim.address,
        tmk=load_tmk(tmk_file),
        state=LinkState(state_dir),
        terminal_id="TEST0001",
        merchant_id="898000000000001",
        timeout_s=1.0,
    )


@pytest.fixture
def client(host_sim: HostSimulator, tmk_file: Path, tmp_path: Path) -> AcquirerClient:
    return make_client(host_sim, tmk_file, tmp_path / "acquirer")


def plain_terminal(
    profile: str = "debit-ec", amount: int = 12_345, *, ec: bool = False
) -> PlainTerminal:
    reader = SimReader(load_card(profile))
    reader.wait_for_card(0)
    term = PlainTerminal(reader, amount, ec=ec)
    term.start("A000000333010102" if profile == "credit" else "A000000333010101")
    return term

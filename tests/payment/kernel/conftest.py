"""Fixtures for the kernel: CA keys, a fixed clock and random source, simulated cards, and an
issuer host that checks ARQCs with the simulator's issuer master key."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.base import VirtualCard
from kiosk.payment.cardsim.keys import load_issuer
from kiosk.payment.crypto import (
    CipherSuite,
    cryptogram_data,
    derive_icc_master_key,
    derive_session_key,
    generate_ac,
    generate_arpc,
)
from kiosk.payment.errors import HostError
from kiosk.payment.host.base import AuthorizationRequest, AuthorizationResponse
from kiosk.payment.kernel import (
    CardCommit,
    PricingFacts,
    TerminalConfig,
    TransactionParams,
    TransactionResult,
    run_transaction,
)
from kiosk.payment.reader import Interface
from kiosk.payment.reader.sim import SimReader

WHEN = dt.datetime(2026, 11, 27, 10, 30, 0)
DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def capk() -> CaKeyStore:
    """The shipped CA keys with the project test CA allowed (the simulator's chain)."""
    return CaKeyStore.load(allow_test_keys=True)


def seeded_rng(seed: int = 7) -> Callable[[int], bytes]:
    """A reproducible random source (random selection, 9F37)."""
    source = random.Random(seed)
    return source.randbytes


def never_random(n: int) -> bytes:
    """A random source whose draws never fall under a random-selection target (99)."""
    return (98).to_bytes(n, "big")


@dataclass
class Hooks:
    """Records the kernel's callbacks; ``amount`` is what ``amount_for`` answers."""

    commits: list[CardCommit] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    amount: int | None = None
    facts: list[PricingFacts] = field(default_factory=list)

    def amount_for(self, card: PricingFacts) -> int | None:
        self.facts.append(card)
        return self.amount

    def before_card_commit(self, card: CardCommit) -> None:
        self.commits.append(card)

    def progress(self, stage: str) -> None:
        self.stages.append(stage)


def _check_arqc(request: AuthorizationRequest) -> tuple[bool, bytes, CipherSuite]:
    """Recompute the ARQC from field 55 with the issuer master key; (valid, key, suite)."""
    icc = request.icc_data
    iad = icc[0x9F10]
    suite = CipherSuite.SM4 if iad[7:8] == b"\x04" else CipherSuite.TDES
    master = derive_icc_master_key(load_issuer().imk_ac, request.pan, request.psn, suite=suite)
    key = derive_session_key(master, icc[0x9F36], suite=suite)
    data = cryptogram_data(icc, aip=icc[0x82], atc=icc[0x9F36], iad=iad)
    return generate_ac(key, data, suite=suite) == icc[0x9F26], key, suite


@dataclass
class IssuerHost:
    """An issuer that verifies the ARQC with the card simulator's issuer master key and
    answers with an ARPC (method 1), as the in-process issuer simulator will."""

    approve: bool = True
    reachable: bool = True
    #: Field 39 of an approval of a genuine ARQC ("05" otherwise).
    code: str = "00"
    scripts: tuple[bytes, ...] = ()
    requests: list[AuthorizationRequest] = field(default_factory=list)
    reversals: list[str] = field(default_factory=list)
    arqc_valid: list[bool] = field(default_factory=list)

    def authorize(self, request: AuthorizationRequest) -> AuthorizationResponse:
        self.requests.append(request)
        if not self.reachable:
            raise HostError("no answer", code="host.timeout")
        try:
            valid, key, suite = _check_arqc(request)
            code = self.code if self.approve and valid else "05"
            arpc = generate_arpc(key, request.icc_data[0x9F26], code.encode(), suite=suite)
        except (KeyError, ValueError) as exc:  # an issuer refuses what it cannot parse
            raise HostError("malformed request", code="host.malformed") from exc
        self.arqc_valid.append(valid)
        return AuthorizationResponse(
            response_code=code,
            issuer_authentication_data=arpc + code.encode(),
            issuer_scripts=self.scripts,
        )

    def reverse(self, request: AuthorizationRequest, *, reason: str) -> None:
        self.reversals.append(reason)


def transact(
    card: VirtualCard,
    capk: CaKeyStore,
    *,
    amount: int = 1000,
    interface: Interface = Interface.CONTACT,
    config: TerminalConfig | None = None,
    host: IssuerHost | None = None,
    hooks: Hooks | None = None,
    rng: Callable[[int], bytes] = never_random,
    remove_after: int | None = None,
    **params: object,
) -> tuple[TransactionResult, SimReader]:
    """One kernel transaction with ``card`` in an in-process reader."""
    reader = SimReader(card, interface=interface, remove_after=remove_after)
    presence = reader.wait_for_card(1)
    result = run_transaction(
        reader,
        presence,
        TransactionParams(amount_fen=amount, when=WHEN, **params),  # type: ignore[arg-type]
        config or TerminalConfig(),
        capk=capk,
        host=host,
        hooks=hooks,
        rng=rng,
    )
    return result, reader

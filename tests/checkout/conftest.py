"""Checkout test doubles at the boundaries: a scripted payment provider and a test printer.

The journal underneath is the real one (SQLite on disk).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk.checkout import CardIdentity, PaymentOutcome, PaymentRequest, PaymentVerdict
from kiosk.checkout.printing import PrintJobView
from kiosk.config import Mode, Settings, load_settings
from kiosk.errors import KioskError
from kiosk.journal.models import PaymentState


@dataclass
class ScriptedProvider:
    """Answers with a fixed outcome, optionally reaching the commit point or raising first."""

    outcome: PaymentOutcome = field(
        default_factory=lambda: PaymentOutcome(
            PaymentVerdict.APPROVED,
            path="ec_offline",
            pan_masked="623456******7890",
            aid="A000000333010101",
            atc=7,
            cid="40",
            cryptogram="0011223344556677",
            response_code="Y1",
        )
    )
    commit: bool = True
    raise_before_commit: KioskError | None = None
    raise_after_commit: BaseException | None = None
    during: Callable[[], None] | None = None
    requests: list[PaymentRequest] = field(default_factory=list)

    def pay(self, request: PaymentRequest, hooks) -> PaymentOutcome:
        self.requests.append(request)
        hooks.progress("card.reading")
        if self.raise_before_commit:
            raise self.raise_before_commit
        if self.commit:
            hooks.before_card_commit(
                CardIdentity(
                    pan_masked="623456******7890",
                    pan_token="tok",
                    aid="A000000333010101",
                    interface="contact",
                    atc=7,
                )
            )
        if self.during:
            self.during()
        if self.raise_after_commit:
            raise self.raise_after_commit
        return self.outcome


class PaperOutError(KioskError):
    code = "printer.paper_out"


@dataclass
class TestPrinter:
    """Records jobs; can be set not ready, or to fail the next N jobs."""

    __test__ = False
    ready_error: KioskError | None = None
    fail_next: int = 0
    printed: list[PrintJobView] = field(default_factory=list)

    def ready(self) -> None:
        if self.ready_error:
            raise self.ready_error

    def print_job(self, job: PrintJobView) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise PaperOutError("paper out")
        self.printed.append(job)


@pytest.fixture
def printer() -> TestPrinter:
    return TestPrinter()


def states_after_pull(n: int, gen_ac: int) -> set[PaymentState]:
    """The states a contact sale may end in when the card is pulled after its ``n``-th
    APDU, GENERATE AC being number ``gen_ac``: aborted before the commit point (the command
    before GENERATE AC), uncertain from there, and approved too once the TC came back."""
    if n < gen_ac - 1:
        return {PaymentState.ABORTED}
    if n >= gen_ac:
        return {PaymentState.UNCERTAIN, PaymentState.APPROVED}
    return {PaymentState.UNCERTAIN}


def kiosk_settings(tmp_path: Path, **ui: object) -> Settings:
    """Demo defaults with the journal under ``tmp_path``."""
    settings = load_settings(environ={})
    return dataclasses.replace(
        settings, data_dir=tmp_path, ui=dataclasses.replace(settings.ui, **ui)
    )


def gate_settings(folder: Path) -> Settings:
    """Demo defaults for a gate (terminal GATE0001) with the journal under ``folder``."""
    base = kiosk_settings(folder)
    return dataclasses.replace(
        base, terminal=dataclasses.replace(base.terminal, id="GATE0001", mode=Mode.GATE)
    )

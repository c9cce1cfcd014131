"""Crash and concurrency soak: a selling process killed again and again, while every command
starts beside it on the same data; in the end the money taken from the card equals the
journal's approved payments.

Short by default (the normal suite); ``./dev soak`` runs it longer through
``KIOSK_SOAK_KILLS`` (sellers SIGKILLed at random instants) and ``KIOSK_SOAK_STARTS``
(rounds of every command started at once beside a live seller). Processes are forked from
a preloaded fork server, so that a start costs milliseconds rather than an interpreter.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import time
import traceback
from pathlib import Path

from sqlalchemy import func, select

from kiosk.config import Mode, load_settings
from kiosk.journal.models import Payment, PaymentState
from kiosk.journal.store import JournalStore
from kiosk.journal.terminal_lock import TerminalBusyError
from kiosk.journal.verify import verify_journal

KILLS = int(os.environ.get("KIOSK_SOAK_KILLS", "50"))
STARTS = int(os.environ.get("KIOSK_SOAK_STARTS", "10"))
BUSY, CRASHED = 3, 70
#: The balance of the ``debit-ec`` simulator profile before its first sale (fen).
OPENING_BALANCE = 50000

#: Every command that may be started on a terminal's data while it sells.
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("run", "ticket"),
    ("run", "market"),
    ("run", "gate"),
    ("doctor",),
    ("journal", "verify"),
    ("journal", "export", "--json"),
    ("report", "day", "--out", "{dir}/day.pdf"),
)


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'data_dir = "{tmp_path / "data"}"\n[terminal]\nmode = "market"\nunattended = false\n',
        encoding="utf-8",
    )
    return path


def _start_services(config: str, mode: str) -> object:
    """What ``kiosk run --mode MODE`` does before its window: open and wire the terminal."""
    import dataclasses

    from kiosk.checkout.terminal import build_services

    settings = load_settings(config)
    terminal = dataclasses.replace(settings.terminal, mode=Mode(mode))
    return build_services(dataclasses.replace(settings, terminal=terminal))


def _quiet() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)


def sell(config: str, seed: int, sales: int) -> None:
    """A selling process: sales of 1-99 fen on the simulated card until killed (or done)."""
    from kiosk.sales.order import LineItem, OrderDraft

    try:
        services = _start_services(config, "market")
    except TerminalBusyError:
        os._exit(BUSY)
    rng = random.Random(seed)
    for _ in range(sales):
        draft = OrderDraft(Mode.MARKET, (LineItem("VEG", "青菜", 1, rng.randint(1, 99)),))
        services.pay(draft, progress=lambda _s: None, cancelled=lambda: False)  # type: ignore[attr-defined]
    services.dispose()  # type: ignore[attr-defined]


def start(config: str, command: tuple[str, ...], out_dir: str) -> None:
    """One command started beside the seller; exits BUSY when refused as a second seller,
    CRASHED on a traceback, else with the command's own status."""
    from kiosk.cli import main

    _quiet()
    try:
        if command[0] == "run":
            _start_services(config, command[1]).dispose()  # type: ignore[attr-defined]
            code = 0
        else:
            code = main(["--config", config, *(a.format(dir=out_dir) for a in command)])
    except TerminalBusyError:
        os._exit(BUSY)
    except BaseException:  # noqa: BLE001 - any traceback is the finding
        traceback.print_exc()
        os._exit(CRASHED)
    os._exit(code)


def _taken_from_card(data_dir: Path) -> int:
    state = data_dir / "cards" / "debit-ec.json"
    if not state.exists():
        return 0
    return OPENING_BALANCE - json.loads(state.read_text(encoding="utf-8"))["ec_balance"]


def test_kills_and_concurrent_starts_lose_and_double_nothing(tmp_path: Path) -> None:
    """KILLS sellers killed at random instants, STARTS rounds of every command beside a live
    one: no command crashes, a second seller is refused, the journal verifies, and the card
    was charged exactly the journal's approved payments."""
    config = str(_config(tmp_path))
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["kiosk.checkout.terminal", "kiosk.cli", __name__])
    rng = random.Random(11)
    every = max(1, KILLS // max(STARTS, 1))
    started: dict[tuple[str, ...], list[int]] = {c: [] for c in COMMANDS}
    for life in range(KILLS):
        seller = ctx.Process(target=sell, args=(config, life, 10**6))
        seller.start()
        starters = []
        if life % every == 0 and len(started[COMMANDS[0]]) < STARTS:
            time.sleep(0.3)  # let the seller get going: the starts meet a live sale
            starters = [
                (c, ctx.Process(target=start, args=(config, c, str(tmp_path)))) for c in COMMANDS
            ]
            for _, proc in starters:
                proc.start()
            for command, proc in starters:
                proc.join(120)
                started[command].append(proc.exitcode or 0)
        time.sleep(rng.uniform(0.02, 0.4))
        seller.kill()
        seller.join(30)
        assert seller.exitcode in (-signal.SIGKILL, BUSY), f"seller died with {seller.exitcode}"
    # The last seller lives: it recovers, and its sales settle what the card can speak for.
    final = ctx.Process(target=sell, args=(config, KILLS, 3))
    final.start()
    final.join(120)
    assert final.exitcode == 0

    for command, codes in started.items():
        assert CRASHED not in codes, f"{command} crashed: {codes}"
        assert len(codes) == min(STARTS, len(range(0, KILLS, every)))
    assert set(started[("journal", "verify")]) == {0}, "the journal did not verify while selling"
    assert set(started[("run", "gate")]) == {0}
    store = JournalStore(load_settings(config).journal_url, "DEMO0001")
    try:
        assert verify_journal(store).ok
        with store.read() as session:
            approved = session.scalar(
                select(func.coalesce(func.sum(Payment.amount_fen), 0)).where(
                    Payment.state.in_((PaymentState.APPROVED, PaymentState.SETTLED))
                )
            )
            counts = dict(
                session.execute(select(Payment.state, func.count()).group_by(Payment.state)).all()
            )
            left = session.scalar(
                select(func.count()).where(
                    Payment.state.in_((PaymentState.PENDING, PaymentState.UNCERTAIN))
                )
            )
    finally:
        store.dispose()
    assert left == 0
    assert approved > 0
    assert _taken_from_card(tmp_path / "data") == approved
    refused = sum(codes.count(BUSY) for codes in started.values())
    print(
        f"soak: {KILLS} kills, {STARTS} rounds x {len(COMMANDS)} commands started beside a"
        f" live seller ({refused} refused as a second seller); payments"
        f" { ({state.value: n for state, n in counts.items()}) }; card debited {approved} fen"
        " = journal approved"
    )

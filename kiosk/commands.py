"""``kiosk demo``, ``kiosk run`` and ``kiosk doctor``."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from kiosk.cli_support import load_from_args
from kiosk.config import Mode
from kiosk.doctor import run_checks


def register(sub: Any) -> None:
    demo = sub.add_parser("demo", help="run the kiosk in demo mode (card simulator, preview)")
    demo.add_argument("--quit-after", type=float, metavar="SECONDS", help=argparse.SUPPRESS)
    demo.set_defaults(func=_demo)
    run = sub.add_parser("run", help="run the kiosk as configured")
    run.add_argument("--mode", choices=[m.value for m in Mode], help="override terminal.mode")
    run.add_argument("--quit-after", type=float, metavar="SECONDS", help=argparse.SUPPRESS)
    run.set_defaults(func=_run)
    doctor = sub.add_parser("doctor", help="check configuration, journal, reader and printer")
    doctor.set_defaults(func=_doctor)


def _quit_ms(args: argparse.Namespace) -> int | None:
    return None if args.quit_after is None else int(args.quit_after * 1000)


def _demo(args: argparse.Namespace) -> int:
    from kiosk.ui.app import run_app

    settings = dataclasses.replace(load_from_args(args), demo=True)
    return run_app(settings, chooser=True, quit_after_ms=_quit_ms(args))


def _run(args: argparse.Namespace) -> int:
    from kiosk.ui.app import run_app

    settings = load_from_args(args)
    if args.mode:
        terminal = dataclasses.replace(settings.terminal, mode=Mode(args.mode))
        settings = dataclasses.replace(settings, terminal=terminal)
    return run_app(settings, chooser=False, quit_after_ms=_quit_ms(args))


def _doctor(args: argparse.Namespace) -> int:
    settings = load_from_args(args)
    worst = 0
    for check in run_checks(settings):
        sys.stdout.write(f"{check.status.value:<5} {check.name:<12} {check.detail}\n")
        worst = max(worst, check.status.severity)
    return 1 if worst >= 2 else 0

"""Shared by the benchmarks (not one itself: ``./dev bench`` skips ``_*.py``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from kiosk.config import Mode, Settings, load_settings


def attended_settings(data_dir: Path, mode: Mode) -> Settings:
    """Embedded defaults for an attended ``mode`` counter on ``data_dir``, paying with the
    in-process simulated debit card with electronic cash."""
    base = load_settings(environ={})
    return dataclasses.replace(
        base,
        data_dir=data_dir,
        terminal=dataclasses.replace(base.terminal, mode=mode, unattended=False),
        payment=dataclasses.replace(base.payment, reader="sim:debit-ec"),
    )

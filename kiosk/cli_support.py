"""Small pieces every sub-command shares."""

from __future__ import annotations

import argparse

from kiosk.config import Settings, load_settings


def load_from_args(args: argparse.Namespace) -> Settings:
    """Settings from ``--config`` (or the default places) with environment overrides."""
    return load_settings(getattr(args, "config", None))

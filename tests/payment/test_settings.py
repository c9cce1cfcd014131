"""The card path's settings: the PAN-token key file, shared across a site when configured."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

import pytest

from kiosk.config import load_settings
from kiosk.errors import ConfigError
from kiosk.payment.settings import pan_token_key, terminal_config


def _settings(data_dir: Path, key_file: str = ""):
    s = dataclasses.replace(load_settings(environ={}), data_dir=data_dir)
    return dataclasses.replace(
        s, payment=dataclasses.replace(s.payment, pan_token_key_file=key_file)
    )


def test_key_is_made_once_private_and_reused(tmp_path: Path) -> None:
    """First use creates 32 random bytes readable by the owner only; later uses read them."""
    key = pan_token_key(_settings(tmp_path))
    path = tmp_path / "pan-token.key"
    assert len(key) == 32 and path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert pan_token_key(_settings(tmp_path)) == key
    assert pan_token_key(_settings(tmp_path / "other")) != key  # a terminal of its own


def test_site_key_file_is_shared(tmp_path: Path) -> None:
    """Two terminals naming the same key file get the same tokens' key (kiosk and gate)."""
    shared = tmp_path / "site.key"
    kiosk = terminal_config(_settings(tmp_path / "kiosk", str(shared)))
    gate = terminal_config(_settings(tmp_path / "gate", str(shared)))
    assert kiosk.pan_token_key == gate.pan_token_key == shared.read_bytes()


def test_short_key_is_refused(tmp_path: Path) -> None:
    """A key file too short to be a secret is a configuration error, not a weak token."""
    short = tmp_path / "short.key"
    short.write_bytes(b"abc")
    with pytest.raises(ConfigError) as info:
        pan_token_key(_settings(tmp_path, str(short)))
    assert info.value.code == "config.pan_token_key"

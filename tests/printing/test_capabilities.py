"""python-escpos finds its capability database in kiosk's lasting cache, written from JSON."""

from __future__ import annotations

import os
import pickle
import platform
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
LOADS = "import logging; logging.basicConfig(level=logging.DEBUG); import kiosk.printing.escpos"


def _import_escpos(cache: Path, **env: str) -> str:
    """Import kiosk's escpos adapter in a fresh interpreter; python-escpos's debug log."""
    full_env = {"PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(cache), "HOME": str(cache), **env}
    out = subprocess.run(
        [sys.executable, "-c", LOADS], env=full_env, capture_output=True, text=True, check=True
    )
    return out.stderr


def test_the_database_is_parsed_once_then_read_from_the_pickle(tmp_path: Path) -> None:
    """The first process writes the pickle (the same data YAML reads); the next ones load it."""
    assert "Loading capabilities from pickle" in _import_escpos(tmp_path)
    assert "Loading capabilities from pickle" in _import_escpos(tmp_path)
    cached = tmp_path / "kiosk" / "escpos" / f"{platform.python_version()}.capabilities.pickle"
    import escpos

    source = Path(escpos.__file__).with_name("capabilities.json")
    assert pickle.loads(cached.read_bytes()) == yaml.safe_load(source.read_text("utf-8"))
    assert [p.name for p in cached.parent.iterdir()] == [cached.name]  # no temporary left


def test_an_outdated_pickle_is_written_again(tmp_path: Path) -> None:
    """A pickle older than the database (python-escpos was upgraded) is replaced."""
    _import_escpos(tmp_path)
    cached = next((tmp_path / "kiosk" / "escpos").iterdir())
    cached.write_bytes(pickle.dumps({"profiles": {}, "encodings": {}}))
    os.utime(cached, (0, 0))
    assert "Loading capabilities from pickle" in _import_escpos(tmp_path)
    assert "default" in pickle.loads(cached.read_bytes())["profiles"]


def test_the_operators_own_pickle_folder_wins(tmp_path: Path) -> None:
    """ESCPOS_CAPABILITIES_PICKLE_DIR set by the operator is left to python-escpos."""
    own = tmp_path / "own"
    own.mkdir()
    _import_escpos(tmp_path, ESCPOS_CAPABILITIES_PICKLE_DIR=str(own))
    assert not (tmp_path / "kiosk").exists() and len(list(own.iterdir())) == 1

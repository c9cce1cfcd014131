"""python-escpos's printer capability database, loaded in milliseconds instead of a second.

``escpos.capabilities`` reads its ``capabilities.json`` on import with PyYAML's pure-Python
parser (about 0.1-1 s), and would cache the result as a pickle, but in a fresh temporary
folder per process, so the cache is never found again. :func:`prepare` runs before any
``escpos`` import (from ``kiosk/printing/__init__.py``): it points
``ESCPOS_CAPABILITIES_PICKLE_DIR`` at a lasting cache folder and, when the pickle there is
missing or older than the database, writes it from the same file with the C JSON parser
(the file is JSON, which YAML reads the same way). The pickle is written to a temporary
name and renamed, so a process starting at the same moment never reads half a file.

Nothing happens when the operator set ``ESCPOS_CAPABILITIES_PICKLE_DIR`` or
``ESCPOS_CAPABILITIES_FILE``, or when no cache folder can be written: python-escpos then
loads the database as it always does.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
from pathlib import Path

PICKLE_DIR = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/kiosk/escpos`` (``~/.cache/kiosk/escpos`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kiosk" / "escpos"


def prepare() -> None:
    """Make ``escpos.capabilities`` find a fresh pickle of its database (see the module)."""
    if PICKLE_DIR in os.environ or "ESCPOS_CAPABILITIES_FILE" in os.environ:
        return
    spec = importlib.util.find_spec("escpos")
    if spec is None or not spec.submodule_search_locations:
        return
    source = Path(spec.submodule_search_locations[0]) / "capabilities.json"
    folder = cache_dir()
    # The name python-escpos looks for in the pickle folder.
    target = folder / f"{platform.python_version()}.capabilities.pickle"
    try:
        if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
            _write_pickle(json.loads(source.read_text(encoding="utf-8")), target)
    except (OSError, ValueError):
        return  # no cache folder here (read-only home) or an unreadable file: escpos's way
    os.environ[PICKLE_DIR] = str(folder)


def _write_pickle(data: object, target: Path) -> None:
    """Write ``data`` to ``target`` under a temporary name first (a whole file or none)."""
    import pickle
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
        pickle.dump(data, tmp, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp.name, target)

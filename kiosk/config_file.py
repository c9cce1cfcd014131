"""Writing the TOML settings file (``kiosk setup`` and the first-run wizard).

The tables are checked with the schema :func:`kiosk.config.load_settings` reads with
before anything is written, serialised by tomli-w (the reading side is the standard
library's tomllib, which cannot write), and put in place whole or not at all. The file is
read back afterwards: what was written must load to the settings that were asked for.

Mode: 0640 with the ``kiosk`` group when root writes it and that group exists (the service
runs as the ``kiosk`` user and must read it, as the Debian package installs it), else 0600
for the user who writes it; it may hold the operator PIN's hash.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from kiosk.config import Settings, load_settings, parse_settings
from kiosk.errors import ConfigError
from kiosk.files import replace_file

__all__ = ["SERVICE_GROUP", "write_config"]

#: The group the kiosk service runs as (installers/debian/postinst creates it).
SERVICE_GROUP = "kiosk"


def _service_gid() -> int | None:
    if os.name != "posix" or os.geteuid() != 0:  # Windows: the installer sets the ACL
        return None
    import grp  # POSIX only

    try:
        return grp.getgrnam(SERVICE_GROUP).gr_gid
    except KeyError:
        return None


def write_config(path: Path, tables: Mapping[str, Any]) -> Settings:
    """Write ``tables`` (plain TOML values, sections as dicts) to ``path``; the settings it
    loads to. Raises ConfigError naming the key when a value is refused (nothing written),
    ``config.unwritable`` when the file cannot be written there."""
    wanted = parse_settings(tables)
    text = (
        "# kiosk settings, written by kiosk setup; every key: docs/configuration.md\n"
        + tomli_w.dumps(tables)
    )
    gid = _service_gid()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(
            path, text.encode("utf-8"), mode=0o640 if gid is not None else 0o600, group=gid
        )
    except OSError as exc:
        raise ConfigError(
            f"cannot write the config {path}: {exc.strerror or exc}",
            code="config.unwritable",
            path=str(path),
        ) from exc
    loaded = load_settings(path, environ={})
    if dataclasses.replace(loaded, source=wanted.source) != wanted:  # pragma: no cover
        raise ConfigError(f"{path} does not read back as written", code="config.readback")
    return loaded

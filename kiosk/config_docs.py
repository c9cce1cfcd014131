"""``docs/configuration.md``, written from the settings classes so that it cannot drift.

Each section is a dataclass in :mod:`kiosk.config`: a key's type, default and allowed values
come from its field; its description is the comment above it in the annotated example
``assets/config/kiosk.toml``, which must describe every key.
``python -m kiosk.config_docs > docs/configuration.md`` rewrites the page;
``tests/test_config_docs.py`` fails when the page and the classes disagree.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re
import typing
from pathlib import Path
from typing import Any

from kiosk import config

SAMPLE = Path(__file__).resolve().parents[1] / "assets" / "config" / "kiosk.toml"
_TABLE = re.compile(r"^\[(\w+)\]\s*$")
_KEY = re.compile(r"^(\w+)\s*=")


def sample_comments(text: str) -> dict[str, str]:
    """The comment block right above each key of the example file, by ``section.key``
    (top-level keys bare)."""
    found: dict[str, str] = {}
    section, block = "", []
    for line in text.splitlines():
        if line.startswith("#"):
            block.append(line.lstrip("#").strip())
            continue
        if table := _TABLE.match(line):
            section = table.group(1) + "."
        elif key := _KEY.match(line):
            found[section + key.group(1)] = " ".join(block)
        block = []
    return found


def _default(f: dataclasses.Field[Any]) -> str:
    if f.default is dataclasses.MISSING:
        return ""
    value = f.default
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, str | Path):
        return f'`"{value}"`' if str(value) else '`""`'
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _section(cls: type, name: str, sample: dict[str, str]) -> list[str]:
    hints = typing.get_type_hints(cls)
    title = f"`[{name}]`" if name else "Top level"
    doc = inspect.getdoc(cls) or ""
    lines = [f"## {title}", "", doc.splitlines()[0] if doc else "", ""]
    lines += ["| key | type | default | allowed | environment | what it does |"]
    lines += ["|---|---|---|---|---|---|"]
    nested: list[tuple[type, str]] = []
    for f in dataclasses.fields(cls):
        if f.name == "source" or not f.init:
            continue
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint):
            nested.append((typing.cast(type, hint), f.name))
            continue
        env = config.ENV_PREFIX + (f"{name}__{f.name}" if name else f.name).upper()
        row = (
            f"`{f.name}`",
            _cell(config._type_name(hint)),
            _cell(_default(f)),
            _cell(str(f.metadata.get("why", ""))),
            f"`{env}`",
            _cell(sample.get(f"{name}.{f.name}" if name else f.name, "")),
        )
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    for sub, sub_name in nested:
        lines += _section(sub, sub_name, sample)
    return lines


def render() -> str:
    """The whole page."""
    head = [
        "# Configuration",
        "",
        "<!-- Written by `python -m kiosk.config_docs > docs/configuration.md`; do not edit. -->",
        "",
        "One TOML file: `--config FILE`, else `$KIOSK_CONFIG`, else `/etc/kiosk/kiosk.toml`",
        "when it exists, else the built-in defaults (the demo). Every key can be overridden by",
        "the environment variable in its row. A bad file or value stops the program with one",
        "line naming the key. `assets/config/kiosk.toml` is an annotated example.",
        "",
    ]
    sample = sample_comments(SAMPLE.read_text(encoding="utf-8"))
    return "\n".join(head + _section(config.Settings, "", sample)).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")

"""The udev rules (installers/udev/): each line as udev parses it, the groups the kiosk user
is put in, and the stable device names the docs promise. ``udevadm verify`` (systemd 254 and
later) checks them too where it exists."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RULES = sorted((REPO / "installers" / "udev").glob("*.rules"))
#: udev's rule syntax (udev(7)): KEY or KEY{attr}, an operator, a double-quoted value.
TOKEN = re.compile(
    r'(?P<key>[A-Z_]+)(?:\{(?P<attr>[^}]+)\})?(?P<op>==|!=|\+=|-=|:=|=)"(?P<value>[^"]*)"'
)
MATCH_ONLY = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "SUBSYSTEM", "SUBSYSTEMS", "DRIVER",
              "DRIVERS", "ATTRS", "TEST", "PROGRAM", "RESULT"}  # fmt: skip
ASSIGN_ONLY = {"OWNER", "GROUP", "MODE", "RUN", "LABEL", "GOTO", "OPTIONS", "IMPORT"}
BOTH = {"NAME", "SYMLINK", "ATTR", "ENV", "TAG"}
NAMES = {"kiosk-printer", "kiosk-scale", "kiosk-barrier"}


def rules() -> list[tuple[int, list[re.Match[str]]]]:
    """Every rule line of every file, split into its tokens (a line that does not split
    into tokens, separated by commas, fails here)."""
    parsed = []
    for path in RULES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            tokens, pos = [], 0
            while pos < len(line):
                match = TOKEN.match(line, pos)
                assert match, f"{path.name}:{number}: cannot parse at {line[pos:]!r}"
                tokens.append(match)
                pos = match.end()
                sep = re.match(r"\s*,\s*|\s*$", line[pos:])
                assert sep and (sep.group() or pos == len(line)), f"{path.name}:{number}"
                pos += sep.end()
            parsed.append((number, tokens))
    return parsed


def test_every_line_parses_with_the_right_operators() -> None:
    labels, gotos = set(), set()
    for number, tokens in rules():
        for t in tokens:
            key, op = t["key"], t["op"]
            assert key in MATCH_ONLY | ASSIGN_ONLY | BOTH, f"line {number}: unknown key {key}"
            if key in MATCH_ONLY:
                assert op in ("==", "!="), f"line {number}: {key}{op}"
            if key in ASSIGN_ONLY:
                assert op in ("=", "+=", "-=", ":="), f"line {number}: {key}{op}"
            if key in ("ATTR", "ATTRS", "ENV"):
                assert t["attr"], f"line {number}: {key} without {{name}}"
            {"LABEL": labels, "GOTO": gotos}.get(key, set()).add(t["value"])
        assert any(t["op"] in ("==", "!=") for t in tokens) or tokens[0]["key"] == "LABEL"
    assert gotos and gotos == labels


def test_devices_reach_the_kiosk_user_by_group_with_stable_names() -> None:
    assigned = [
        {t["key"]: t["value"] for t in tokens if t["op"] in ("=", "+=")} for _n, tokens in rules()
    ]
    groups = {a["GROUP"] for a in assigned if "GROUP" in a}
    postinst = (REPO / "installers" / "debian" / "postinst").read_text(encoding="utf-8")
    assert groups == {"lp", "dialout", "plugdev"}
    assert "for group in dialout lp plugdev" in postinst
    assert {a["MODE"] for a in assigned if "MODE" in a} == {"0660"}  # not world-writable
    assert {a["SYMLINK"] for a in assigned if "SYMLINK" in a} == NAMES
    text = "".join(p.read_text(encoding="utf-8") for p in RULES)
    for driver in ("ch341", "pl2303", "ftdi_sio", "cp210x"):
        assert re.search(rf'DRIVERS=="[^"]*\b{driver}\b', text), driver
    docs = (REPO / "docs" / "install.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert f"/dev/{name}" in docs, f"docs/install.md does not mention /dev/{name}"


@pytest.mark.parametrize("path", RULES, ids=[p.name for p in RULES])
def test_udevadm_verify(path: Path) -> None:
    if shutil.which("udevadm") is None:
        pytest.skip("no udevadm here")
    help_text = subprocess.run(
        ["udevadm", "--help"], capture_output=True, text=True, check=False
    ).stdout
    if "verify" not in help_text:
        pytest.skip("udevadm verify needs systemd 254 or later")
    done = subprocess.run(
        ["udevadm", "verify", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr

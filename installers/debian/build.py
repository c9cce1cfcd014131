"""Build ``kiosk_<version>_amd64.deb`` from the one-folder bundle (``./dev deb``).

The package is laid out here and packed with ``dpkg-deb --build``: the bundle is already a
finished program, so debhelper's build steps have nothing to do. What goes where:

    /opt/kiosk/                      the bundle (program ``kiosk`` and ``_internal/``)
    /usr/bin/kiosk                   symlink to it, for ``kiosk doctor`` at a prompt
    /etc/kiosk/kiosk.toml            conffile: the documented sample, made safe (demo off,
                                     no test keys, PC/SC reader, full screen, /var/lib/kiosk)
    /lib/systemd/system/             kiosk-session.service (cage), kiosk-hub.service
    /usr/lib/systemd/user/           kiosk.service (for a desktop session instead of cage)
    /lib/udev/rules.d/               60-kiosk-devices.rules (printer, scale, barrier)
    /var/lib/kiosk/                  made by postinst, mode 0700, owned by the kiosk user

Usage: build.py --bundle dist/kiosk --out dist [--version V] [--fast]
(``--fast``: gzip level 1 instead of xz, for tests.)
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
INSTALLERS = HERE.parent

#: The sample's lines that differ in an installed terminal: each must be found as written,
#: so that a change to the sample cannot silently leave a demo setting in the package.
SAFE_SETTINGS = {
    'data_dir = "var"': 'data_dir = "/var/lib/kiosk"',
    "demo = true": "demo = false",
    'reader = "sim:debit-ec"': 'reader = "pcsc"',
    "allow_test_keys = true": "allow_test_keys = false",
    "fullscreen = false": "fullscreen = true",
}

UNITS = {
    "lib/systemd/system": ("kiosk-session.service", "kiosk-hub.service"),
    "usr/lib/systemd/user": ("kiosk.service",),
}


def project_version() -> str:
    text = (ROOT / "kiosk" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if match is None:
        raise SystemExit("kiosk/__init__.py has no __version__")
    return match.group(1)


def safe_config() -> str:
    """The sample config (assets/config/kiosk.toml) with :data:`SAFE_SETTINGS` applied."""
    text = (ROOT / "assets" / "config" / "kiosk.toml").read_text(encoding="utf-8")
    for demo, safe in SAFE_SETTINGS.items():
        pattern = rf"^{re.escape(demo)}$"
        if len(re.findall(pattern, text, re.M)) != 1:
            raise SystemExit(f"assets/config/kiosk.toml: expected one line {demo!r}")
        text = re.sub(pattern, safe, text, flags=re.M)
    return text


def _write(path: Path, data: bytes | str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    path.chmod(mode)


def _normalise_modes(tree: Path) -> None:
    """0755 for directories and programs, 0644 for the rest, shared libraries included
    (PyInstaller keeps the modes the wheels and the build machine gave them)."""
    for dirpath, dirnames, filenames in os.walk(tree):
        for name in dirnames:
            (Path(dirpath) / name).chmod(0o755)
        for name in filenames:
            path = Path(dirpath) / name
            if not path.is_symlink():
                program = path.stat().st_mode & 0o111 and not re.search(r"\.so(\.|$)", name)
                path.chmod(0o755 if program else 0o644)


def _gzip(text: str) -> bytes:
    return gzip.compress(text.encode(), compresslevel=9, mtime=0)


def stage(stage_dir: Path, bundle: Path, version: str) -> None:
    """Lay out the package's files and its DEBIAN/ control area in ``stage_dir``."""
    opt = stage_dir / "opt" / "kiosk"
    shutil.copytree(bundle, opt, symlinks=True)
    _normalise_modes(opt)
    (stage_dir / "usr" / "bin").mkdir(parents=True)
    (stage_dir / "usr" / "bin" / "kiosk").symlink_to("/opt/kiosk/kiosk")
    _write(stage_dir / "etc" / "kiosk" / "kiosk.toml", safe_config())
    for target, names in UNITS.items():
        for name in names:
            _write(stage_dir / target / name, (INSTALLERS / "systemd" / name).read_bytes())
    for rules in sorted((INSTALLERS / "udev").glob("*.rules")):
        _write(stage_dir / "lib" / "udev" / "rules.d" / rules.name, rules.read_bytes())
    doc = stage_dir / "usr" / "share" / "doc" / "kiosk"
    _write(doc / "copyright", (HERE / "copyright").read_bytes())
    _write(
        doc / "changelog.gz",  # a native package: no Debian revision
        _gzip(
            f"kiosk ({version}) stable; urgency=medium\n\n"
            "  * Built from the kiosk project's one-folder bundle.\n\n"
            " -- kiosk project <kiosk@example.com>  Sat, 05 Dec 2026 12:00:00 +0000\n"
        ),
    )
    _write(
        stage_dir / "usr" / "share" / "lintian" / "overrides" / "kiosk",
        (HERE / "lintian-overrides").read_bytes(),
    )
    _control(stage_dir, version)


def _control(stage_dir: Path, version: str) -> None:
    control = stage_dir / "DEBIAN"
    control.mkdir()
    size_kib = sum(-(-p.lstat().st_size // 1024) for p in stage_dir.rglob("*") if not p.is_dir())
    template = (HERE / "control.in").read_text(encoding="utf-8")
    _write(
        control / "control",
        template.replace("@VERSION@", version).replace("@INSTALLED_SIZE@", str(size_kib)),
    )
    _write(control / "conffiles", "/etc/kiosk/kiosk.toml\n")
    for script in ("postinst", "postrm"):
        _write(control / script, (HERE / script).read_bytes(), 0o755)
    sums = []
    for path in sorted(stage_dir.rglob("*")):
        rel = path.relative_to(stage_dir)
        if rel.parts[0] != "DEBIAN" and path.is_file() and not path.is_symlink():
            sums.append(f"{hashlib.md5(path.read_bytes()).hexdigest()}  {rel}\n")  # noqa: S324
    _write(control / "md5sums", "".join(sums))


def build(bundle: Path, out: Path, version: str, *, fast: bool = False) -> Path:
    """Build the package from ``bundle`` into ``out``; returns the .deb's path."""
    if not (bundle / "kiosk").is_file():
        raise SystemExit(f"{bundle}: no bundle here (./dev bundle builds one)")
    out.mkdir(parents=True, exist_ok=True)
    deb = out / f"kiosk_{version}_amd64.deb"
    with tempfile.TemporaryDirectory(prefix="kiosk-deb-") as tmp:
        stage_dir = Path(tmp) / "kiosk"
        stage_dir.mkdir(mode=0o755)
        stage(stage_dir, bundle, version)
        compress = ["-Zgzip", "-z1"] if fast else ["-Zxz"]
        subprocess.run(  # noqa: S603 - our own arguments
            ["dpkg-deb", "--root-owner-group", *compress, "--build", str(stage_dir), str(deb)],  # noqa: S607
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return deb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "kiosk")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--version", default=project_version())
    parser.add_argument("--fast", action="store_true", help="gzip -1, not xz (tests)")
    args = parser.parse_args(argv)
    print(build(args.bundle, args.out, args.version, fast=args.fast))
    return 0


if __name__ == "__main__":
    sys.exit(main())

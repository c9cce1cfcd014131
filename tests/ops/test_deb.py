"""The Debian package built from the bundle (installers/debian/build.py, ``./dev deb``): its
contents and control data as dpkg reads them, lintian, and an install and upgrade into a
separate root (``dpkg --root``) that runs the maintainer scripts."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "installers" / "debian" / "build.py"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb"),
]


def build_deb(bundle: Path, out: Path, version: str) -> Path:
    done = subprocess.run(
        [sys.executable, str(BUILD), "--bundle", str(bundle.parent), "--out", str(out),
         "--version", version, "--fast"],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return Path(done.stdout.strip())


@pytest.fixture(scope="module")
def deb(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_deb(bundle, tmp_path_factory.mktemp("deb"), "0.1.0")


def dpkg_deb(*args: str) -> str:
    return subprocess.run(
        ["dpkg-deb", *args], check=True, capture_output=True, text=True, timeout=120
    ).stdout


def test_control_data(deb: Path, tmp_path: Path) -> None:
    assert deb.name == "kiosk_0.1.0_amd64.deb"
    fields = {f: dpkg_deb("--field", str(deb), f).strip() for f in ("Package", "Architecture")}
    assert fields == {"Package": "kiosk", "Architecture": "amd64"}
    depends = {d.strip().split()[0] for d in dpkg_deb("--field", str(deb), "Depends").split(",")}
    assert {"pcscd", "libpcsclite1", "passwd", "libegl1", "libxcb1"} <= depends
    subprocess.run(["dpkg-deb", "--control", str(deb), str(tmp_path)], check=True)
    assert (tmp_path / "conffiles").read_text() == "/etc/kiosk/kiosk.toml\n"
    for script in ("postinst", "postrm"):
        assert os.access(tmp_path / script, os.X_OK), script


def test_contents_paths_and_modes(deb: Path) -> None:
    entries = {}
    for line in dpkg_deb("--contents", str(deb)).splitlines():
        mode, owner, _size, _date, _time, path, *link = line.split()
        entries[path.removeprefix(".")] = (mode, owner, link[1] if link else None)
    assert {owner for _mode, owner, _link in entries.values()} == {"root/root"}
    assert entries["/opt/kiosk/kiosk"][0] == "-rwxr-xr-x"
    assert entries["/usr/bin/kiosk"] == ("lrwxrwxrwx", "root/root", "/opt/kiosk/kiosk")
    assert entries["/etc/kiosk/kiosk.toml"][0] == "-rw-r--r--"  # postinst: 0640 root:kiosk
    for path in (
        "/lib/systemd/system/kiosk-session.service",
        "/lib/systemd/system/kiosk-hub.service",
        "/usr/lib/systemd/user/kiosk.service",
        "/lib/udev/rules.d/60-kiosk-devices.rules",
        "/usr/share/doc/kiosk/copyright",
        "/usr/share/lintian/overrides/kiosk",
        "/opt/kiosk/_internal/assets/config/kiosk.toml",
    ):
        assert entries[path][0] == "-rw-r--r--", path
    # The journal's directory is the kiosk user's, made by postinst: never in the package,
    # so that no upgrade or removal touches what is in it.
    assert not [p for p in entries if p.startswith("/var/")]
    loose = [p for p, (mode, _o, _l) in entries.items() if mode[0] != "l" and "w" in mode[4:]]
    assert loose == []
    executable_libraries = [
        p for p, (mode, _o, _l) in entries.items() if ".so" in p and mode.startswith("-rwx")
    ]
    assert executable_libraries == []


def test_the_installed_config_is_the_safe_sample(deb: Path) -> None:
    tar = subprocess.run(
        ["dpkg-deb", "--fsys-tarfile", str(deb)], check=True, capture_output=True, timeout=120
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        member = archive.extractfile("./etc/kiosk/kiosk.toml")
        assert member is not None
        config = tomllib.loads(member.read().decode())
    assert config["demo"] is False
    assert config["payment"]["allow_test_keys"] is False
    assert config["payment"]["reader"] == "pcsc"
    assert config["data_dir"] == "/var/lib/kiosk"
    assert config["ui"]["fullscreen"] is True


@pytest.mark.skipif(shutil.which("lintian") is None, reason="needs lintian (./dev setup)")
def test_lintian_passes_with_the_documented_overrides(deb: Path) -> None:
    done = subprocess.run(
        ["lintian", "--fail-on", "error,warning", "--tag-display-limit", "0", str(deb)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    tags = [line for line in done.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert done.returncode == 0 and tags == [], done.stdout + done.stderr


def _target_root(root: Path) -> None:
    """An empty dpkg database and the account files of a base Debian system."""
    for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "etc"):
        (root / d).mkdir(parents=True)
    (root / "var/lib/dpkg/status").touch()
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (root / "etc/group").write_text("root:x:0:\nlp:x:7:\ndialout:x:20:\nplugdev:x:46:\n")
    (root / "etc/shadow").write_text("root:*:19000:0:99999:7:::\n")
    (root / "etc/gshadow").write_text("root:*::\nlp:*::\ndialout:*::\nplugdev:*::\n")


def _dpkg_install(root: Path, deb: Path) -> None:
    subprocess.run(
        ["dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends",
         "--log=/dev/null", "--install", str(deb)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip


def _kiosk(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "PYTHON"))}
    env["KIOSK_DATA_DIR"] = str(root / "var/lib/kiosk")
    return subprocess.run(
        [str(root / "opt/kiosk/kiosk"), "--config", str(root / "etc/kiosk/kiosk.toml"), *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("dpkg") is None, reason="dpkg --root needs root"
)
def test_install_and_upgrade_keep_the_journal_keys_and_config(
    deb: Path, bundle: Path, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    _target_root(root)
    _dpkg_install(root, deb)

    passwd = (root / "etc/passwd").read_text()
    [user] = [line for line in passwd.splitlines() if line.startswith("kiosk:")]
    uid, gid = (int(n) for n in user.split(":")[2:4])
    group = (root / "etc/group").read_text()
    for name in ("lp", "dialout", "plugdev"):
        assert f"\n{name}:x:" in f"\n{group}" and any(
            line.startswith(f"{name}:") and line.endswith("kiosk") for line in group.splitlines()
        ), name
    data = root / "var/lib/kiosk"
    assert (data.stat().st_mode & 0o7777, data.stat().st_uid, data.stat().st_gid) == (
        0o700, uid, gid
    )  # fmt: skip
    config = root / "etc/kiosk/kiosk.toml"
    assert (config.stat().st_mode & 0o777, config.stat().st_gid) == (0o640, gid)
    host_users = [line.split(":")[0] for line in Path("/etc/passwd").read_text().splitlines()]
    assert "kiosk" not in host_users  # the scripts worked in the target root only

    doctor = _kiosk(root, "doctor", "--json")
    checks = {c["name"]: c["status"] for c in json.loads(doctor.stdout)["checks"]}
    assert checks["config"] == "ok" and checks["journal"] == "ok", doctor.stdout
    kept = {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()}
    assert {"journal.db", "journal-DEMO0001.key"} <= set(kept)
    config.write_text(config.read_text() + "# edited on site\n")

    _dpkg_install(root, build_deb(bundle, tmp_path / "next", "0.1.1"))
    assert (root / "etc/passwd").read_text() == passwd  # the same user, not a second one
    assert config.read_text().endswith("# edited on site\n")
    assert {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()} == kept
    assert _kiosk(root, "journal", "verify").returncode == 0

    # A later version migrated the journal, then this one was installed again (a downgrade).
    with sqlite3.connect(data / "journal.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_future'")
    refused = _kiosk(root, "journal", "verify")
    assert refused.returncode != 0
    [line] = refused.stderr.splitlines()
    assert line.startswith("kiosk: journal.too_new: the journal is at schema 0099_future"), line

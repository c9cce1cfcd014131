"""First-run set-up without the screens: the settings file it writes loads back as chosen,
the test slip on the emupos printer emulator over TCP, the test read of a card served
through pcscd + vpcd, enrolment with a real hub on loopback, and ``kiosk setup``'s
one-line refusals of bad input."""

from __future__ import annotations

import grp
import json
import os
import stat
from pathlib import Path

import pytest

from kiosk.checkout import first_run
from kiosk.checkout.first_run import SetupChoices, config_to_write, write_setup
from kiosk.config import DEFAULT_PATHS, Mode, load_settings
from kiosk.errors import ConfigError
from kiosk.printing.discovery import find_printers
from kiosk.sync.client import SyncError
from kiosk.sync.enrolment import load
from tests.payment.conftest import SLOT, card_sim, pcscd  # noqa: F401 - fixtures
from tests.printing.conftest import emulator, emulator_session  # noqa: F401 - fixtures
from tests.support.hub import kiosk_hub, running_hub
from tests.test_cli import kiosk


def _choices(tmp_path: Path, **changes: object) -> SetupChoices:
    values: dict[str, object] = {
        "terminal_id": "TERM0042",
        "mode": Mode.MARKET,
        "printer": "tcp://192.0.2.10:9100",
        "reader": "pcsc:ACS ACR1281 1S Dual Reader PICC 00 00",
        "scale": "serial:///dev/kiosk-scale?baudrate=9600",
        "data_dir": tmp_path / "data",
    }
    return SetupChoices(**{**values, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("config", "environ", "expected"),
    [
        (None, {}, None),  # nothing named, demo on by default: the demo runs
        (None, {"KIOSK_DEMO": "0"}, DEFAULT_PATHS[0]),  # demo off: set up the default file
        ("missing.toml", {}, Path("missing.toml")),  # a named file that is not there
        (None, {"KIOSK_CONFIG": "env.toml"}, Path("env.toml")),
        ("missing.toml", {"KIOSK_DEMO": "true"}, None),  # the demo asked for: no set-up
    ],
)
def test_when_set_up_runs(config, environ, expected, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    if DEFAULT_PATHS[0].exists():
        pytest.skip(f"{DEFAULT_PATHS[0]} exists on this machine")
    assert config_to_write(config, environ) == expected


def test_an_existing_file_is_never_set_up(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("demo = false\n")
    assert config_to_write(str(path), {"KIOSK_DEMO": "0"}) is None


def test_the_written_file_loads_back_to_the_chosen_settings(tmp_path: Path) -> None:
    """Every choice is in the file, the file is owner-only, no temporary is left, and it
    loads (with no environment) to exactly the settings the choices make."""
    choices = _choices(tmp_path, ticket_key_file="/etc/kiosk/ticket.keys", fullscreen=False)
    path = tmp_path / "etc" / "kiosk.toml"
    written = write_setup(choices, path)
    loaded = load_settings(path, environ={})
    assert loaded == written == choices.settings()
    assert (loaded.terminal.id, loaded.terminal.mode, loaded.demo) == (
        "TERM0042",
        Mode.MARKET,
        False,
    )
    assert loaded.printer.url == "tcp://192.0.2.10:9100"
    assert loaded.payment.reader == "pcsc:ACS ACR1281 1S Dual Reader PICC 00 00"
    assert not loaded.payment.allow_test_keys and not loaded.ui.fullscreen
    assert loaded.scale_url == "serial:///dev/kiosk-scale?baudrate=9600"
    assert loaded.terminal.ticket_key_file == "/etc/kiosk/ticket.keys"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["kiosk.toml"]
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700


@pytest.mark.skipif(os.geteuid() != 0, reason="only root gives a file to another group")
def test_root_writes_it_readable_by_the_service_group(tmp_path: Path, monkeypatch) -> None:
    """As the Debian package installs it: 0640, group of the service user."""
    group = grp.getgrgid(1).gr_name  # some group other than root's (daemon on Debian)
    monkeypatch.setattr("kiosk.config_file.SERVICE_GROUP", group)
    path = tmp_path / "kiosk.toml"
    write_setup(_choices(tmp_path), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and path.stat().st_gid == 1


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"terminal_id": "T1"}, "terminal.id"),
        ({"printer": "lpt://1"}, "printer.url"),
        ({"reader": "nfc"}, "payment.reader"),
        ({"scale": "http://scale"}, "scale"),
    ],
)
def test_a_bad_choice_is_refused_and_nothing_written(tmp_path, changes, key) -> None:
    path = tmp_path / "kiosk.toml"
    with pytest.raises(ConfigError) as caught:
        write_setup(_choices(tmp_path, **changes), path)
    assert caught.value.context["key"] == key
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_an_existing_file_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("# the installer's own\n")
    with pytest.raises(ConfigError, match="exists"):
        write_setup(_choices(tmp_path), path)
    assert path.read_text() == "# the installer's own\n"
    write_setup(_choices(tmp_path), path, replace=True)
    assert load_settings(path, environ={}).terminal.id == "TERM0042"


def test_usb_printers_are_found_from_sysfs(tmp_path: Path) -> None:
    """A printer-class interface (07) gives usb://VID:PID, a usblp node file://; a keyboard
    (class 03) is no printer."""
    sysfs, dev = tmp_path / "sys", tmp_path / "dev"
    for name, cls, vid, pid in (("1-2", "07", "0416", "5011"), ("1-3", "03", "046d", "c31c")):
        (sysfs / name).mkdir(parents=True)
        (sysfs / name / "idVendor").write_text(vid + "\n")
        (sysfs / name / "idProduct").write_text(pid + "\n")
        (sysfs / name / "manufacturer").write_text("Winbond\n")
        (sysfs / f"{name}:1.0").mkdir()
        (sysfs / f"{name}:1.0" / "bInterfaceClass").write_text(cls + "\n")
    (dev / "usb").mkdir(parents=True)
    (dev / "usb" / "lp0").touch()
    found = find_printers(sysfs=sysfs, dev=dev)
    assert [f.url for f in found] == ["usb://0416:5011", f"file://{dev}/usb/lp0"]
    assert found[0].description == "USB Winbond (0416:5011)"


@pytest.mark.printer
def test_the_test_slip_prints_on_the_emulator(tmp_path: Path, emulator) -> None:  # noqa: F811
    before = len(emulator.receipt_ids("p58"))
    choices = _choices(tmp_path, printer=emulator.url("p58"))
    assert first_run.print_test_slip(choices) == "printed, confirmed by the printer"
    [newest, *_] = emulator.wait_for_receipts("p58", before + 1)
    text = emulator.receipt("p58", newest).text
    assert "TERM0042" in text and emulator.url("p58") in text


@pytest.mark.printer
def test_a_printer_out_of_paper_fails_the_test_print(tmp_path: Path, emulator) -> None:  # noqa: F811
    from kiosk.printing.errors import PrinterError

    emulator.fault("p58", "paper-out")
    with pytest.raises(PrinterError) as caught:
        first_run.print_test_slip(_choices(tmp_path, printer=emulator.url("p58")))
    assert caught.value.code == "printer.paper_out"


@pytest.mark.pcsc
def test_the_test_read_lists_the_cards_applications(card_sim) -> None:  # noqa: F811
    """A contactless card through pcscd: ATR and the PPSE's UnionPay application, no PAN."""
    card_sim("--profile", "qpboc-debit-ec")
    assert SLOT in first_run.list_readers()
    probe = first_run.read_test_card(f"pcsc:{SLOT}", timeout=10)
    assert probe.reader == SLOT and probe.source == "PPSE"
    assert [a.aid for a in probe.applications] == ["A000000333010101"]
    assert probe.atr.startswith("3B") and "621234" not in probe.describe()


@pytest.mark.pcsc
def test_no_card_is_a_timeout(pcscd) -> None:  # noqa: F811
    from kiosk.payment.errors import CardTimeoutError

    with pytest.raises(CardTimeoutError):
        first_run.read_test_card(f"pcsc:{pcscd}", timeout=1)


def test_enrolment_with_a_real_hub(tmp_path: Path) -> None:
    """The code `kiosk hub enroll` printed, exchanged with the hub over HTTP: the
    terminal's key and the pinned hub key land in the data directory the file names."""
    hub_dir, db = tmp_path / "hub", f"sqlite:///{tmp_path / 'hub.db'}"
    with running_hub(hub_dir, db) as hub:
        done = kiosk_hub(hub_dir, db, "enroll", "TERM0042")
        code = done.stdout.strip().splitlines()[-1]
        choices = _choices(tmp_path)
        assert first_run.enrol(choices, hub.url, code.lower()) == (
            f"terminal TERM0042 enrolled with {hub.url}"
        )
        with pytest.raises(SyncError, match="401"):  # the code is spent
            first_run.enrol(choices, hub.url, code)
    enrolled, _key = load(choices.settings())
    assert enrolled.terminal_id == "TERM0042" and enrolled.hub_url == hub.url


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mode", "ticket", "--printer", "preview"], "setup.missing: setup needs --terminal-id"),
        (
            ["--terminal-id", "TERM0001", "--mode", "ticket", "--printer", "preview", "--hub", "x"],
            "setup.missing: setup needs --code",
        ),
        (
            ["--terminal-id", "term 1", "--mode", "ticket", "--printer", "preview"],
            "config.value: terminal.id: 'term 1' is not allowed (8 of A-Z 0-9)",
        ),
        (
            ["--terminal-id", "TERM0001", "--mode", "ticket", "--printer", "tcp://[::1"],
            "config.value: printer.url",
        ),
        (["--terminal-id", "TERM0001", "--mode", "shop", "--printer", "preview"], "invalid choice"),
    ],
)
def test_setup_refuses_bad_input_in_one_line(tmp_path: Path, args, message) -> None:
    out = kiosk("setup", "--config", "k.toml", "--data-dir", "d", *args, cwd=tmp_path)
    assert out.returncode == 2 and message in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert not (tmp_path / "k.toml").exists()


def test_setup_keeps_an_existing_file(tmp_path: Path) -> None:
    (tmp_path / "k.toml").write_text("demo = true\n")
    args = ["--terminal-id", "TERM0001", "--mode", "gate", "--printer", "preview"]
    out = kiosk("--config", "k.toml", "setup", *args, cwd=tmp_path)
    assert out.returncode == 2 and "config.exists" in out.stderr
    assert (tmp_path / "k.toml").read_text() == "demo = true\n"


def test_setup_then_doctor_accepts_the_file(tmp_path: Path) -> None:
    """`kiosk setup` writes a file `kiosk doctor` loads (its config line ok)."""
    args = ["--terminal-id", "TERM0001", "--mode", "gate", "--printer", "preview"]
    out = kiosk(
        "setup", "--config", "k.toml", "--data-dir", "d", "--test-print", *args, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    assert "printer preview: printed to the preview" in out.stdout
    doctor = kiosk("--config", "k.toml", "doctor", "--json", cwd=tmp_path)
    checks = {c["name"]: c for c in json.loads(doctor.stdout)["checks"]}
    assert checks["config"] == {"name": "config", "status": "ok", "detail": "loaded from k.toml"}
    assert checks["journal"]["status"] == "ok"

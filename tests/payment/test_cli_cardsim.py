"""`kiosk card-sim`: one-line errors with exit status 2, listing, and a clean stop on SIGTERM."""

from __future__ import annotations

import importlib.util
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"
HAVE_PROFILES = importlib.util.find_spec("kiosk.payment.cardsim.profiles") is not None


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the CLI, expect exit 2 and exactly one stderr line; return that line."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def test_vpcd_not_reachable(capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing listening at --vpcd: `kiosk: cardsim.vpcd_unreachable: …`, exit 2."""
    port = _free_port()
    line = _one_line_error(
        capsys,
        ["card-sim", "--trace", str(DATA / "qpboc_trace.json"), "--vpcd", f"127.0.0.1:{port}"],
    )
    assert line.startswith("kiosk: cardsim.vpcd_unreachable: ")
    assert f"127.0.0.1:{port}" in line


def test_bad_trace_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A trace file that is not a recording: `kiosk: cardsim.bad_trace: …`, exit 2."""
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert _one_line_error(capsys, ["card-sim", "--trace", str(bad)]).startswith(
        "kiosk: cardsim.bad_trace: "
    )


def test_state_dir_needs_a_profile(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--state-dir with --trace is refused in one line (a recording keeps no state)."""
    line = _one_line_error(
        capsys,
        ["card-sim", "--trace", str(DATA / "qpboc_trace.json"), "--state-dir", str(tmp_path)],
    )
    assert line.startswith("kiosk: cardsim.usage: ")


def test_atr_needs_a_trace(capsys: pytest.CaptureFixture[str]) -> None:
    """--atr with --profile is refused in one line (a profile brings its own ATR)."""
    line = _one_line_error(capsys, ["card-sim", "--profile", "debit-ec", "--atr", "3B021450"])
    assert line.startswith("kiosk: cardsim.usage: ")


@pytest.mark.parametrize(
    "argv",
    [
        ["card-sim"],
        ["card-sim", "--list", "--profile", "debit-ec"],
        ["card-sim", "--trace", "x.json", "--vpcd", "35963"],
        ["card-sim", "--trace", "x.json", "--remove-after", "0"],
        ["card-sim", "--trace", "x.json", "--atr", "90"],
        ["card-sim", "--trace", "x.json", "--atr", "3B8G"],
    ],
    ids=[
        "nothing-to-serve",
        "list-and-profile",
        "vpcd-without-host",
        "remove-after-zero",
        "atr-not-an-atr",
        "atr-not-hex",
    ],
)
def test_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """Wrong options are argparse usage errors: exit 2, one line, no traceback."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("kiosk card-sim: error:") and len(err.splitlines()) == 1


def test_unknown_profile(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown profile name is a one-line error, exit 2 (no profiles at all: says so)."""
    line = _one_line_error(capsys, ["card-sim", "--profile", "no-such-card"])
    code = "cardsim.unknown_profile" if HAVE_PROFILES else "cardsim.no_profiles"
    assert line.startswith(f"kiosk: {code}: ")


@pytest.mark.skipif(not HAVE_PROFILES, reason="kiosk.payment.cardsim.profiles not merged yet")
def test_list_prints_one_profile_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    """--list: one line per profile, name first then a description, sorted by name."""
    assert main(["card-sim", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split("\t")[0] for line in lines]
    assert names == sorted(names) and "debit-ec" in names
    assert all(len(line.split("\t")) == 2 and line.split("\t")[1].strip() for line in lines)


@pytest.mark.pcsc
def test_sigterm_stops_cleanly(
    card_sim: Callable[..., Any], wait_slot: Callable[..., None]
) -> None:
    """SIGTERM removes the card from the slot and card-sim exits 0 without a traceback."""
    proc = card_sim("--trace", str(DATA / "qpboc_trace.json"))
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    wait_slot(present=False)

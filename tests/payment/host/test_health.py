"""``kiosk doctor``'s acquirer line: TMK, TCP reachability, the last sign-on and its KCVs."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from kiosk.config import Settings
from kiosk.doctor import Check, Status, run_checks
from kiosk.payment.host.acquirer import AcquirerClient
from kiosk.payment.host.health import acquirer_paths, link_health
from kiosk.payment.host.host_sim import HostSimulator
from kiosk.payment.host.keys import check_value, load_tmk, write_tmk
from kiosk.payment.host.link_state import LinkState

REPO = Path(__file__).resolve().parents[3]


def _settings(data_dir: Path, host: str) -> Settings:
    base = Settings()
    return dataclasses.replace(
        base, data_dir=data_dir, payment=dataclasses.replace(base.payment, host=host)
    )


def _acquirer_line(settings: Settings) -> Check:
    [check] = [c for c in run_checks(settings) if c.name == "acquirer"]
    return check


def _closed_port() -> int:
    with socket.socket() as s:  # a loopback port nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_host_sim_up_then_signed_on(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "iso8583://127.0.0.1:0")
    tmk_file, state_dir = acquirer_paths(settings)
    state_dir.mkdir()
    sim = HostSimulator(tmk=write_tmk(tmk_file)).start()
    try:
        settings = _settings(tmp_path, sim.url)
        line = _acquirer_line(settings)
        assert line.status is Status.WARN and "reachable; never signed on" in line.detail

        client = AcquirerClient(
            sim.address,
            tmk=load_tmk(tmk_file),
            state=LinkState(state_dir),
            terminal_id=settings.terminal.id,
            merchant_id=settings.terminal.merchant_id,
        )
        client.sign_on()
        line = _acquirer_line(settings)
        mak_kcv = check_value(sim._keys[settings.terminal.id].mak).hex().upper()
        assert line.status is Status.OK, line
        assert f"batch {sim.batch:06d}" in line.detail
        assert f"MAK KCV {mak_kcv[:6]}, PIK KCV " in line.detail  # 6 digits shown, no more
        assert sim.of_type("0800") and len(sim.received) == 1  # the probe sent no message
    finally:
        sim.close()


def test_closed_port_fails_doctor(tmp_path: Path) -> None:
    """End to end: ``kiosk doctor --json`` exits 1 with the acquirer FAIL, within its timeout."""
    (tmp_path / "var" / "acquirer").mkdir(parents=True)
    write_tmk(tmp_path / "var" / "acquirer" / "tmk")
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        KIOSK_PAYMENT__HOST=f"iso8583://127.0.0.1:{_closed_port()}",
    )
    env.pop("KIOSK_CONFIG", None)
    out = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "doctor", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(out.stdout)
    [line] = [c for c in report["checks"] if c["name"] == "acquirer"]
    assert out.returncode == 1 and line["status"] == "fail"
    assert "cannot be reached (host.unreachable" in line["detail"]


def test_missing_or_open_tmk_fails(tmp_path: Path) -> None:
    settings = _settings(tmp_path, f"iso8583://127.0.0.1:{_closed_port()}")
    line = _acquirer_line(settings)
    assert line.status is Status.FAIL and "terminal master key" in line.detail
    tmk_file, _ = acquirer_paths(settings)
    tmk_file.parent.mkdir()
    write_tmk(tmk_file)
    tmk_file.chmod(0o644)
    assert "chmod 600" in _acquirer_line(settings).detail


def test_no_acquirer_configured(tmp_path: Path) -> None:
    assert link_health(_settings(tmp_path, "")) is None
    line = _acquirer_line(_settings(tmp_path, "sim"))
    assert line.status is Status.OK and line.detail.startswith("none")

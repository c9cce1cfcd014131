"""Which CA keys a terminal trusts, from its settings: the project's test CA only in demo
mode, whatever the file says, and the lists an operator configures (revocation, exception
file, SM2 keys, expiry dates)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from kiosk.config import Mode, Settings, load_settings
from kiosk.doctor import _ca_keys
from kiosk.errors import ConfigError
from kiosk.payment.cardsim.keys import load_issuer
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.kernel import Outcome
from kiosk.payment.kernel.pan import pan_token
from kiosk.payment.settings import ca_keys, terminal_config
from tests.payment.kernel.conftest import transact

SAMPLE = Path(__file__).resolve().parents[2] / "assets" / "config" / "kiosk.toml"


def _sample(tmp_path: Path, **changes: str) -> Path:
    """The shipped sample with ``key = value`` lines changed (as the installer does)."""
    text = SAMPLE.read_text(encoding="utf-8")
    for key, value in changes.items():
        lines = [line for line in text.splitlines() if line.startswith(f"{key} = ")]
        assert len(lines) == 1, key
        text = text.replace(lines[0], f"{key} = {value}")
    path = tmp_path / "kiosk.toml"
    path.write_text(text.replace('data_dir = "var"', f'data_dir = "{tmp_path}"'), "utf-8")
    return path


def test_sample_with_demo_off_refuses_the_test_ca(tmp_path: Path) -> None:
    """The sample as shipped, with only demo = false: a ConfigError naming the key."""
    with pytest.raises(ConfigError) as info:
        load_settings(_sample(tmp_path, demo="false"), environ={})
    assert (info.value.code, info.value.context["key"]) == (
        "config.test_keys",
        "payment.allow_test_keys",
    )
    assert "A000000333/F7" in str(info.value)


def test_environment_cannot_turn_the_test_ca_on(tmp_path: Path) -> None:
    path = _sample(tmp_path, demo="false", allow_test_keys="false")
    with pytest.raises(ConfigError):
        load_settings(path, environ={"KIOSK_PAYMENT__ALLOW_TEST_KEYS": "true"})


def test_production_sample_gives_no_offline_approval_to_a_test_ca_card(tmp_path: Path) -> None:
    """The installer's configuration (sample, demo and test keys off) and a card signed by
    the test CA: ODA fails on the refused CA key and nothing is approved offline."""
    settings = load_settings(_sample(tmp_path, demo="false", allow_test_keys="false"), environ={})
    result, _ = transact(load_card("debit-ec"), ca_keys(settings), config=terminal_config(settings))
    assert result.outcome is not Outcome.APPROVED_OFFLINE
    assert result.oda.failure == "ca_key:capk.test_key_refused"


def test_test_ca_is_never_trusted_outside_demo_whatever_the_settings_say() -> None:
    """Settings built in code (no file check) still cannot make a production store trust
    the test CA; demo mode does, and the doctor line says which keys are trusted."""
    production = dataclasses.replace(Settings(), demo=False)
    assert production.payment.allow_test_keys
    assert not ca_keys(production).allow_test_keys
    assert "(test)" not in _ca_keys(production).detail
    assert "A000000333/09" in _ca_keys(production).detail
    assert "A000000333/F7 (test)" in _ca_keys(Settings()).detail


def test_configured_lists_reach_the_kernel(tmp_path: Path) -> None:
    """Revocation list, exception file, SM2 CA keys and CA key expiry from the settings."""
    card = {0x5A: bytes.fromhex("6212340000000019"), 0x5F34: b"\x01"}
    blocked = tmp_path / "exception.txt"
    settings = dataclasses.replace(Settings(), data_dir=tmp_path)
    token = pan_token(terminal_config(settings).pan_token_key, card)
    blocked.write_text(f"# blocked cards\n{token}\n", "utf-8")
    serial = load_issuer().certificate_serial.hex().upper()
    payment = dataclasses.replace(
        settings.payment,
        revocation_list=f"A000000333/F7/{serial}, a000000333/08/000001",
        exception_file=str(blocked),
        sm2_ca_keys="A000000333/F8=" + "11" * 64,
        ca_key_expiry="A000000333/F8=20261126, A000000333/09=20301231",
    )
    settings = dataclasses.replace(settings, payment=payment)
    config = terminal_config(settings)
    assert config.revocation_list == {f"A000000333/F7/{serial}", "A000000333/08/000001"}
    assert config.exception_file == {token}
    store = ca_keys(settings)
    sm2 = store.lookup_sm2(bytes.fromhex("A000000333"), 0xF8)
    assert sm2 is not None and store.expiry(sm2) == dt.date(2026, 11, 26)
    assert "A000000333/F8 (SM2)" not in store.trusted(dt.date(2026, 11, 27))
    assert "A000000333/F8 (SM2)" in store.trusted(dt.date(2026, 11, 26))
    result, _ = transact(load_card("debit-ec"), store, config=config)
    assert result.oda.failure == "issuer_certificate:revoked"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("revocation_list", "A000000333/F7"),
        ("sm2_ca_keys", "A000000333/F8=00"),
        ("sm2_ca_keys", "A000000333/F8"),
        ("ca_key_expiry", "A000000333/03=2030-12-31"),
        ("exception_file", "/nonexistent/exception.txt"),
    ],
)
def test_malformed_lists_are_config_errors(field: str, value: str, tmp_path: Path) -> None:
    settings = dataclasses.replace(Settings(), data_dir=tmp_path)
    settings = dataclasses.replace(
        settings, payment=dataclasses.replace(settings.payment, **{field: value})
    )
    with pytest.raises(ConfigError):
        terminal_config(settings)
        ca_keys(settings)


@pytest.mark.parametrize(
    ("mode", "unattended", "attended"),
    [
        (Mode.TICKET, True, False),
        (Mode.TICKET, False, True),
        (Mode.MARKET, True, True),
        (Mode.PARKING, True, True),
    ],
)
def test_attended_from_the_mode(mode: Mode, unattended: bool, attended: bool) -> None:
    terminal = dataclasses.replace(Settings().terminal, mode=mode, unattended=unattended)
    settings = dataclasses.replace(Settings(), terminal=terminal)
    assert terminal_config(settings).attended is attended


def test_no_host_is_an_offline_only_terminal() -> None:
    """``payment.host`` empty: policy never whatever ``payment.online`` says."""
    assert terminal_config(Settings()).online.value == "never"
    with_host = dataclasses.replace(
        Settings(), payment=dataclasses.replace(Settings().payment, host="sim")
    )
    assert terminal_config(with_host).online.value == "auto"

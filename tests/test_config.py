"""Configuration: defaults run the demo; every documented key loads; bad input names the key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.config import Mode, OnlinePolicy, documented_keys, load_settings
from kiosk.errors import ConfigError

SAMPLE = Path(__file__).resolve().parents[1] / "assets" / "config" / "kiosk.toml"


def _flatten(data: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out |= _flatten(value, f"{prefix}{key}.")
        else:
            out[prefix + key] = value
    return out


def test_no_file_gives_demo_defaults() -> None:
    """With no config file at all the defaults run the demo: simulator and preview."""
    s = load_settings(environ={})
    assert s.source == "defaults"
    assert s.demo and s.payment.reader.startswith("sim:") and s.printer.url == "preview"
    assert s.journal_url.startswith("sqlite:///")


def test_sample_documents_every_key_with_its_default() -> None:
    """assets/config/kiosk.toml lists exactly the settable keys, each at its default value."""
    sample = _flatten(tomllib.loads(SAMPLE.read_text(encoding="utf-8")))
    assert sorted(sample) == sorted(documented_keys())
    defaults = load_settings(environ={})
    loaded = load_settings(SAMPLE, environ={})
    assert loaded.source == str(SAMPLE)
    for key in documented_keys():
        obj_default, obj_loaded = defaults, loaded
        for part in key.split("."):
            obj_default, obj_loaded = getattr(obj_default, part), getattr(obj_loaded, part)
        assert obj_loaded == obj_default, key


def test_every_key_can_be_changed(tmp_path: Path) -> None:
    """Each documented key accepts a non-default value from the file."""
    text = """
data_dir = "/srv/kiosk"
demo = false
scale = "tcp://127.0.0.1:4001?protocol=xk3190"
[terminal]
id = "T0000042"
merchant_id = "123456789012345"
merchant_name = "菜市场"
mode = "market"
unattended = false
ticket_key_file = "/etc/kiosk/tickets.key"
report_group = "kiosk-reports"
[journal]
url = "postgresql+psycopg://k@localhost/k"
min_free_mb = 8
reserve_kb = 256
[payment]
reader = "pcsc:ACS ACR122U"
online = "never"
host = "iso8583://127.0.0.1:5000"
tmk_file = "/etc/kiosk/tmk"
host_timeout_s = 5
host_mac = "x9.19"
ec_terminal_limit_fen = 50000
floor_limit_fen = 1
max_offline_total_fen = 3
card_timeout_s = 30
allow_test_keys = false
pan_token_key_file = "/etc/kiosk/pan-token.key"
revocation_list = "A000000333/08/123456"
exception_file = "/etc/kiosk/exception-file.txt"
sm2_ca_keys = "A000000333/F8=00"
ca_key_expiry = "A000000333/03=20301231"
[printer]
url = "tcp://127.0.0.1:9100"
width_mm = 80
chinese_font = false
status_timeout_s = 1.5
[sync]
enabled = false
hub_url = "https://hub.local/"
interval_s = 10
batch_size = 200
gzip = false
timeout_s = 4
ca_bundle = "/etc/kiosk/hub-ca.pem"
key_file = "/etc/kiosk/terminal.key"
[ui]
language = "en"
fullscreen = true
idle_timeout_s = 30
operator_pin_hash = "pbkdf2$x"
[market]
pole_display = "serial:///dev/ttyUSB1?baudrate=2400"
pole_lamps = "binary"

[parking]
capacity = 40
tariff = "/etc/kiosk/tariff.toml"
monthly_passes = "京A12345, 粤BD12345"
entry_lane = "A"
exit_lane = "B"
barrier = "cmd:/usr/local/bin/gate open"
barrier_timeout_s = 2.5
camera_listen = "0.0.0.0:8088"
camera_secret = "0123456789abcdef"
camera_min_confidence = 70
"""
    path = tmp_path / "k.toml"
    path.write_text(text, encoding="utf-8")
    s = load_settings(path, environ={})
    assert s.data_dir == Path("/srv/kiosk") and not s.demo
    assert s.terminal.mode is Mode.MARKET and s.terminal.merchant_name == "菜市场"
    assert s.scale_url == "tcp://127.0.0.1:4001?protocol=xk3190"
    assert s.journal_url.startswith("postgresql")
    assert s.journal.min_free_mb == 8.0 and s.journal.reserve_kb == 256
    assert s.payment.online is OnlinePolicy.NEVER and s.payment.host_timeout_s == 5.0
    assert s.payment.floor_limit_fen == 1 and not s.payment.allow_test_keys
    assert s.printer.width_mm == 80 and s.printer.status_timeout_s == 1.5
    assert s.sync.batch_size == 200 and not s.sync.gzip and not s.sync.enabled
    assert s.sync.interval_s == 10.0 and s.ui.fullscreen and s.ui.language == "en"
    assert s.market.pole_display.startswith("serial://") and s.market.pole_lamps == "binary"
    assert s.parking.barrier_timeout_s == 2.5 and s.parking.camera_min_confidence == 70
    assert s.parking.capacity == 40 and s.parking.exit_lane == "B"
    changed = _flatten(tomllib.loads(text))
    assert sorted(changed) == sorted(documented_keys())


@pytest.mark.parametrize(
    ("text", "key", "code"),
    [
        ("[printer]\nwidth_mm = 70\n", "printer.width_mm", "config.value"),
        ('[parking]\nbarrier = "/dev/ttyUSB0"\n', "parking.barrier", "config.value"),
        ('[parking]\ncamera_secret = "short"\n', "parking.camera_secret", "config.value"),
        ('[parking]\nmonthly_passes = "京A12345,X1"\n', "parking.monthly_passes", "config.value"),
        ('[printer]\nwidth_mm = "58"\n', "printer.width_mm", "config.type"),
        ("[printer]\nwidht_mm = 58\n", "printer.widht_mm", "config.unknown_key"),
        ('[printer]\nurl = "lpt1"\n', "printer.url", "config.value"),
        ('[terminal]\nid = "short"\n', "terminal.id", "config.value"),
        ('[terminal]\nmode = "casino"\n', "terminal.mode", "config.value"),
        ("[terminal]\nunattended = 1\n", "terminal.unattended", "config.type"),
        ("[payment]\nfloor_limit_fen = -5\n", "payment.floor_limit_fen", "config.value"),
        ("[payment]\nfloor_limit_fen = 1.5\n", "payment.floor_limit_fen", "config.type"),
        ('[payment]\nreader = "com1"\n', "payment.reader", "config.value"),
        ('[ui]\nlanguage = "fr"\n', "ui.language", "config.value"),
        ("terminal = 3\n", "terminal", "config.type"),
        ('colour = "red"\n', "colour", "config.unknown_key"),
        ('data_dir = "/dev/null"\n', "data_dir", "config.value"),
        ('[journal]\nurl = "not a url"\n', "journal.url", "config.value"),
        ('[printer]\nurl = "tcp://[::1"\n', "printer.url", "config.value"),
    ],
    ids=lambda v: v if isinstance(v, str) and "\n" not in v else None,
)
def test_bad_value_names_the_key(tmp_path: Path, text: str, key: str, code: str) -> None:
    """A wrong type, value or unknown key is a ConfigError naming that key."""
    path = tmp_path / "k.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert info.value.code == code
    assert info.value.context["key"] == key
    assert key in str(info.value)


def test_broken_toml_is_a_config_error(tmp_path: Path) -> None:
    """A file that is not TOML gives config.syntax with the path, not a traceback."""
    path = tmp_path / "k.toml"
    path.write_text("[printer\nurl = ", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert info.value.code == "config.syntax" and str(path) in str(info.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    """Naming a file that does not exist is an error, not a silent fall-back to defaults."""
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path / "nope.toml", environ={})
    assert info.value.code == "config.missing"


def test_environment_overrides_file(tmp_path: Path) -> None:
    """KIOSK_SECTION__KEY overrides the file and is converted to the key's type."""
    path = tmp_path / "k.toml"
    path.write_text("[printer]\nwidth_mm = 58\n", encoding="utf-8")
    env = {
        "KIOSK_PRINTER__WIDTH_MM": "80",
        "KIOSK_TERMINAL__UNATTENDED": "no",
        "KIOSK_PAYMENT__ONLINE": "always",
        "KIOSK_UI__IDLE_TIMEOUT_S": "12.5",
        "KIOSK_CONFIG": str(tmp_path / "ignored.toml"),
    }
    s = load_settings(path, environ=env)
    assert s.printer.width_mm == 80 and s.terminal.unattended is False
    assert s.payment.online is OnlinePolicy.ALWAYS and s.ui.idle_timeout_s == 12.5


def test_kiosk_config_variable_names_the_file(tmp_path: Path) -> None:
    """$KIOSK_CONFIG is used when no path is given."""
    path = tmp_path / "k.toml"
    path.write_text('[terminal]\nid = "ENV00001"\n', encoding="utf-8")
    assert load_settings(environ={"KIOSK_CONFIG": str(path)}).terminal.id == "ENV00001"


@pytest.mark.parametrize(
    ("name", "value", "key"),
    [
        ("KIOSK_PRINTER__WIDTH_MM", "wide", "printer.width_mm"),
        ("KIOSK_TERMINAL__UNATTENDED", "maybe", "terminal.unattended"),
        ("KIOSK_PRINTER__COLOUR", "red", "printer.colour"),
    ],
)
def test_bad_environment_value_names_the_key(name: str, value: str, key: str) -> None:
    """A bad override from the environment is reported like one from the file."""
    with pytest.raises(ConfigError) as info:
        load_settings(environ={name: value})
    assert info.value.context["key"] == key


def test_top_level_keys_from_the_environment(tmp_path: Path) -> None:
    """``KIOSK_DATA_DIR`` and ``KIOSK_DEMO`` override the top-level keys (they were ignored);
    other single-level names (``KIOSK_CONFIG``, ``KIOSK_PRINTER``) are not settings."""
    s = load_settings(
        environ={
            "KIOSK_DATA_DIR": str(tmp_path),
            "KIOSK_DEMO": "false",
            "KIOSK_PRINTER": "tcp://x",
        }
    )
    assert s.data_dir == tmp_path and not s.demo
    assert s.journal_url == f"sqlite:///{tmp_path / 'journal.db'}"
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ConfigError) as info:
        load_settings(environ={"KIOSK_DATA_DIR": str(tmp_path / "a-file")})
    assert (info.value.code, info.value.context["key"]) == ("config.value", "data_dir")


@pytest.mark.parametrize(
    "content",
    [b"x = " + b"[" * 50_000 + b"]" * 50_000, b"name = '\xe9t\xe9'\n", b"# " + b"a" * 300_000],
    ids=["nested", "not-utf8", "too-large"],
)
def test_hostile_files_are_config_errors(tmp_path: Path, content: bytes) -> None:
    """Deep nesting, bytes that are not UTF-8, and a file far larger than a config:
    each is a ConfigError naming the file, read with a bound."""
    path = tmp_path / "k.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert str(path) in str(info.value)

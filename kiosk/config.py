"""Typed settings from one TOML file, with environment overrides.

Where the settings come from, first match wins:

1. ``--config FILE`` on the command line, or ``$KIOSK_CONFIG``;
2. ``/etc/kiosk/kiosk.toml`` when it exists;
3. nothing: built-in defaults, which run the demo (SQLite under ``./var``, the card
   simulator, a printer preview).

Any key can be overridden by an environment variable ``KIOSK_<SECTION>__<KEY>``
(e.g. ``KIOSK_PRINTER__URL=tcp://10.0.0.5:9100``), a top-level key by ``KIOSK_<KEY>``
(``KIOSK_DATA_DIR``, ``KIOSK_DEMO``). The file is read with a size bound. Every key is documented in
``assets/config/kiosk.toml``. A bad file or value raises :class:`ConfigError`
naming the key and saying why.
"""

from __future__ import annotations

import dataclasses
import enum
import os
import re
import tomllib
import typing
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from kiosk.errors import ConfigError
from kiosk.files import KIB, read_text_bounded
from kiosk.money import MAX_FEN

DEFAULT_PATHS = (Path("/etc/kiosk/kiosk.toml"),)
ENV_PREFIX = "KIOSK_"

T = TypeVar("T")


class Mode(enum.StrEnum):
    """What the terminal is deployed as; chooses the start screen and the checkout rules."""

    TICKET = "ticket"
    MARKET = "market"
    PARKING = "parking"
    GATE = "gate"
    ADMIN = "admin"


class OnlinePolicy(enum.StrEnum):
    """When the kernel may go to the acquirer: ``auto`` decides by amount and reachability."""

    AUTO = "auto"
    NEVER = "never"
    ALWAYS = "always"


def _check(pred: Callable[[Any], bool], why: str) -> dict[str, Any]:
    return {"check": pred, "why": why}


def _fen(default: int) -> Any:
    return field(default=default, metadata=_check(lambda v: 0 <= v <= MAX_FEN, "0–999999999 fen"))


_PRINTER_SCHEMES = frozenset({"tcp", "usb", "serial", "file", "cups"})
_SCALE_SCHEMES = frozenset({"serial", "tcp", "sim"})


def _splits(url: str) -> bool:
    """Whether ``url`` parses at all (``tcp://[::1`` does not)."""
    try:
        urllib.parse.urlsplit(url)
    except ValueError:
        return False
    return True


def _matches(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda v: compiled.fullmatch(v) is not None


@dataclass(frozen=True)
class TerminalSettings:
    """Who this terminal is (ISO 8583 field 41/42 sizes) and what it is deployed as."""

    id: str = field(
        default="DEMO0001",
        metadata=_check(_matches(r"[A-Z0-9]{8}"), "8 of A-Z 0-9"),
    )
    merchant_id: str = field(
        default="898000000000001",
        metadata=_check(_matches(r"[A-Z0-9]{15}"), "15 of A-Z 0-9"),
    )
    merchant_name: str = field(default="演示景区售票处", metadata=_check(bool, "must not be empty"))
    mode: Mode = Mode.TICKET
    #: Unattended terminals refuse payment they cannot finish (printer, journal).
    unattended: bool = True
    #: Ticket signing keys, lines "<key id> <hex secret>"; the lowest id signs. Empty: the
    #: demo key, accepted only in demo mode.
    ticket_key_file: str = ""
    #: Group that may read report PDFs (created 0640 for it); empty: owner only (0600).
    report_group: str = ""


@dataclass(frozen=True)
class JournalSettings:
    """Where the journal lives: any SQLAlchemy URL; empty means SQLite under ``data_dir``."""

    url: str = field(
        default="",
        metadata=_check(
            lambda v: not v or _matches(r"[a-z][a-z0-9+]*://\S*")(v),
            "an SQLAlchemy URL such as sqlite:///path or postgresql://host/db",
        ),
    )
    #: No card is taken while the journal's disk has less free space than this.
    min_free_mb: float = field(default=32.0, metadata=_check(lambda v: 0 <= v <= 1e6, "0–1e6"))
    #: Reserve file released when a write fails after the card was asked (0: none).
    reserve_kb: int = field(default=1024, metadata=_check(lambda v: 0 <= v <= 1 << 20, "0–1048576"))


@dataclass(frozen=True)
class PaymentSettings:
    """The card path: which reader, when to go online, electronic-cash and floor limits."""

    #: ``sim:PROFILE`` (in-process card simulator), ``pcsc`` (first reader) or ``pcsc:NAME``.
    reader: str = field(
        default="sim:debit-ec",
        metadata=_check(
            lambda v: v == "pcsc" or v.startswith(("sim:", "pcsc:")),
            "sim:PROFILE, pcsc or pcsc:READER NAME",
        ),
    )
    online: OnlinePolicy = OnlinePolicy.AUTO
    #: ``iso8583://HOST:PORT`` of the acquirer (CUPS POS dialect over TCP), ``sim`` for the
    #: in-process issuer simulator; empty: no host configured (offline only).
    host: str = ""
    #: Terminal master key for the acquirer link (32 hex digits, mode 0600), loaded at
    #: installation. Empty: ``<data_dir>/acquirer/tmk``.
    tmk_file: str = ""
    host_timeout_s: float = field(default=15.0, metadata=_check(lambda v: 0 < v <= 120, "0–120 s"))
    #: MAC of the acquirer link: ``ecb`` (UnionPay POS "ECB" MAC) or ``x9.19`` (ANSI X9.19
    #: retail MAC; ANSI X9.9 with a single-length MAC key), as the acquirer specifies.
    host_mac: str = field(
        default="ecb", metadata=_check(lambda v: v in ("ecb", "x9.19"), "ecb or x9.19")
    )
    #: 9F7B, EC terminal transaction limit: amounts below it may use electronic cash.
    ec_terminal_limit_fen: int = _fen(100_000)
    #: 9F1B, terminal floor limit: above it, a transaction goes online when it can.
    floor_limit_fen: int = _fen(50_000)
    #: Most the terminal holds in offline approvals not yet uploaded before refusing offline.
    max_offline_total_fen: int = _fen(2_000_000)
    #: Seconds the customer has to present a card.
    card_timeout_s: float = field(default=60.0, metadata=_check(lambda v: 1 <= v <= 600, "1–600 s"))
    #: Trust the project's test CA (A000000333/F7, ``assets/capk/test.json``), whose private
    #: key ships in ``assets/cards/keys``: demo mode only. Set to true with ``demo = false``
    #: it is a ConfigError, and the CA key store ignores it outside demo mode whatever it says.
    allow_test_keys: bool = True
    #: Certification revocation list (EMV Book 2 §5.3): issuer certificates as
    #: ``RID/index/serial`` in hex (``A000000333/08/123456``), separated by commas.
    revocation_list: str = ""
    #: Exception file (EMV Book 3 §10.6.1): a file of PAN tokens (``kiosk`` keyed hashes, never
    #: PANs), one a line; a listed card is declined. Empty: none.
    exception_file: str = ""
    #: SM2 CA public keys (PBOC SM profile) as ``RID/index=x‖y hex (64 bytes)``, by commas.
    sm2_ca_keys: str = ""
    #: CA key expiry dates as ``RID/index=YYYYMMDD`` by commas, RSA and SM2 alike (EMV Book 2
    #: §11.2.2): these win over ``assets/capk``; a key past its date is no longer used.
    ca_key_expiry: str = ""
    #: Secret for PAN tokens (keyed hashes that recognise a card without its PAN). Kiosks and
    #: gates of one site share it so that a gate knows the card that paid. Empty:
    #: ``<data_dir>/pan-token.key``, created on first use.
    pan_token_key_file: str = ""


@dataclass(frozen=True)
class PrinterSettings:
    """The receipt printer: ``preview``, ``tcp://host:9100``, ``usb://VID:PID``, ``serial://…``."""

    url: str = field(
        default="preview",
        metadata=_check(
            lambda v: v == "preview" or (_splits(v) and v.split("://", 1)[0] in _PRINTER_SCHEMES),
            "preview, tcp://, usb://, serial://, file:// or cups://",
        ),
    )
    width_mm: int = field(default=58, metadata=_check(lambda v: v in (58, 80), "58 or 80"))
    #: The printer has a GB18030 font; if not, Chinese lines are printed as images.
    chinese_font: bool = True
    status_timeout_s: float = field(default=2.0, metadata=_check(lambda v: 0 < v <= 30, "0–30 s"))


@dataclass(frozen=True)
class SyncSettings:
    """Upload of the journal to the back-office hub, heartbeats and parameter bundles
    (``docs/sync.md``). The hub's address and keys come from ``kiosk sync enroll``."""

    #: Sync runs in the kiosk process when true and the terminal is enrolled.
    enabled: bool = True
    #: Base URL of the hub (``https://hub.example:8443``); empty: the one enrolled with.
    hub_url: str = field(
        default="",
        metadata=_check(lambda v: not v or _matches(r"https?://\S+")(v), "http(s)://host[:port]"),
    )
    #: Seconds between uploads, heartbeats and parameter polls.
    interval_s: float = field(default=30.0, metadata=_check(lambda v: 1 <= v <= 3600, "1–3600 s"))
    #: Journal entries per upload request.
    batch_size: int = field(default=500, metadata=_check(lambda v: 1 <= v <= 5000, "1–5000"))
    #: Compress request bodies (``Content-Encoding: gzip``).
    gzip: bool = True
    #: Seconds to wait for the hub's answer to one request.
    timeout_s: float = field(default=10.0, metadata=_check(lambda v: 0 < v <= 120, "0–120 s"))
    #: PEM file of CAs trusted for the hub's TLS certificate; empty: the system's.
    ca_bundle: str = ""
    #: This terminal's signing key; empty: ``<data_dir>/sync/terminal.key`` (from enrolment).
    key_file: str = ""


@dataclass(frozen=True)
class UiSettings:
    """The screen: language, full screen, idle timeout, operator PIN."""

    language: str = field(
        default="zh_CN", metadata=_check(lambda v: v in ("zh_CN", "en"), "zh_CN or en")
    )
    fullscreen: bool = False
    idle_timeout_s: float = field(
        default=60.0, metadata=_check(lambda v: 5 <= v <= 3600, "5–3600 s")
    )
    #: PBKDF2 hash of the operator PIN (``kiosk admin set-pin``); empty: demo PIN 000000.
    operator_pin_hash: str = ""


def _plates(text: str) -> bool:
    """Whether ``text`` is empty or plates separated by commas (monthly passes)."""
    from kiosk.sales.plates import ParkingError, parse_plate  # plain rules: no cycle, no I/O

    try:
        [parse_plate(p) for p in text.split(",") if p.strip()]
    except ParkingError:
        return False
    return True


@dataclass(frozen=True)
class ParkingSettings:
    """The car park (``terminal.mode = parking``): places, tariff, lanes, barrier, camera."""

    #: Places in the car park; entries are refused when this many cars are inside.
    capacity: int = field(default=200, metadata=_check(lambda v: 1 <= v <= 100_000, "1–100000"))
    #: The tariff TOML file; empty: the demo tariff (assets/parking/demo-tariff.toml).
    tariff: str = ""
    #: Plates with a monthly pass (they pay nothing), separated by commas.
    monthly_passes: str = field(default="", metadata=_check(_plates, "plates, comma-separated"))
    #: The lane names this terminal's entries and exits are recorded under.
    entry_lane: str = field(
        default="IN1", metadata=_check(_matches(r"[A-Za-z0-9_-]{1,16}"), "1-16 of A-Z a-z 0-9 _ -")
    )
    exit_lane: str = field(
        default="OUT1", metadata=_check(_matches(r"[A-Za-z0-9_-]{1,16}"), "1-16 of A-Z a-z 0-9 _ -")
    )
    #: How the barrier is opened (docs/parking.md): ``serial:///dev/ttyUSB0?baudrate=9600``
    #: (LCUS-1 relay frames unless ``open=``/``close=`` give others), ``tcp://host:port?…``,
    #: ``cmd:PROGRAM ARGS`` or ``sim://``; empty: no barrier output (the attendant lifts it;
    #: the demo's is simulated).
    barrier: str = field(
        default="",
        metadata=_check(
            lambda v: not v or _matches(r"(serial|tcp|sim)://\S*|cmd:.+")(v),
            "serial://…, tcp://…, cmd:PROGRAM or sim://",
        ),
    )
    #: Seconds a ``cmd:`` barrier program may run, or a relay's port may take to open.
    barrier_timeout_s: float = field(default=5.0, metadata=_check(lambda v: 0 < v <= 60, "0–60 s"))
    #: ``host:port`` the plate cameras post to (docs/parking.md); empty: no camera endpoint.
    camera_listen: str = field(
        default="",
        metadata=_check(lambda v: not v or _matches(r"\S+:\d{1,5}")(v), "host:port"),
    )
    #: The secret cameras send in ``X-Kiosk-Camera-Secret``: 16 characters or more.
    camera_secret: str = field(
        default="", metadata=_check(lambda v: not v or len(v) >= 16, "16 characters or more")
    )
    #: Camera reads below this confidence (0–100) are left to the attendant.
    camera_min_confidence: int = field(
        default=80, metadata=_check(lambda v: 0 <= v <= 100, "0–100")
    )


@dataclass(frozen=True)
class MarketSettings:
    """The market counter's devices besides the printer and the card reader."""

    #: Customer pole display (LED-8, ``ESC Q A`` / ``ESC s``): ``serial:///dev/ttyUSB1?baudrate=2400``
    #: or ``tcp://host:port``; empty: none.
    pole_display: str = field(
        default="",
        metadata=_check(
            lambda v: not v or (_splits(v) and v.split("://", 1)[0] in ("serial", "tcp")),
            "serial:///dev/… or tcp://host:port",
        ),
    )
    #: How the lamp number of ``ESC s n`` is sent: ``ascii`` ('0'-'4') or ``binary`` (0-4).
    pole_lamps: str = field(
        default="ascii", metadata=_check(lambda v: v in ("ascii", "binary"), "ascii or binary")
    )


@dataclass(frozen=True)
class Settings:
    """All settings. ``data_dir`` holds the SQLite journal, keys and card-simulator state."""

    data_dir: Path = field(
        default=Path("var"),
        metadata=_check(lambda p: not p.exists() or p.is_dir(), "must be a directory"),
    )
    #: Demo mode: card simulator panel and printer preview are shown.
    demo: bool = True
    #: The market counter's scale (``kiosk scale-test``): ``serial:///dev/ttyUSB0?baudrate=9600``
    #: (MT-SICS; ``&protocol=xk3190``), ``tcp://host:port``, ``sim://`` (simulated); empty: none
    #: (the demo's simulated one in demo mode). ``$KIOSK_SCALE`` overrides it.
    scale: str = field(
        default="",
        metadata=_check(
            lambda v: not v or (_splits(v) and v.split("://", 1)[0] in _SCALE_SCHEMES),
            "serial://, tcp:// or sim://",
        ),
    )
    terminal: TerminalSettings = field(default_factory=TerminalSettings)
    journal: JournalSettings = field(default_factory=JournalSettings)
    payment: PaymentSettings = field(default_factory=PaymentSettings)
    printer: PrinterSettings = field(default_factory=PrinterSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    market: MarketSettings = field(default_factory=MarketSettings)
    parking: ParkingSettings = field(default_factory=ParkingSettings)
    source: str = field(default="defaults", compare=False)

    @property
    def journal_url(self) -> str:
        """The journal's SQLAlchemy URL (SQLite in ``data_dir`` unless configured)."""
        return self.journal.url or f"sqlite:///{self.data_dir / 'journal.db'}"

    @property
    def scale_url(self) -> str:
        """The scale to weigh with: the configured one, the simulated one in demo mode, or
        "" for none."""
        return self.scale or ("sim://" if self.demo else "")


def load_settings(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Load settings from ``path`` (or the default places), then apply environment overrides."""
    environ = os.environ if environ is None else environ
    chosen = (
        Path(path)
        if path
        else (
            Path(environ["KIOSK_CONFIG"])
            if environ.get("KIOSK_CONFIG")
            else next((p for p in DEFAULT_PATHS if p.is_file()), None)
        )
    )
    data: dict[str, Any] = {}
    source = "defaults"
    if chosen is not None:
        data = _read_toml(chosen)
        source = str(chosen)
    _apply_env(data, environ)
    return parse_settings(data, source=source)


def parse_settings(data: Mapping[str, Any], *, source: str = "defaults") -> Settings:
    """Settings from the tables a TOML file holds, checked as :func:`load_settings` checks a
    file (a writer validates with it before it writes). Raises ConfigError naming the key."""
    settings = _build(Settings, data, prefix="")
    _check_test_keys(data, settings)
    return dataclasses.replace(settings, source=source)


#: A terminal's config is a few kilobytes; anything far larger is not one.
MAX_CONFIG_BYTES = 256 * KIB


def _check_test_keys(data: Mapping[str, Any], settings: Settings) -> None:
    """The test CA's private key ships with the project: a production terminal trusting it
    would approve forged cards offline, so asking for it outside demo mode is refused. The
    default (true) is no request: outside demo mode the key store drops the test CA anyway."""
    asked = "allow_test_keys" in data.get("payment", {})
    if asked and settings.payment.allow_test_keys and not settings.demo:
        raise ConfigError(
            "payment.allow_test_keys: the project's test CA key A000000333/F7 is trusted "
            "only with demo = true; set it to false",
            code="config.test_keys",
            key="payment.allow_test_keys",
        )


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ConfigError(f"config file not found: {path}", code="config.missing", path=str(path))
    text = read_text_bounded(
        path, limit=MAX_CONFIG_BYTES, what="config file", code="config.unreadable"
    )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML: {exc}", code="config.syntax", path=str(path)
        ) from exc
    except RecursionError as exc:  # tomllib recurses once per nested array or table
        raise ConfigError(
            f"{path}: not valid TOML: nested too deeply", code="config.syntax", path=str(path)
        ) from exc


def _apply_env(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    """Fold ``KIOSK_SECTION__KEY=value`` and ``KIOSK_KEY=value`` (top-level keys such as
    ``KIOSK_DATA_DIR``) into ``data`` as strings; typing happens in _build."""
    hints = typing.get_type_hints(Settings)
    top = {
        f.name
        for f in dataclasses.fields(Settings)
        if f.name != "source" and not dataclasses.is_dataclass(hints[f.name])
    }
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        section, sep, key = name[len(ENV_PREFIX) :].lower().partition("__")
        if not sep:
            if section in top:
                data[section] = _EnvString(value)
            continue
        table = data.setdefault(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{section}: must be a table", code="config.type", key=section)
        table[key] = _EnvString(value)


class _EnvString(str):
    """A value from the environment: converted to the field's type rather than type-checked."""


def _build(cls: type[T], data: Mapping[str, Any], *, prefix: str) -> T:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init and f.name != "source"}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        key = prefix + unknown[0]
        raise ConfigError(f"unknown setting {key!r}", code="config.unknown_key", key=key)
    values: dict[str, Any] = {}
    for name, raw in data.items():
        key = prefix + name
        f = fields[name]
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            if not isinstance(raw, Mapping):
                raise ConfigError(f"{key}: must be a table", code="config.type", key=key)
            values[name] = _build(hint, raw, prefix=key + ".")  # type: ignore[arg-type]
            continue
        value = _convert(key, hint, raw)
        check = f.metadata.get("check")
        if check is not None and not check(value):
            raise ConfigError(
                f"{key}: {value!r} is not allowed ({f.metadata['why']})",
                code="config.value",
                key=key,
            )
        values[name] = value
    return cls(**values)


_NOT = object()


def _env_bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


#: type -> (accept a TOML value or return _NOT, parse an environment string)
_CONVERTERS: dict[Any, tuple[Callable[[Any], Any], Callable[[str], Any]]] = {
    bool: (lambda v: v if isinstance(v, bool) else _NOT, _env_bool),
    int: (lambda v: v if isinstance(v, int) and not isinstance(v, bool) else _NOT, int),
    float: (lambda v: float(v) if _is_number(v) else _NOT, float),
    str: (lambda v: v if isinstance(v, str) else _NOT, str),
    Path: (lambda v: Path(v) if isinstance(v, str) and v else _NOT, Path),
}


def _convert(key: str, hint: Any, raw: Any) -> Any:
    """Convert a TOML value (or an environment string) to the field's type, or raise."""
    try:
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return hint(raw)
        from_toml, from_env = _CONVERTERS[hint]
        value = from_env(raw) if isinstance(raw, _EnvString) else from_toml(raw)
    except ValueError as exc:
        raise ConfigError(
            f"{key}: {raw!r} is not a valid {_type_name(hint)}", code="config.value", key=key
        ) from exc
    if value is _NOT:
        raise ConfigError(
            f"{key}: expected {_type_name(hint)}, got {type(raw).__name__} {raw!r}",
            code="config.type",
            key=key,
        )
    return value


def _type_name(hint: Any) -> str:
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return "one of " + ", ".join(repr(m.value) for m in hint)
    return {bool: "boolean", int: "integer", float: "number", str: "string", Path: "path"}.get(
        hint, str(hint)
    )


def documented_keys() -> list[str]:
    """Every settable key as ``section.key`` (top-level keys bare), for docs and tests."""

    def walk(cls: type, prefix: str) -> list[str]:
        hints = typing.get_type_hints(cls)
        out: list[str] = []
        for f in dataclasses.fields(cls):
            if f.name == "source":
                continue
            if dataclasses.is_dataclass(hints[f.name]):
                out += walk(hints[f.name], prefix + f.name + ".")
            else:
                out.append(prefix + f.name)
        return out

    return walk(Settings, "")

"""What ``kiosk doctor`` checks: each part the terminal needs, in plain words."""

from __future__ import annotations

import enum
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.config import Settings
from kiosk.errors import KioskError


class Status(enum.Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"

    @property
    def severity(self) -> int:
        return {Status.OK: 0, Status.WARN: 1, Status.FAIL: 2}[self]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str


def _config(settings: Settings) -> Check:
    if settings.demo:
        # Never mistaken for a terminal that takes money: the demo key signs its tickets.
        return Check("config", Status.WARN, f"DEMO mode (loaded from {settings.source})")
    return Check("config", Status.OK, f"loaded from {settings.source}")


def _pin(settings: Settings) -> Check:
    from kiosk.ui.operator_access import pin_matches, stored_pin_hash

    stored = stored_pin_hash(settings)
    if stored:
        pin_matches("", stored, demo=settings.demo)  # a hash this code cannot read raises
        return Check("pin", Status.OK, "operator PIN set")
    if settings.demo:
        return Check("pin", Status.WARN, "demo PIN 000000 (kiosk admin set-pin sets one)")
    return Check("pin", Status.FAIL, "no operator PIN: the menu is locked; run kiosk admin set-pin")


def _tickets(settings: Settings) -> Check:
    from kiosk.sales.gate import gate_keys

    keys = gate_keys(settings)  # ConfigError in production without a usable key file
    return Check("tickets", Status.OK, f"{len(keys)} ticket key(s): ids {sorted(keys)}")


def _journal(settings: Settings) -> Check:
    from kiosk.checkout.recovery import uncertain_payments
    from kiosk.journal.store import JournalStore
    from kiosk.journal.verify import verify_journal

    store = JournalStore(settings.journal_url, settings.terminal.id, key_dir=settings.data_dir)
    try:
        report = verify_journal(store)
        uncertain = uncertain_payments(store)
    finally:
        store.dispose()
    if not report.ok:
        return Check("journal", Status.FAIL, f"{store.safe_url}: {report.problems[0]}")
    detail = f"{store.safe_url}: {report.entries} entries, intact"
    if uncertain:
        # Money may have left a card without a recorded outcome: someone must reconcile.
        return Check(
            "journal", Status.WARN, f"{detail}; {len(uncertain)} payment(s) uncertain, to reconcile"
        )
    return Check("journal", Status.OK, detail)


def _disk(settings: Settings) -> Check:
    from kiosk.journal.disk import disk_guard, outcome_spool

    guard = disk_guard(settings)
    free = f"{guard.free_bytes() // (1024 * 1024)} MiB free in {guard.directory}"
    kept = len(outcome_spool(settings).records())
    if kept:
        # Paid sales wait outside the journal: they are written at the next start or sale.
        return Check("disk", Status.FAIL, f"{free}; {kept} record(s) kept, not yet journalled")
    if guard.free_bytes() < guard.min_free_bytes:
        return Check("disk", Status.FAIL, f"{free}, below journal.min_free_mb: no card taken")
    return Check("disk", Status.OK, free)


def _reader(settings: Settings) -> Check:
    if settings.payment.reader.startswith("sim:"):
        from kiosk.payment.cardsim.profiles import list_profiles

        profile = settings.payment.reader[4:]
        if profile not in {info.name for info in list_profiles()}:
            return Check("reader", Status.FAIL, f"no card simulator profile {profile!r}")
        if not settings.demo:
            return Check("reader", Status.FAIL, f"the card simulator ({profile}) outside demo mode")
        return Check("reader", Status.OK, f"card simulator ({profile})")
    from smartcard.Exceptions import SmartcardException
    from smartcard.System import readers

    try:
        names = [str(r) for r in readers()]
    except SmartcardException as exc:
        return Check("reader", Status.FAIL, f"PC/SC not available: {exc}")
    wanted = settings.payment.reader.partition(":")[2]
    if not names or (wanted and wanted not in names):
        return Check("reader", Status.FAIL, f"reader not found; PC/SC sees: {names or 'none'}")
    return Check("reader", Status.OK, ", ".join(names))


def _ca_keys(settings: Settings) -> Check:
    """Which CA keys a card may chain to here: a test key outside demo mode never."""
    from kiosk.payment.settings import ca_keys

    trusted = ca_keys(settings).trusted()
    status = Status.OK if trusted else Status.FAIL
    return Check("ca_keys", status, ", ".join(trusted) or "none trusted: no offline approval")


def _printer(settings: Settings) -> Check:
    from kiosk.checkout.documents import printer_from_settings

    status = printer_from_settings(settings).service.status()
    if not status.ready:
        return Check("printer", Status.FAIL, f"{settings.printer.url}: {status.describe()}")
    return Check("printer", Status.OK, f"{settings.printer.url}: {status.describe()}")


def _fonts(_settings: Settings) -> Check:
    if shutil.which("fc-list") is None:
        return Check("fonts", Status.WARN, "fc-list not found; cannot check for a CJK font")
    out = subprocess.run(
        ["fc-list", ":lang=zh-cn", "family"],  # noqa: S607 - PATH lookup
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    if not out.strip():
        return Check("fonts", Status.FAIL, "no Chinese font installed (fonts-noto-cjk)")
    return Check("fonts", Status.OK, out.splitlines()[0].split(",")[0])


def _language(settings: Settings) -> Check:
    qm = (
        Path(__file__).resolve().parents[1] / "assets" / "i18n" / f"kiosk_{settings.ui.language}.qm"
    )
    if settings.ui.language != "en" and not qm.is_file():
        return Check("language", Status.FAIL, f"missing {qm}")
    return Check("language", Status.OK, settings.ui.language)


def _sync(settings: Settings) -> Check:
    """Enrolment and the upload's state (docs/sync.md): a backlog with an error is a WARN,
    the journal keeps every entry until the hub has it."""
    from kiosk.journal.store import JournalStore
    from kiosk.sync.commands import describe
    from kiosk.sync.enrolment import EnrolmentError, load
    from kiosk.sync.state import SyncStateStore

    if not settings.sync.enabled:
        return Check("sync", Status.OK, "disabled (sync.enabled = false)")
    try:
        enrolled, _key = load(settings)
    except EnrolmentError as exc:
        status = Status.OK if exc.code == "sync.not_enrolled" and settings.demo else Status.WARN
        return Check(
            "sync", status, "not enrolled" if exc.code == "sync.not_enrolled" else str(exc)
        )
    store = JournalStore(settings.journal_url, settings.terminal.id, key_dir=settings.data_dir)
    try:
        state = SyncStateStore(store).status()
    finally:
        store.dispose()
    detail = f"{enrolled.hub_url}; " + describe(state).replace("\n", "; ")
    return Check("sync", Status.WARN if state.last_error else Status.OK, detail)


#: A WAL this large means checkpoints are not keeping up (a reader held open for hours).
WAL_WARN_BYTES = 64 * 1024 * 1024


def _reachable(name: str, url: str, default_port: int, down: Status, fix: str) -> Check:
    """``name``'s line for a TCP connection to ``url``'s host and port within 3 s: OK, or
    ``down`` with why and ``fix``."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "", parts.port or default_port), 3):
            return Check(name, Status.OK, f"{url} reachable")
    except OSError as exc:
        return Check(name, down, f"{url} unreachable ({exc.strerror or exc}): {fix}")


def _scale(settings: Settings) -> Check:
    """The market counter's scale (``scale``, ``$KIOSK_SCALE``) gives a weight within 2 s."""
    from kiosk.config import Mode
    from kiosk.scale.frames import ScaleError
    from kiosk.scale.scale import read_weight

    url = settings.scale_url
    if not url:
        needed = settings.terminal.mode is Mode.MARKET
        return Check("scale", Status.WARN if needed else Status.OK, "none (scale unset)")
    try:
        grams = read_weight(url, timeout_s=2.0)
    except ScaleError as exc:
        if exc.code in ("scale.empty", "scale.dynamic", "scale.busy", "scale.negative"):
            return Check("scale", Status.OK, f"{url}: answering ({exc.code})")
        return Check(
            "scale", Status.FAIL,
            f"{url}: {exc.code}: check its cable, baud rate and protocol (kiosk scale-test)",
        )  # fmt: skip
    return Check("scale", Status.OK, f"{url}: answering, {grams} g")


def _version(_settings: Settings) -> Check:
    from kiosk.version import version_line

    python = ".".join(map(str, sys.version_info[:3]))
    return Check("version", Status.OK, f"{version_line()}, Python {python}")


def _wal(settings: Settings) -> Check:
    """The SQLite journal's write-ahead log: large when checkpoints cannot run."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.journal_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return Check("wal", Status.OK, "not SQLite: no WAL file")
    wal = Path(f"{url.database}-wal")
    size = wal.stat().st_size if wal.exists() else 0
    detail = f"{size // 1024} KiB in {wal.name}"
    if size > WAL_WARN_BYTES:
        return Check(
            "wal", Status.WARN, f"{detail}: checkpoints lag; restart the kiosk to fold it in"
        )
    return Check("wal", Status.OK, detail)


def _hub(settings: Settings) -> Check:
    """The enrolled hub answers a TCP connection (the sync line says what it last took)."""
    from kiosk.sync.enrolment import EnrolmentError, load

    if not settings.sync.enabled:
        return Check("hub", Status.OK, "sync disabled")
    try:
        enrolled, _key = load(settings)
    except EnrolmentError:
        return Check("hub", Status.OK, "not enrolled (see the sync line)")
    port = 443 if enrolled.hub_url.startswith("https:") else 80
    fix = "check the network and kiosk-hub; sales go on, the journal keeps the backlog"
    return _reachable("hub", enrolled.hub_url, port, Status.WARN, fix)


def _clock(settings: Settings) -> Check:
    """This machine's clock against the enrolled hub's (its HTTP ``Date``, to the second):
    the hub refuses requests further off than ``MAX_SKEW_S``, and receipts carry the time."""
    import email.utils

    import httpx

    from kiosk.sync.enrolment import EnrolmentError, load
    from kiosk.sync.protocol import MAX_SKEW_S

    try:
        enrolled, _key = load(settings)
    except EnrolmentError:
        return Check("clock", Status.WARN, "not checked: no hub enrolled to compare with")
    try:
        sent = time.time()
        answer = httpx.get(enrolled.hub_url, timeout=3, verify=settings.sync.ca_bundle or True)
        received = time.time()
        offset = (
            email.utils.parsedate_to_datetime(answer.headers["date"]).timestamp()
            - (sent + received) / 2
        )
    except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
        return Check("clock", Status.WARN, f"not checked: the hub gave no time ({exc})")
    detail = f"{offset:+.0f} s against the hub"
    if abs(offset) > MAX_SKEW_S / 2:
        status = Status.FAIL if abs(offset) > MAX_SKEW_S else Status.WARN
        return Check("clock", status, f"{detail}: set the time (timedatectl set-ntp true)")
    return Check("clock", Status.OK, detail)


def _acquirer(settings: Settings) -> Check:
    """``payment.host`` = iso8583://: TMK file, TCP reachability, the last sign-on."""
    from kiosk.payment.host.health import link_health

    health = link_health(settings)
    if health is None:
        return Check("acquirer", Status.OK, f"none (payment.host = {settings.payment.host!r})")
    if not health.reachable:
        fix = "check the network or payment.host; online payments fall back to offline"
        return Check("acquirer", Status.FAIL, f"{health.describe()}: {fix}")
    return Check("acquirer", Status.OK if health.sign_on else Status.WARN, health.describe())


CHECKS: tuple[Callable[[Settings], Check], ...] = (
    _config,
    _pin,
    _tickets,
    _journal,
    _disk,
    _reader,
    _ca_keys,
    _printer,
    _fonts,
    _language,
    _sync,
    _scale,
    _hub,
    _acquirer,
    _clock,
    _wal,
    _version,
)


def run_checks(settings: Settings) -> Iterator[Check]:
    """Run every check; a check that raises a KioskError reports FAIL with its message
    (under the check's name: each function is named for the line it reports)."""
    for check in CHECKS:
        name = check.__name__.strip("_")
        try:
            yield check(settings)
        except KioskError as exc:
            yield Check(name, Status.FAIL, str(exc))

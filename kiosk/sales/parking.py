"""The car park's tariff engine: what a stay costs, with the breakdown the screen and the
receipt show. No Qt; no I/O besides reading a tariff file.

A tariff is data (:func:`parse_tariff`, the shape of ``assets/parking/demo-tariff.toml`` and of
the parameter bundle's ``parking`` section). :func:`exit_fee` applies it, in this order:

1. a monthly-pass plate pays nothing (line ``pass``);
2. a lost ticket pays the class's lost-ticket fee whatever the time (line ``lost``);
3. after a payment (``paid_at``): leaving within the grace costs nothing (line ``grace``);
   later, the time since the payment is charged as a new stay without the free minutes
   (line ``overtime``, then the windows below);
4. a stay of at most ``free_s`` seconds costs nothing (line ``free``);
5. otherwise the stay is cut into consecutive windows of ``window_s`` seconds counted from the
   entry (the last may be shorter), each charged on its own:

   - *day time* is the part of the window between ``day.start`` and ``day.end`` local time
     (the tariff's time zone), *night time* the rest. Day time in one window may be in two
     pieces (a window from 18:00 to 18:00 holds 18–20 and 08–18); the day charge is on the
     window's **total** day seconds: nothing without day time, else ``day_first_fen`` for the
     first ``day.first_s`` seconds (or part of them) plus ``day_step_fen`` per started
     ``day.step_s`` beyond them;
   - the night charge is ``night_step_fen`` per started ``night.step_s`` of the window's night
     time, at most ``night_cap_fen``;
   - the window costs the lesser of day + night and ``window_cap_fen``.

Breakdown: each window gives a ``day`` and a ``night`` line (the uncapped amounts; none for
zero seconds); a cap applied is its own **negative** line (``night_cap``, ``window_cap``), so
the lines always add up to ``fee_fen``. Durations are whole seconds (sub-seconds are dropped);
"started" steps round up. Prices are per vehicle class (the demo's large class pays double).
Datetimes must be timezone-aware; any zone is accepted, the day/night split uses the tariff's.
"""

from __future__ import annotations

import enum
import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.money import MAX_FEN, MoneyError, check_fen, format_fen
from kiosk.sales.plates import SPECIAL_SERIES, ParkingError

__all__ = [
    "DEMO_TARIFF",
    "ClassPrices",
    "Fee",
    "FeeLine",
    "ParkingError",
    "Tariff",
    "TariffError",
    "VehicleClass",
    "duration_words",
    "exit_fee",
    "load_tariff",
    "parse_tariff",
]

DEMO_TARIFF = Path(__file__).resolve().parents[2] / "assets" / "parking" / "demo-tariff.toml"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


class TariffError(ParkingError):
    """The tariff data is wrong (``key`` in the context names the bad entry)."""

    code = "parking.tariff"


class VehicleClass(enum.StrEnum):
    SMALL = "small"
    LARGE = "large"


@dataclass(frozen=True)
class FeeLine:
    """One line of the breakdown, shown on screen and on the receipt."""

    #: Stable id: window (not used as a line), day, night, night_cap, window_cap, lost, pass,
    #: free, grace, overtime.
    key: str
    label_zh: str
    label_en: str
    #: Signed: caps are negative lines, so the lines add up to the fee.
    amount_fen: int
    #: The 24-hour window (1-based) the line belongs to; 0 for lines about the whole stay.
    window: int = 0


@dataclass(frozen=True)
class Fee:
    fee_fen: int
    lines: tuple[FeeLine, ...]
    #: Seconds of the period charged: exit − entry, or exit − payment after a payment.
    duration_s: int


@dataclass(frozen=True)
class ClassPrices:
    """One vehicle class's amounts, in fen."""

    day_first_fen: int
    day_step_fen: int
    night_step_fen: int
    night_cap_fen: int
    window_cap_fen: int
    lost_fen: int


@dataclass(frozen=True)
class Tariff:
    name_zh: str
    name_en: str
    timezone: ZoneInfo
    free_s: int
    grace_s: int
    window_s: int
    day_start: time
    day_end: time
    day_first_s: int
    day_step_s: int
    night_step_s: int
    prices: Mapping[VehicleClass, ClassPrices]
    #: The special plate series this car park accepts (see kiosk.sales.plates).
    plate_series: tuple[str, ...]


# -- the fee ----------------------------------------------------------------------------------


def exit_fee(
    tariff: Tariff,
    entry: datetime,
    exit: datetime,
    vehicle_class: VehicleClass = VehicleClass.SMALL,
    *,
    lost_ticket: bool = False,
    monthly_pass: bool = False,
    paid_at: datetime | None = None,
) -> Fee:
    """What a car that entered at ``entry`` pays at ``exit`` (the rules in the module docstring).

    Raises ParkingError ``parking.naive_time`` (a datetime without a zone),
    ``parking.exit_before_entry``, ``parking.paid_outside_stay``, ``parking.too_long``.
    """
    start, end = _epoch(entry, "entry"), _epoch(exit, "exit")
    if end < start:
        raise ParkingError("the exit is before the entry", code="parking.exit_before_entry")
    prices = tariff.prices[VehicleClass(vehicle_class)]
    if monthly_pass:
        return Fee(0, (FeeLine("pass", "月卡车辆", "Monthly pass", 0),), end - start)
    if lost_ticket:
        fen = prices.lost_fen
        return Fee(fen, (FeeLine("lost", "遗失停车票", "Lost ticket", fen),), end - start)
    head: tuple[FeeLine, ...] = ()
    if paid_at is not None:
        paid = _epoch(paid_at, "paid_at")
        if not start <= paid <= end:
            raise ParkingError("the payment is outside the stay", code="parking.paid_outside_stay")
        minutes = _minutes_zh_en(tariff.grace_s)
        if end - paid <= tariff.grace_s:
            line = FeeLine(
                "grace", f"已付费，{minutes[0]}内离场", f"Paid, left within {minutes[1]}", 0
            )
            return Fee(0, (line,), end - paid)
        overtime = _minutes_zh_en(end - paid)
        head = (
            FeeLine(
                "overtime",
                f"付费后超过{minutes[0]}未离场，重新计费 {overtime[0]}",
                f"Not gone {minutes[1]} after paying: charged again for {overtime[1]}",
                0,
            ),
        )
        start = paid
    elif end - start <= tariff.free_s:
        free = _minutes_zh_en(tariff.free_s)
        line = FeeLine("free", f"{free[0]}内免费", f"Free within {free[1]}", 0)
        return Fee(0, (line,), end - start)
    lines = list(head)
    count = -(-(end - start) // tariff.window_s)
    if count * prices.window_cap_fen > MAX_FEN:  # refused before a long loop over the windows
        raise ParkingError("the stay is too long to charge", code="parking.too_long")
    for n, w_start in enumerate(range(start, end, tariff.window_s), start=1):
        w_end = min(w_start + tariff.window_s, end)
        lines += _window_lines(tariff, prices, w_start, w_end, n=n, named=count > 1)
    fee = sum(line.amount_fen for line in lines)
    return Fee(fee, tuple(lines), end - start)


def _window_lines(
    t: Tariff, p: ClassPrices, start: int, end: int, *, n: int, named: bool
) -> list[FeeLine]:
    """The lines of window ``n``, [start, end) in epoch seconds; ``named``: say which window."""
    day_s = _day_seconds(t, start, end)
    night_s = end - start - day_s
    zh_prefix = f"第{n}个24小时 " if named else ""
    en_prefix = f"Day {n}, " if named else ""
    word = str.lower if named else str.capitalize
    lines: list[FeeLine] = []
    day = night = 0
    if day_s:
        day = p.day_first_fen + p.day_step_fen * _steps(day_s - t.day_first_s, t.day_step_s)
        zh, en = duration_words(day_s)
        lines.append(
            FeeLine("day", f"{zh_prefix}白天 {zh}", f"{en_prefix}{word('daytime')} {en}", day, n)
        )
    if night_s:
        night = p.night_step_fen * _steps(night_s, t.night_step_s)
        zh, en = duration_words(night_s)
        lines.append(
            FeeLine("night", f"{zh_prefix}夜间 {zh}", f"{en_prefix}{word('night')} {en}", night, n)
        )
        if night > p.night_cap_fen:
            cap = format_fen(p.night_cap_fen)
            lines.append(
                FeeLine(
                    "night_cap",
                    f"{zh_prefix}夜间封顶 {cap}",
                    f"{en_prefix}{word('night')} cap {cap}",
                    p.night_cap_fen - night,
                    n,
                )
            )
            night = p.night_cap_fen
    if day + night > p.window_cap_fen:
        cap = format_fen(p.window_cap_fen)
        lines.append(
            FeeLine(
                "window_cap",
                f"{zh_prefix}24小时封顶 {cap}",
                f"{en_prefix}24-hour cap {cap}",
                p.window_cap_fen - day - night,
                n,
            )
        )
    return lines


def _steps(seconds: int, step_s: int) -> int:
    """Started steps of ``step_s`` in ``seconds`` (0 for none or less)."""
    return -(-seconds // step_s) if seconds > 0 else 0


def _day_seconds(t: Tariff, start: int, end: int) -> int:
    """Seconds of [start, end) (epoch seconds) between day_start and day_end, local time."""
    total = 0
    day = _local_date(t.timezone, start) - timedelta(days=1)
    last = _local_date(t.timezone, end)
    while day <= last:
        lo, hi = _day_span(t.timezone, t.day_start, t.day_end, day)
        total += max(0, min(hi, end) - max(lo, start))
        day += timedelta(days=1)
    return total


def _local_date(zone: ZoneInfo, epoch_s: int) -> date:
    return (_EPOCH + timedelta(seconds=epoch_s)).astimezone(zone).date()


@functools.lru_cache(maxsize=4096)
def _day_span(zone: ZoneInfo, start: time, end: time, day: date) -> tuple[int, int]:
    """Day time of local ``day`` as epoch seconds (cached: a stay asks for few dates)."""
    return (
        _epoch(datetime.combine(day, start, zone), "day"),
        _epoch(datetime.combine(day, end, zone), "day"),
    )


def _epoch(moment: datetime, what: str) -> int:
    """Whole seconds since 1970 of an aware datetime; ParkingError ``parking.naive_time``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ParkingError(
            f"{what} has no time zone: {moment.isoformat()}", code="parking.naive_time", what=what
        )
    return (moment - _EPOCH) // _SECOND


def duration_words(seconds: int) -> tuple[str, str]:
    """``2小时10分`` / ``2 h 10 min``, minutes rounded up (as the charge rounds up)."""
    hours, minutes = divmod(-(-seconds // 60), 60)
    if not hours:
        return f"{minutes}分", f"{minutes} min"
    if not minutes:
        return f"{hours}小时", f"{hours} h"
    return f"{hours}小时{minutes}分", f"{hours} h {minutes} min"


def _minutes_zh_en(seconds: int) -> tuple[str, str]:
    """``15分钟`` / ``15 min`` (longer spans as :func:`duration_words`)."""
    zh, en = duration_words(seconds)
    return (zh + "钟" if zh.endswith("分") and "小时" not in zh else zh), en


# -- loading ----------------------------------------------------------------------------------


def load_tariff(path: Path | None = None) -> Tariff:
    """Read a TOML tariff (the demo's by default); TariffError on a missing or bad file."""
    path = path or DEMO_TARIFF
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TariffError(f"tariff not found: {path}", code="parking.tariff_missing") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TariffError(f"{path}: not valid TOML: {exc}", code="parking.tariff_syntax") from exc
    return parse_tariff(data)


def parse_tariff(data: Mapping[str, Any]) -> Tariff:
    """A tariff from plain data (TOML or the bundle's JSON); TariffError naming the bad key.

    Pure: no files, no clock. Every vehicle class must have its prices.
    """
    if not isinstance(data, Mapping):
        raise TariffError("the tariff must be a table", key="")
    day, night = _table(data, "day"), _table(data, "night")
    classes = _table(data, "classes")
    prices = {}
    for cls in VehicleClass:
        table = _table(classes, cls.value, "classes.")
        prices[cls] = ClassPrices(
            **{
                name: _fen(table, name, f"classes.{cls.value}.")
                for name in ClassPrices.__dataclass_fields__
            }
        )
    unknown = set(classes) - {c.value for c in VehicleClass}
    if unknown:
        raise TariffError(f"unknown vehicle class {sorted(unknown)}", key="classes")
    day_start, day_end = _clock(day, "start"), _clock(day, "end")
    if not day_start < day_end:
        raise TariffError("day.start must be before day.end", key="day")
    series = data.get("plate_series", [])
    if not isinstance(series, list) or not set(series) <= set(SPECIAL_SERIES):
        raise TariffError(
            f"plate_series: a list from {''.join(SPECIAL_SERIES)}", key="plate_series"
        )
    zone_name = _text(data, "timezone")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TariffError(f"timezone: unknown zone {zone_name!r}", key="timezone") from exc
    return Tariff(
        name_zh=_text(data, "name_zh"),
        name_en=_text(data, "name_en"),
        timezone=zone,
        free_s=_seconds(data, "free_s", minimum=0),
        grace_s=_seconds(data, "grace_s", minimum=0),
        window_s=_seconds(data, "window_s"),
        day_start=day_start,
        day_end=day_end,
        day_first_s=_seconds(day, "first_s", "day."),
        day_step_s=_seconds(day, "step_s", "day."),
        night_step_s=_seconds(night, "step_s", "night."),
        prices=prices,
        plate_series=tuple(series),
    )


def _table(data: Mapping[str, Any], key: str, where: str = "") -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise TariffError(f"{where}{key}: expected a table", key=where + key)
    return value


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TariffError(f"{key}: expected text", key=key)
    return value.strip()


def _seconds(data: Mapping[str, Any], key: str, where: str = "", *, minimum: int = 1) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= 10**8:
        raise TariffError(f"{where}{key}: whole seconds, at least {minimum}", key=where + key)
    return value


def _fen(data: Mapping[str, Any], key: str, where: str) -> int:
    try:
        return check_fen(data.get(key), allow_zero=True)  # type: ignore[arg-type]
    except MoneyError as exc:
        raise TariffError(f"{where}{key}: {exc}", key=where + key) from exc


def _clock(data: Mapping[str, Any], key: str) -> time:
    value = data.get(key)
    try:
        return time.fromisoformat(value) if isinstance(value, str) else time.fromisoformat("")
    except ValueError as exc:
        raise TariffError(f"day.{key}: expected HH:MM", key=f"day.{key}") from exc

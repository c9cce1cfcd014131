"""The tariff engine on the demo tariff of issue 15: boundaries, properties, breakdown, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.sales.parking import (
    DEMO_TARIFF,
    ParkingError,
    TariffError,
    VehicleClass,
    exit_fee,
    load_tariff,
    parse_tariff,
)

TARIFF = load_tariff()
SH = ZoneInfo("Asia/Shanghai")
SMALL, LARGE = VehicleClass.SMALL, VehicleClass.LARGE


def at(day: int, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    """Local time (Asia/Shanghai) on day ``day`` of March 2026 (day 2 is a Monday)."""
    return datetime(2026, 3, day, hh, mm, ss, tzinfo=SH)


# (id, entry, exit, class, options, expected fen) -- each worked out by hand from the issue's
# rules: day 08-20 = ¥5 first started hour + ¥2 per started 30 min; night ¥1 per started hour,
# cap ¥5 per window; window cap ¥40; free ≤ 900 s; large double; lost ¥50/¥100; grace 15 min.
CASES: list[tuple[str, datetime, datetime, VehicleClass, dict[str, Any], int]] = [
    # free minutes
    ("zero-stay", at(2, 9), at(2, 9), SMALL, {}, 0),  # 0 s ≤ 900 s: free
    ("free-900s", at(2, 9), at(2, 9, 15), SMALL, {}, 0),  # exactly 900 s: still free
    ("free-over-901s", at(2, 9), at(2, 9, 15, 1), SMALL, {}, 500),  # 901 s day: first hour ¥5
    ("free-night-900s", at(2, 23), at(2, 23, 15), SMALL, {}, 0),  # 900 s at night: free
    ("night-16min", at(2, 23), at(2, 23, 16), SMALL, {}, 100),  # 960 s night: 1 started h = ¥1
    # the first hour of day time and each 30-minute step
    ("day-1h", at(2, 9), at(2, 10), SMALL, {}, 500),  # 3600 s: first hour only
    ("day-1h+1s", at(2, 9), at(2, 10, 0, 1), SMALL, {}, 700),  # 1 s over: 5 + 1 step = ¥7
    ("day-1h30", at(2, 9), at(2, 10, 30), SMALL, {}, 700),  # 1800 s over: 1 step = ¥7
    ("day-1h30+1s", at(2, 9), at(2, 10, 30, 1), SMALL, {}, 900),  # 2 steps: 5 + 4 = ¥9
    ("day-2h", at(2, 9), at(2, 11), SMALL, {}, 900),  # 3600 s over = 2 steps: ¥9
    ("day-2h10", at(2, 9), at(2, 11, 10), SMALL, {}, 1100),  # 4200 s over: 3 steps: 5 + 6
    # 08:00 and 20:00
    ("cross-20h", at(2, 19, 30), at(2, 20, 30), SMALL, {}, 600),  # day 30 min ¥5 + night ¥1
    ("cross-08h", at(2, 7, 30), at(2, 8, 30), SMALL, {}, 600),  # night 30 min ¥1 + day ¥5
    ("from-20h-is-night", at(2, 20), at(2, 20, 30), SMALL, {}, 100),  # 20:00 is night: ¥1
    ("until-08h-is-night", at(2, 7, 40), at(2, 8), SMALL, {}, 100),  # 1200 s night: ¥1
    ("from-08h-is-day", at(2, 8), at(2, 8, 20), SMALL, {}, 500),  # 1200 s day: ¥5
    # the night cap
    ("night-1h", at(2, 21), at(2, 22), SMALL, {}, 100),  # 1 h: ¥1
    ("night-1h+1s", at(2, 21), at(2, 22, 0, 1), SMALL, {}, 200),  # 2 started hours: ¥2
    ("night-5h-at-cap", at(2, 21), at(3, 2), SMALL, {}, 500),  # 5 h = ¥5 = the cap
    ("night-5h+1s-capped", at(2, 21), at(3, 2, 0, 1), SMALL, {}, 500),  # 6 h ¥6 -> cap ¥5
    ("whole-night-capped", at(2, 20), at(3, 8), SMALL, {}, 500),  # 12 h ¥12 -> cap ¥5
    # the 24-hour window cap
    ("day-9h30-under-cap", at(2, 8), at(2, 17, 30), SMALL, {}, 3900),  # 5 + 17 × 2 = ¥39
    ("day-9h30+1s-capped", at(2, 8), at(2, 17, 30, 1), SMALL, {}, 4000),  # 5 + 36 = 41 -> ¥40
    ("whole-day-capped", at(2, 8), at(2, 20), SMALL, {}, 4000),  # 5 + 22 × 2 = 49 -> ¥40
    ("day-and-night-capped", at(2, 10), at(2, 22), SMALL, {}, 4000),  # 10 h day ¥41 + ¥2 -> 40
    # day time split in two pieces within one window: charged on the total day seconds
    ("split-day-2h", at(2, 19), at(3, 9), SMALL, {}, 1400),  # day 1 h + 1 h = 2 h ¥9; night ¥5
    ("split-day-1h", at(2, 19, 30), at(3, 8, 30), SMALL, {}, 1000),  # day 30+30 min ¥5; night ¥5
    # multi-day stays: each 24-hour window on its own, no free minutes again
    ("24h", at(2, 9), at(3, 9), SMALL, {}, 4000),  # day 12 h ¥49 + night ¥5 -> ¥40
    ("24h+1s", at(2, 9), at(3, 9, 0, 1), SMALL, {}, 4500),  # window 2: 1 s day = ¥5
    ("24h+20min-night", at(2, 21), at(3, 21, 20), SMALL, {}, 4100),  # ¥40 + 20 min night ¥1
    ("72h", at(2, 9), at(5, 9), SMALL, {}, 12000),  # 3 full windows × ¥40
    ("72h+2h10", at(2, 9), at(5, 11, 10), SMALL, {}, 13100),  # ¥120 + ¥11
    # large vehicles: double
    ("large-2h10", at(2, 9), at(2, 11, 10), LARGE, {}, 2200),  # 2 × ¥11
    ("large-24h", at(2, 9), at(3, 9), LARGE, {}, 8000),  # cap ¥80
    ("large-night", at(2, 20), at(3, 8), LARGE, {}, 1000),  # night cap ¥10
    ("large-free", at(2, 9), at(2, 9, 15), LARGE, {}, 0),  # free minutes too
    # lost ticket and monthly pass
    ("lost", at(2, 9), at(2, 9, 5), SMALL, {"lost_ticket": True}, 5000),  # ¥50 whatever the time
    ("lost-3-days", at(2, 9), at(5, 9), SMALL, {"lost_ticket": True}, 5000),  # still ¥50
    ("lost-large", at(2, 9), at(2, 9, 5), LARGE, {"lost_ticket": True}, 10000),  # ¥100
    ("pass", at(2, 9), at(5, 11), SMALL, {"monthly_pass": True}, 0),  # pass pays nothing
    # grace after paying at 11:10 (entry 09:00)
    ("grace-900s", at(2, 9), at(2, 11, 25), SMALL, {"paid_at": at(2, 11, 10)}, 0),  # 900 s
    ("grace-over-901s", at(2, 9), at(2, 11, 25, 1), SMALL, {"paid_at": at(2, 11, 10)}, 500),
    # ^ 901 s since paying, no free minutes: day first hour ¥5
    ("grace-over-into-night", at(2, 9), at(2, 20, 20), SMALL, {"paid_at": at(2, 19, 50)}, 600),
    # ^ 30 min since paying: day 10 min ¥5 + night 20 min ¥1
]


@pytest.mark.parametrize(
    ("entry", "exit_", "cls", "options", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_demo_tariff(
    entry: datetime, exit_: datetime, cls: VehicleClass, options: dict[str, Any], expected: int
) -> None:
    """The demo tariff charges each boundary case what the issue's rules give by hand."""
    fee = exit_fee(TARIFF, entry, exit_, cls, **options)
    assert fee.fee_fen == expected
    assert sum(line.amount_fen for line in fee.lines) == expected


def test_at_least_thirty_cases() -> None:
    """The issue asks for at least 30 boundary cases."""
    assert len(CASES) >= 30


def test_breakdown_of_a_capped_window() -> None:
    """A night over its cap and a window over ¥40 show as negative cap lines."""
    fee = exit_fee(TARIFF, at(2, 9), at(3, 9))  # day 12 h ¥49, night 12 h ¥12
    assert [(line.key, line.amount_fen) for line in fee.lines] == [
        ("day", 4900),
        ("night", 1200),
        ("night_cap", -700),
        ("window_cap", -1400),
    ]
    assert fee.lines[0].label_zh == "白天 12小时"
    assert fee.lines[0].label_en == "Daytime 12 h"
    assert fee.duration_s == 86400


def test_breakdown_words() -> None:
    """2 h 10 min of day time reads as such; a second window is named 第2个24小时 / Day 2."""
    fee = exit_fee(TARIFF, at(2, 9), at(2, 11, 10))
    assert [(x.label_zh, x.label_en) for x in fee.lines] == [
        ("白天 2小时10分", "Daytime 2 h 10 min")
    ]
    two = exit_fee(TARIFF, at(2, 9), at(3, 9, 20))
    assert two.lines[-1].label_zh == "第2个24小时 白天 20分"
    assert two.lines[-1].label_en == "Day 2, daytime 20 min"
    assert two.lines[-1].window == 2


def test_special_lines() -> None:
    """Free, lost, pass, grace and overtime each say so in one line."""
    assert exit_fee(TARIFF, at(2, 9), at(2, 9, 10)).lines[0].key == "free"
    assert exit_fee(TARIFF, at(2, 9), at(2, 9, 10), lost_ticket=True).lines[0].key == "lost"
    assert exit_fee(TARIFF, at(2, 9), at(2, 9, 10), monthly_pass=True).lines[0].key == "pass"
    grace = exit_fee(TARIFF, at(2, 9), at(2, 11, 20), paid_at=at(2, 11, 10))
    assert [x.key for x in grace.lines] == ["grace"]
    assert grace.lines[0].label_zh == "已付费，15分钟内离场"
    late = exit_fee(TARIFF, at(2, 9), at(2, 11, 40), paid_at=at(2, 11, 10))
    assert [x.key for x in late.lines] == ["overtime", "day"]
    assert late.duration_s == 1800


def test_any_time_zone_in() -> None:
    """Times in UTC are split into day and night in Shanghai time: 01:00Z is 09:00 there."""
    entry = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert exit_fee(TARIFF, entry, entry + timedelta(hours=2, minutes=10)).fee_fen == 1100


@pytest.mark.parametrize(
    ("entry", "exit_", "options", "code"),
    [
        (datetime(2026, 3, 2, 9), at(2, 10), {}, "parking.naive_time"),
        (at(2, 9), datetime(2026, 3, 2, 10), {}, "parking.naive_time"),
        (at(2, 10), at(2, 9), {}, "parking.exit_before_entry"),
        (at(2, 9), at(2, 10), {"paid_at": at(2, 11)}, "parking.paid_outside_stay"),
        (at(2, 9), at(2, 10), {"paid_at": at(2, 8)}, "parking.paid_outside_stay"),
        (at(2, 9), at(2, 10), {"paid_at": datetime(2026, 3, 2, 9, 30)}, "parking.naive_time"),
    ],
)
def test_bad_stays(entry: datetime, exit_: datetime, options: dict[str, Any], code: str) -> None:
    """A naive datetime, an exit before the entry, a payment outside the stay: typed errors."""
    with pytest.raises(ParkingError) as err:
        exit_fee(TARIFF, entry, exit_, **options)
    assert err.value.code == code


def test_too_long_a_stay() -> None:
    """A stay whose fee passes the money limit is refused, not wrapped or truncated."""
    with pytest.raises(ParkingError) as err:
        exit_fee(TARIFF, at(2, 9), at(2, 9) + timedelta(days=300_000))
    assert err.value.code == "parking.too_long"


# -- properties -------------------------------------------------------------------------------

entries = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(SH)
)
stays = st.integers(min_value=0, max_value=5 * 86400)
classes = st.sampled_from(list(VehicleClass))


@given(entries, stays, stays, classes)
def test_fee_never_decreases_as_the_stay_grows(
    entry: datetime, a: int, b: int, cls: VehicleClass
) -> None:
    """A longer stay never costs less."""
    short, long_ = sorted((a, b))
    fee_short = exit_fee(TARIFF, entry, entry + timedelta(seconds=short), cls).fee_fen
    fee_long = exit_fee(TARIFF, entry, entry + timedelta(seconds=long_), cls).fee_fen
    assert fee_short <= fee_long


@given(entries, stays, classes)
def test_no_window_over_its_cap(entry: datetime, seconds: int, cls: VehicleClass) -> None:
    """Each 24-hour window's lines add up to at most the class's cap, and never below zero."""
    fee = exit_fee(TARIFF, entry, entry + timedelta(seconds=seconds), cls)
    cap = TARIFF.prices[cls].window_cap_fen
    windows: dict[int, int] = {}
    for line in fee.lines:
        windows[line.window] = windows.get(line.window, 0) + line.amount_fen
    assert all(0 <= total <= cap for total in windows.values())
    assert sum(windows.values()) == fee.fee_fen


@given(entries, stays, st.booleans())
def test_large_pays_exactly_double(entry: datetime, seconds: int, lost: bool) -> None:
    """For the same stay a large vehicle pays exactly twice what a small one pays."""
    exit_ = entry + timedelta(seconds=seconds)
    small = exit_fee(TARIFF, entry, exit_, SMALL, lost_ticket=lost).fee_fen
    assert exit_fee(TARIFF, entry, exit_, LARGE, lost_ticket=lost).fee_fen == 2 * small


# -- loading ----------------------------------------------------------------------------------


def _demo_data() -> dict[str, Any]:
    import tomllib

    return tomllib.loads(DEMO_TARIFF.read_text(encoding="utf-8"))


def test_demo_tariff_data() -> None:
    """The demo file holds the issue's numbers."""
    assert (TARIFF.free_s, TARIFF.grace_s, TARIFF.window_s) == (900, 900, 86400)
    assert str(TARIFF.timezone) == "Asia/Shanghai"
    assert TARIFF.prices[SMALL].window_cap_fen == 4000
    assert TARIFF.prices[LARGE].lost_fen == 10000


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda d: d.pop("timezone"), "timezone"),
        (lambda d: d.update(timezone="Mars/Olympus"), "timezone"),
        (lambda d: d.update(window_s=0), "window_s"),
        (lambda d: d.update(free_s=-1), "free_s"),
        (lambda d: d.update(free_s=True), "free_s"),
        (lambda d: d["day"].update(start="25:00"), "day.start"),
        (lambda d: d["day"].update(start="21:00"), "day"),
        (lambda d: d["day"].update(step_s=0), "day.step_s"),
        (lambda d: d["night"].pop("step_s"), "night.step_s"),
        (lambda d: d["classes"].pop("large"), "classes.large"),
        (lambda d: d["classes"]["small"].update(lost_fen=-5), "classes.small.lost_fen"),
        (lambda d: d["classes"]["small"].update(day_step_fen=1.5), "classes.small.day_step_fen"),
        (lambda d: d["classes"].update(bus={}), "classes"),
        (lambda d: d.update(plate_series=["X"]), "plate_series"),
    ],
)
def test_bad_tariff_data(change: Any, key: str) -> None:
    """Each bad entry is refused with TariffError naming its key."""
    data = _demo_data()
    change(data)
    with pytest.raises(TariffError) as err:
        parse_tariff(data)
    assert err.value.code == "parking.tariff"
    assert err.value.context["key"] == key


def test_bad_tariff_files(tmp_path: Path) -> None:
    """A missing file and a file that is not TOML give their own codes."""
    with pytest.raises(TariffError) as err:
        load_tariff(tmp_path / "none.toml")
    assert err.value.code == "parking.tariff_missing"
    bad = tmp_path / "bad.toml"
    bad.write_text("free_s = [", encoding="utf-8")
    with pytest.raises(TariffError) as err:
        load_tariff(bad)
    assert err.value.code == "parking.tariff_syntax"

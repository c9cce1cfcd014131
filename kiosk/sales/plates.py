"""Chinese number plates (GA 36-2018, as summarised in the parking reference): parse, normalise,
classify, and say in plain words what is wrong with a bad one. No Qt, no I/O.

Shapes accepted (``S`` = a serial character: a digit or a Latin letter other than I and O):

- ordinary, 7 characters: province + authority letter + ``SSSSS`` (京A12345);
- new energy, 8 characters: province + authority letter + a 6-character serial, either small
  (energy letter, ``S``, four digits: 粤BD12345) or large (five digits, energy letter:
  粤B12345D). D and F were the first energy letters; A, B, C, E (pure electric) and G, H, J, K
  (not pure electric) follow when they run out, so all ten are accepted;
- special series, 7 characters: province + authority letter + ``SSSS`` + a series character
  (挂 trailer, 学 coach, 警 police, 领 consulate; 港/澳 only on 粤Z), or 使 + six digits
  (embassy). Which series a car park accepts is its tariff's ``plate_series``.

This module also holds the root of the parking errors (:class:`ParkingError`), because the
tariff engine (``kiosk.sales.parking``) builds on it and re-exports it.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from kiosk.errors import KioskError

__all__ = [
    "ENERGY_LETTERS",
    "PROVINCES",
    "SPECIAL_SERIES",
    "ParkingError",
    "Plate",
    "PlateError",
    "PlateKind",
    "parse_plate",
]

#: The 31 province-level abbreviations, in the order of the UI's province picker.
PROVINCES = tuple("京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新")
#: Serial letters: the Latin alphabet without I and O (they read as 1 and 0).
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "0123456789"
_SERIAL = frozenset(_LETTERS + _DIGITS)
#: New-energy letters: D, F first, then A B C E (pure electric) and G H J K (not pure).
ENERGY_LETTERS = frozenset("DFABCEGHJK")
#: Every special series this module knows; a tariff names the subset its car park accepts.
SPECIAL_SERIES = ("挂", "学", "警", "领", "港", "澳", "使")
#: Characters people and cameras put inside a plate that are not part of it.
_SEPARATORS = str.maketrans("", "", " \t·•・.-_")


class ParkingError(KioskError):
    """Parking refused the request or the data: a bad plate, a bad tariff, a bad stay."""

    code = "parking.error"


class PlateError(ParkingError):
    """A plate that is not a plate: ``zh`` and ``en`` say why in words the attendant reads."""

    code = "plate.invalid"

    def __init__(self, code: str, zh: str, en: str, **context: Any) -> None:
        super().__init__(f"{en} / {zh}", code=code, **context)
        self.zh = zh
        self.en = en


class PlateKind(enum.StrEnum):
    ORDINARY = "ordinary"
    NEW_ENERGY = "new_energy"
    SPECIAL = "special"


@dataclass(frozen=True)
class Plate:
    """A valid plate: ``text`` normalised (no spaces or dots, upper case, half-width)."""

    text: str
    #: The province character; "" for an embassy (使) plate.
    province: str
    kind: PlateKind
    #: The special series character (挂, 警, 使, …); "" for ordinary and new-energy plates.
    series: str = ""

    def __str__(self) -> str:
        return self.text


def normalise(text: str) -> str:
    """Half-width, upper case, without spaces and the dot printed after the authority letter."""
    return unicodedata.normalize("NFKC", text).translate(_SEPARATORS).upper()


def parse_plate(text: str, *, series: Collection[str] = SPECIAL_SERIES) -> Plate:
    """The plate in ``text``, or PlateError naming what is wrong.

    ``series``: the special series accepted (the tariff's ``plate_series``). Codes:
    ``plate.empty``, ``plate.province``, ``plate.authority``, ``plate.letter_io``,
    ``plate.character``, ``plate.length``, ``plate.new_energy``, ``plate.series``.
    """
    plate = normalise(text)
    if not plate:
        raise PlateError("plate.empty", "请输入车牌号", "Enter the plate number")
    if plate[0] == "使":
        return _embassy(plate, series)
    if plate[0] not in PROVINCES:
        raise PlateError(
            "plate.province",
            f"“{plate[0]}”不是省份简称",
            f"“{plate[0]}” is not a province abbreviation",
            plate=plate,
        )
    if len(plate) < 2 or plate[1] not in _LETTERS + "IO":
        raise PlateError(
            "plate.authority",
            "省份简称后应是一个字母",
            "The province must be followed by one letter",
            plate=plate,
        )
    rest = plate[2:]
    if rest and rest[-1] in SPECIAL_SERIES:
        return _special(plate, series)
    _check_serial(plate, rest)
    if len(rest) == 5:
        return Plate(plate, plate[0], PlateKind.ORDINARY)
    if len(rest) == 6:
        small = rest[0] in ENERGY_LETTERS and all(c in _DIGITS for c in rest[2:])
        large = rest[5] in ENERGY_LETTERS and all(c in _DIGITS for c in rest[:5])
        if small or large:
            return Plate(plate, plate[0], PlateKind.NEW_ENERGY)
        raise PlateError(
            "plate.new_energy",
            "新能源车牌：字母D/F等在序号首位后跟数字，或五位数字后跟D/F等",
            "New-energy plate: D/F (or A–K) first then digits, or five digits then D/F",
            plate=plate,
        )
    raise PlateError(
        "plate.length",
        f"车牌应为7位（新能源8位），这里是{len(plate)}位",
        f"A plate has 7 characters (new energy 8), this has {len(plate)}",
        plate=plate,
    )


def _check_serial(plate: str, serial: str) -> None:
    """Refuse I, O and anything but digits and letters in the serial."""
    if "I" in serial or "O" in serial or plate[1] in "IO":
        raise PlateError(
            "plate.letter_io",
            "车牌不使用字母I和O（请用数字1和0）",
            "Plates do not use the letters I and O (use the digits 1 and 0)",
            plate=plate,
        )
    bad = next((c for c in serial if c not in _SERIAL), None)
    if bad is not None:
        raise PlateError(
            "plate.character",
            f"车牌中不能有“{bad}”",
            f"“{bad}” cannot be in a plate",
            plate=plate,
        )


def _refuse_series(plate: str, mark: str, series: Collection[str]) -> None:
    if mark not in series:
        raise PlateError(
            "plate.series",
            f"本停车场不接受“{mark}”字号牌",
            f"This car park does not take “{mark}” plates",
            plate=plate,
        )


def _special(plate: str, series: Collection[str]) -> Plate:
    mark, serial = plate[-1], plate[2:-1]
    _check_serial(plate, serial)
    if len(plate) != 7:
        raise PlateError(
            "plate.length",
            f"“{mark}”字号牌应为7位：省份、字母、4位序号、“{mark}”",
            f"A “{mark}” plate has 7 characters: province, letter, 4 serial, “{mark}”",
            plate=plate,
        )
    if mark in "港澳" and plate[:2] != "粤Z":
        raise PlateError(
            "plate.series",
            f"“{mark}”字号牌以“粤Z”开头",
            f"A “{mark}” plate starts with 粤Z",
            plate=plate,
        )
    if mark == "使":
        raise PlateError(
            "plate.character", "“使”在车牌首位", "“使” stands first in a plate", plate=plate
        )
    _refuse_series(plate, mark, series)
    return Plate(plate, plate[0], PlateKind.SPECIAL, mark)


def _embassy(plate: str, series: Collection[str]) -> Plate:
    if len(plate) != 7 or not all(c in _DIGITS for c in plate[1:]):
        raise PlateError(
            "plate.length",
            "使馆车牌为“使”加6位数字",
            "An embassy plate is 使 and six digits",
            plate=plate,
        )
    _refuse_series(plate, "使", series)
    return Plate(plate, "", PlateKind.SPECIAL, "使")

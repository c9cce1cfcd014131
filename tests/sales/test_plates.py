"""Chinese plates: good ones normalised and classified, bad ones refused in plain words."""

from __future__ import annotations

import pytest

from kiosk.sales.parking import ParkingError
from kiosk.sales.plates import PROVINCES, PlateError, PlateKind, parse_plate


@pytest.mark.parametrize(
    ("text", "plate", "province", "kind", "series"),
    [
        ("京A12345", "京A12345", "京", PlateKind.ORDINARY, ""),
        (" 沪b·8x9z7 ", "沪B8X9Z7", "沪", PlateKind.ORDINARY, ""),  # spaces, dot, lower case
        ("粤Ｂ１２３４５", "粤B12345", "粤", PlateKind.ORDINARY, ""),  # full-width
        ("新Z-ABCDE", "新ZABCDE", "新", PlateKind.ORDINARY, ""),
        ("粤BD12345", "粤BD12345", "粤", PlateKind.NEW_ENERGY, ""),  # small, pure electric
        ("粤BFA2345", "粤BFA2345", "粤", PlateKind.NEW_ENERGY, ""),  # small, letter in pos. 2
        ("粤B12345D", "粤B12345D", "粤", PlateKind.NEW_ENERGY, ""),  # large
        ("浙AA12345", "浙AA12345", "浙", PlateKind.NEW_ENERGY, ""),  # A after D/F ran out
        ("苏E1234挂", "苏E1234挂", "苏", PlateKind.SPECIAL, "挂"),
        ("鲁A1234学", "鲁A1234学", "鲁", PlateKind.SPECIAL, "学"),
        ("京A0001警", "京A0001警", "京", PlateKind.SPECIAL, "警"),
        ("粤Z9065澳", "粤Z9065澳", "粤", PlateKind.SPECIAL, "澳"),
        ("沪A1234领", "沪A1234领", "沪", PlateKind.SPECIAL, "领"),
        ("使123456", "使123456", "", PlateKind.SPECIAL, "使"),
    ],
)
def test_good_plates(text: str, plate: str, province: str, kind: PlateKind, series: str) -> None:
    """Each shape of GA 36-2018 parses, normalised, with its province and kind."""
    got = parse_plate(text)
    assert (got.text, got.province, got.kind, got.series) == (plate, province, kind, series)
    assert str(got) == plate


@pytest.mark.parametrize(
    ("text", "code", "zh_part"),
    [
        ("", "plate.empty", "请输入"),
        ("  · ", "plate.empty", "请输入"),
        ("X12345", "plate.province", "不是省份简称"),
        ("A京12345", "plate.province", "不是省份简称"),
        ("京", "plate.authority", "字母"),
        ("京112345", "plate.authority", "字母"),
        ("京A1234", "plate.length", "7位"),
        ("京A1234567", "plate.length", "7位"),
        ("京AI2345", "plate.letter_io", "I和O"),
        ("京A12O45", "plate.letter_io", "I和O"),
        ("京IA2345", "plate.letter_io", "I和O"),
        ("京A12#45", "plate.character", "#"),
        ("京A12警45", "plate.character", "警"),
        ("粤BX12345", "plate.new_energy", "新能源"),  # X is no energy letter
        ("粤BD1234A", "plate.new_energy", "新能源"),  # small: positions 3-6 digits
        ("粤B1234XD", "plate.new_energy", "新能源"),  # large: positions 1-5 digits
        ("京A1234港", "plate.series", "粤Z"),  # Hong Kong plates are 粤Z
        ("苏E12345挂", "plate.length", "7位"),
        ("使12345", "plate.length", "使"),
        ("使12A456", "plate.length", "使"),
    ],
)
def test_bad_plates(text: str, code: str, zh_part: str) -> None:
    """A bad plate raises PlateError with a stable code and words in Chinese and English."""
    with pytest.raises(PlateError) as err:
        parse_plate(text)
    assert err.value.code == code
    assert zh_part in err.value.zh
    assert err.value.en and err.value.en in str(err.value)
    assert isinstance(err.value, ParkingError)


def test_series_the_car_park_does_not_take() -> None:
    """A special series outside the tariff's list is refused; the same plate passes with it."""
    with pytest.raises(PlateError) as err:
        parse_plate("京A0001警", series=("挂",))
    assert err.value.code == "plate.series"
    assert "警" in err.value.zh
    assert parse_plate("京A0001警", series=("警",)).series == "警"
    with pytest.raises(PlateError):
        parse_plate("使123456", series=())


def test_provinces_for_the_picker() -> None:
    """31 distinct province characters, Beijing first and Xinjiang last (the usual order)."""
    assert len(PROVINCES) == 31 == len(set(PROVINCES))
    assert (PROVINCES[0], PROVINCES[-1]) == ("京", "新")
    for province in PROVINCES:
        assert parse_plate(province + "A12345").province == province

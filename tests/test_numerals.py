"""Chinese numerals and digits, both ways."""

from __future__ import annotations

import pytest

from qa.numerals import chinese_to_number, find_numbers, number_to_chinese, spellings, year_to_chinese


@pytest.mark.parametrize(
    ("text", "value"),
    [("二十九", 29), ("十二", 12), ("二〇二四", 2024), ("三千", 3000), ("一万五千", 15000), ("八点四", 8.4), ("一百零五", 105)],
)
def test_chinese_to_number(text, value):
    assert chinese_to_number(text) == value


def test_chinese_to_number_refuses_other_text():
    assert chinese_to_number("樱桃") is None
    assert chinese_to_number("") is None


@pytest.mark.parametrize("value", [1, 10, 12, 29, 105, 600, 3000, 15000, 20304])
def test_number_to_chinese_reads_back(value):
    assert chinese_to_number(number_to_chinese(value)) == value


def test_year_is_written_digit_by_digit():
    assert year_to_chinese(2024) == "二〇二四"


def test_find_numbers_reads_units_percent_and_scale():
    found = [(m.text, m.value, m.unit) for m in find_numbers("一季度增长百分之二十九，2024年完成8.4亿元，3号线")]
    assert found == [
        ("一季度", 1, "季度"),
        ("百分之二十九", 29, "%"),
        ("2024年", 2024, "年"),
        ("8.4亿元", 840_000_000, "元"),
        ("3号线", 3, "号线"),
    ]


def test_a_lone_chinese_digit_is_a_word_not_a_number():
    assert find_numbers("大家一起来") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一季度", ["一季度", "1季度"]),
        ("1季度", ["1季度", "一季度"]),
        ("二〇二四年", ["二〇二四年", "2024年"]),
        ("29%", ["29%", "百分之二十九"]),
        ("三千", ["三千", "3000"]),
    ],
)
def test_spellings_cover_both_directions(text, expected):
    assert spellings(find_numbers(text)[0])[: len(expected)] == expected

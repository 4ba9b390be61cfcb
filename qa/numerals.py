"""Chinese numerals and digits: read either, write either.

    >>> chinese_to_number("二十九"), chinese_to_number("二〇二四"), chinese_to_number("三千"), chinese_to_number("八点四")
    (29, 2024, 3000, 8.4)
    >>> number_to_chinese(29), year_to_chinese(2024)
    ('二十九', '二〇二四')
    >>> [(m.value, m.unit) for m in find_numbers("一季度增长百分之二十九，2024年")]
    [(1, '季度'), (29, '%'), (2024, '年')]

`find_numbers` finds quantities written either way with the unit that follows them;
`qa.normalize` rewrites a question into the form the documents use, and
`qa.answerability` compares the values a question names with those of the evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
LARGE_UNITS = {"万": 10_000, "亿": 100_000_000}
CHINESE_NUMERAL = "〇零一二两三四五六七八九十百千万亿"
# Units that follow a number; longest first so that 号线 wins over 号.
UNITS = (
    "平方公里|平方米|公里|季度|号线|个月|年|月|日|号|期|批|届|次|个|家|亩|元|人|名|件|栋|支|场|处|项|条|所|座|户|倍|"
    "成|天|周|位|层|辆|吨|米|%|％"
)
NOT_A_COUNT = frozenset("哪每这那同某任")
NUMBER = re.compile(
    rf"(?P<percent>百分之)?(?P<number>\d+(?:\.\d+)?|[{CHINESE_NUMERAL}]+(?:点[〇零一二三四五六七八九]+)?)"
    rf"(?P<scale>[万亿](?![{CHINESE_NUMERAL}]))?(?P<unit>{UNITS})?"
)


def chinese_to_number(text: str) -> int | float | None:
    """The value of a Chinese numeral ("二十九", "二〇二四", "一万五千", "八点四"), None if it is not one."""
    if not text:
        return None
    if "点" in text:
        whole, _, fraction = text.partition("点")
        integer = chinese_to_number(whole)
        if integer is None or not fraction or any(c not in DIGITS for c in fraction):
            return None
        return float(f"{integer}.{''.join(str(DIGITS[c]) for c in fraction)}")
    if all(c in DIGITS for c in text):
        # a digit string, as years are read: 二〇二四 -> 2024
        return int("".join(str(DIGITS[c]) for c in text))
    total, section, digit = 0, 0, None
    for char in text:
        if char in DIGITS:
            digit = DIGITS[char]
        elif char in SMALL_UNITS:
            section += (1 if digit is None else digit) * SMALL_UNITS[char]
            digit = None
        elif char in LARGE_UNITS:
            total = (total + section + (digit or 0)) * LARGE_UNITS[char]
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def number_to_chinese(value: int) -> str:
    """A whole number below 100,000,000 as Chinese numerals: 29 -> 二十九, 3000 -> 三千, 10 -> 十."""
    if value == 0:
        return "零"
    names = "零一二三四五六七八九"
    if value >= 10_000:
        high, low = divmod(value, 10_000)
        rest = number_to_chinese(low) if low else ""
        return number_to_chinese(high) + "万" + ("零" if 0 < low < 1000 else "") + rest
    parts, zero = [], False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, value = divmod(value, unit)
        if digit:
            if zero and parts:
                parts.append("零")
            parts.append(names[digit] + name)
            zero = False
        elif parts:
            zero = True
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


def year_to_chinese(value: int) -> str:
    """Digit by digit, as years are written: 2024 -> 二〇二四."""
    return "".join("〇一二三四五六七八九"[int(c)] for c in str(value))


@dataclass(frozen=True)
class NumberMention:
    text: str  # as written
    start: int
    end: int
    value: int | float  # the number, scaled by 万/亿 when written as part of it
    unit: str  # "季度", "年", "%", "" …

    @property
    def key(self) -> tuple[float, str]:
        return (float(self.value), self.unit)


def numeral_value(number: str) -> int | float | None:
    """The value of a number written in digits ("19", "8.4") or Chinese numerals ("十九"); None if neither."""
    if number[0].isdigit():
        return float(number) if "." in number else int(number)
    return chinese_to_number(number)


def find_numbers(text: str) -> list[NumberMention]:
    """Quantities in a text, digits or Chinese numerals; a lone 一 without a unit is not one."""
    found = []
    for match in NUMBER.finditer(text):
        number, unit = match.group("number"), match.group("unit") or ""
        if match.group("percent") or unit == "％":
            unit = "%"
        if not number[0].isdigit() and not unit and len(number) == 1 and not match.group("scale"):
            continue  # 一, 十 alone are words ("一起", "十分") far more often than numbers
        if match.start() > 0 and text[match.start() - 1] in NOT_A_COUNT and not number[0].isdigit():
            continue  # 哪一年, 每一天, 这一批: a word, not the number one
        value = numeral_value(number)
        if value is None:
            continue
        if match.group("scale"):
            value = value * LARGE_UNITS[match.group("scale")]
            value = int(value) if float(value).is_integer() else value
        found.append(NumberMention(match.group(), match.start(), match.end(), value, unit))
    return found


def spellings(mention: NumberMention) -> list[str]:
    """Ways to write a quantity, the written one first: 一季度 -> [一季度, 1季度]; 29% -> [29%, 百分之二十九]."""
    value, unit = mention.value, mention.unit
    written = [mention.text]
    if isinstance(value, float) and not value.is_integer():
        digits = f"{value:g}"
        forms = [f"{digits}%" if unit == "%" else f"{digits}{unit}"]
    else:
        value = int(value)
        digits = str(value)
        if unit == "%":
            forms = [f"{digits}%", f"百分之{number_to_chinese(value)}"]
        elif unit == "年" and value >= 1000:
            forms = [f"{digits}年", f"{year_to_chinese(value)}年"]
        else:
            forms = [f"{digits}{unit}"]
            if value < 100_000_000:
                forms.append(f"{number_to_chinese(value)}{unit}")
            for scale, size in (("亿", 100_000_000), ("万", 10_000)):
                if value >= size and value % (size // 10 if size > 10_000 else 1000) == 0:
                    forms.append(f"{value / size:g}{scale}{unit}")
                    break
            if value == 2 and unit:
                forms.append(f"两{unit}")
    return list(dict.fromkeys(written + forms))

"""Numbers written as words: Chinese numerals where they count things, English ordinal words.

Xinhua writes the sessions of the NPC and the Party's congresses and plenums in Chinese
numerals (十三届全国人大一次会议, 十九届三中全会, 十九大) and years of formal texts digit by
digit (二〇一八年); the English versions say "the first session of the 13th NPC",
"Thirteenth", "fifth session". The yearly templates of those meetings differ in exactly
these numbers, so both sides must read them as figures for the figure-conflict rules of
:func:`dedupe.xlang.align_translation` to keep this year's edition apart from last year's.

Hand-written rather than ``cn2an`` (which converts any numeral, but not the context):
what matters here is *which* numerals count things. 一 and 万 are also parts of ordinary
words (一起, 统一, 万众一心); only a numeral after 第 or before a counter that takes a
session or congress number (届, 次会议, 中全会, 大, 周年), a full month-day date and a
four-digit year are rewritten, so the digits reader sees them.
"""

from __future__ import annotations

import re

_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = "[零〇一二两三四五六七八九十百千万亿]+"
# the counter: a session (届, 次会议), a plenum (三中全会; 一中、二中全会), a congress (十九大), an anniversary
_COUNTER = r"(届|次(?=(?:全体|代表)?(?:会议|全会|大会))|中(?=全会|[、，和与及])|大|周年)"
# A numeral after 第 or before a counter; a numeral with neither (一 of 一起, 统一) does not
# match at all, where a match returned unchanged cost a Python call each (most numerals).
# No counter is a numeral character, so no match can start inside a run that has none.
_ZH_COUNTED = re.compile(rf"(第)({_NUMERAL}){_COUNTER}?|()({_NUMERAL}){_COUNTER}")
_ZH_DATE = re.compile(rf"({_NUMERAL})月({_NUMERAL})([日号])")
_ZH_YEAR = re.compile(r"([〇零一二三四五六七八九]{4})年")
_ZH_ANY = re.compile("[第零〇一二两三四五六七八九十百千]")


def zh_int(s: str) -> int | None:
    """The value of a Chinese numeral (十三 13, 二十一 21, 一百零五 105, 三亿五千万 350000000,
    二〇一八 2018 digit by digit); None when ``s`` is not one."""
    if not s:
        return None
    if all(c in _DIGIT for c in s):
        return int("".join(str(_DIGIT[c]) for c in s))  # 二〇一八, or a single digit
    total = section = num = 0
    for c in s:
        if c in _DIGIT:
            num = _DIGIT[c]
        elif c in _SMALL:
            section += (num or 1) * _SMALL[c]  # 十三: a bare 十 is ten
            num = 0
        elif c == "万":
            total += (section + num) * 10_000
            section = num = 0
        elif c == "亿":
            total = (total + section + num) * 100_000_000
            section = num = 0
        else:
            return None
    return total + section + num


def _counted(m: re.Match) -> str:
    ordinal, numeral, counter = m.group(1), m.group(2) or m.group(5), m.group(3) or m.group(6)
    v = zh_int(numeral)
    # 大 after a numeral is a congress only from the tenth on (十九大); 三大 is "three big".
    if v is None or (counter == "大" and not ordinal and v < 10):
        return m.group(0)
    return f"{ordinal or ''}{v}{counter or ''}"


def _date(m: re.Match) -> str:
    mon, day = zh_int(m.group(1)), zh_int(m.group(2))
    if mon is None or day is None or not (1 <= mon <= 12 and 1 <= day <= 31):
        return m.group(0)
    return f"{mon}月{day}{m.group(3)}"


def zh_counts_to_digits(text: str) -> str:
    """``text`` with the counting Chinese numerals in Arabic digits (第十一届 -> 第11届,
    五次会议 -> 5次会议, 三月四日 -> 3月4日, 二〇一八年 -> 2018年); other numerals kept."""
    if not _ZH_ANY.search(text):
        return text
    text = _ZH_YEAR.sub(lambda m: f"{zh_int(m.group(1))}年", text)
    text = _ZH_DATE.sub(_date, text)
    return _ZH_COUNTED.sub(_counted, text)


_UNITS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
          "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth"]
_TENS = {"twent": 20, "thirt": 30, "fort": 40, "fift": 50, "sixt": 60, "sevent": 70, "eight": 80, "ninet": 90}
_ORDINAL_VALUE = {w: i + 1 for i, w in enumerate(_UNITS)}
_ORDINAL_VALUE.update({t + "ieth": v for t, v in _TENS.items()})  # "twentieth"
_ORDINAL_VALUE.update({t + "y-" + u: v + i + 1 for t, v in _TENS.items() for i, u in enumerate(_UNITS[:9])})  # "twenty-first"
# Words that may be ordinals: a letter that starts one, an ordinal's ending; the dictionary
# decides ("north" is not). One class-led pattern, then look-ups: an alternation of the
# words with IGNORECASE was 18 us a sentence, this is 4.
_EN_ORDINAL = re.compile(r"(?<![A-Za-z-])[fstenFSTEN][a-zA-Z]*(?:-[a-zA-Z]+)?(?:st|nd|rd|th)\b")


def english_ordinals(text: str) -> list[int]:
    """The values of ordinal words ("first" 1, "Thirteenth" 13, "twenty-first" 21); "13th" is digits,
    read with the other numbers."""
    out = []
    for w in _EN_ORDINAL.findall(text):
        v = _ORDINAL_VALUE.get(w.lower())
        if v is not None:
            out.append(v)
    return out

"""Language-neutral features of a text: language, sentences, numbers, dates, Latin names, English stems.

Everything here is cheap and pure: regular expressions and dict lookups, no model.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice

from dedupe.xlang.numerals import english_ordinals, zh_counts_to_digits

STOP_EN = frozenset("""
a an the and or but nor so yet of to in on at by for from with without into onto upon over under about above below
between among through during before after since until while as than then that this these those there here where when
which who whom whose what why how is are was were be been being am do does did doing done have has had having will
would shall should can could may might must not no yes it its it's he him his she her hers they them their theirs we us
our ours you your yours i me my mine one ones also very more most much many such some any all each every other another
both either neither same own only just even still said says say told tell according mr ms mrs dr etc e.g i.e s t per
via amid within across against toward towards around up down out off again further once new like well
""".split())

# Runs, not single characters: a script's characters are counted as the lengths of its runs
# (a Chinese head's thousand one-character matches were half the cost of reading its language).
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_CYR = re.compile(r"[\u0400-\u04ff]+")
_LAT = re.compile(r"[A-Za-z]+")
_LAT40 = re.compile(r"(?:[A-Za-z]+[^A-Za-z]+){8}")  # some words of Latin letters
_NON_LATIN = re.compile(r"[\u0400-\u04ff\u3400-\u9fff\uf900-\ufaff]")


def language(text: str) -> str | None:
    """'zh', 'ru', 'en' or None, from the script of the first 2,000 characters.

    The script decides, not an ``articles.language`` field, which is missing on
    most imported pages and wrong on some (an English page of a Chinese outlet).
    A Latin-script text is taken for English: the only Latin-script language the
    backends bridge; anything else there simply finds no partner.
    """
    head = text[:2000]
    # The common case: no Han, no Cyrillic. isascii() answers most English heads at memory
    # speed (a tenth of the character-class scan, which was most of the language pass).
    if head.isascii() or not _NON_LATIN.search(head):
        return "en" if _LAT40.search(head) else None
    han = sum(map(len, _HAN.findall(head)))
    cyr = sum(map(len, _CYR.findall(head)))
    lat = sum(map(len, _LAT.findall(head)))
    # Han against Latin letters at 1:6, not 1:1: mirrors inject pinyin after every character
    # ("标(biāo)准(zhǔn)"), three or four Latin letters for each Han one.
    if han >= 20 and han * 6 >= lat:
        return "zh"
    if cyr >= 40 and cyr >= lat:
        return "ru"
    if lat >= 40:
        return "en"
    return None


@lru_cache(maxsize=100_000)
def stem(w: str) -> str:
    """A crude English stemmer; both sides of a comparison go through it, so it need only be consistent."""
    if len(w) <= 3:
        return w
    if w.endswith("'s"):
        w = w[:-2]
    for suf, rep, minlen in (("ies", "y", 5), ("ational", "ate", 8), ("ization", "ize", 8), ("iveness", "ive", 8),
                             ("ments", "", 7), ("ment", "", 6), ("ings", "", 6), ("ing", "", 5), ("edly", "", 6),
                             ("ed", "", 4), ("es", "", 5), ("ly", "", 5), ("s", "", 4)):
        if w.endswith(suf) and len(w) >= minlen and not w.endswith("ss"):
            w = w[: len(w) - len(suf)] + rep
            break
    if len(w) > 4 and w[-1] == "e":  # "cooperate" / "cooperation" -> "cooperat"
        w = w[:-1]
    if w.endswith("ion") and len(w) > 6:
        w = w[:-3]
    return w


_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def english_words(text: str) -> list[str]:
    """Stems of the content words of an English text, in order."""
    words = _EN_WORD.findall(text)
    # A word as written -> its stem ("" for a stop word): one C-level map of dict look-ups;
    # lower-casing and stemming each word again was most of the cost of this function.
    got = list(map(_STEMS.get, words))
    if None in got:
        got = [x if x is not None else _word_stem(w) for x, w in zip(got, words)]
    return [x for x in got if x]


_STEMS: dict[str, str] = {}


def _word_stem(w: str) -> str:
    lw = w.lower()
    got = stem(lw) if lw not in STOP_EN and len(lw) > 1 else ""
    if len(_STEMS) < 500_000:
        _STEMS[w] = got
    return got


def chinese_reading(text: str) -> str:
    """Chinese text as the dictionary reads it: Simplified, without romanisation injected after
    its characters. A mirror's "國(guó)家主席" breaks every word it touches into single
    characters (国 | 家主席), so a pinyin-injected copy of Xi's 2023 New Year address shared too
    few glossed words with the official English to align; dedupe.normalize strips the same
    injection before fingerprinting. Full-width brackets are read as ASCII ones first."""
    from dedupe.normalize import _to_simplified

    return _to_simplified(without_romanisation(text))


def without_romanisation(text: str) -> str:
    """``text`` without romanisation injected after its Chinese characters (dedupe.normalize's
    rule; full-width brackets read as ASCII ones)."""
    if "(" not in text and "\uff08" not in text:
        return text
    from dedupe.normalize import _strip_romanisation

    return _strip_romanisation(text.replace("\uff08", "(").replace("\uff09", ")"))


# -- numbers and dates -----------------------------------------------------------------------

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
# The day may be written as an ordinal ("Dec 4th 2021", "4th December": a Pakistani copy of a
# Xinhua dispatch dates itself so).
_EN_DATE = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b"
                      r"|\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\b")
_EN_MONTH = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)")
_ZH_DATE = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
# Starts at a digit (a leading look-behind was tried at every position: 3x slower); a
# number glued to a word or a decimal point ("G20", "v1.2") is dropped after the match.
_EN_NUM = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s*(trillion|billion|million|thousand|bn|mn)\b)?")
_ZH_NUM = re.compile(r"(\d+(?:,\d{3})*)(\.\d+)?\s*(万亿|亿|万|千)?")
_SCALE = {"trillion": 1e12, "billion": 1e9, "bn": 1e9, "million": 1e6, "mn": 1e6, "thousand": 1e3,
          "万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3}


def _num(whole: str, frac: str | None, scale: str | None) -> str:
    v = float(whole.replace(",", "") + (frac or ""))
    if scale:
        v *= _SCALE[scale]
    # 4 significant digits: "1.2 billion" and "12亿" are one key, and so are rounded figures.
    return f"{v:.4g}"


def numbers_and_dates(text: str, lang: str, limit: int | None = None, words: bool = True) -> tuple[list[str], list[str]]:
    """Numbers (万/亿 and million/billion expanded, 4 significant digits) and month-day dates ('d11-5').

    ``words``: English ordinal words too ("Thirteenth", "fifth"); the candidate keys skip
    them (their values are mostly under 10, which keys leave out)."""
    dates = []
    if lang == "zh":
        text = zh_counts_to_digits(text)
        for m in _ZH_DATE.finditer(text):
            dates.append(f"d{int(m.group(1))}-{int(m.group(2))}")
        rest = _ZH_DATE.sub(" ", text)
        nums = [_num(m.group(1), m.group(2), m.group(3)) for m in islice(_ZH_NUM.finditer(rest), limit)]
    else:
        # Most lines name no month: one cheap search spares the date pattern's scan.
        for m in (_EN_DATE.finditer(text) if _EN_MONTH.search(text) else ()):
            if m.group(1):
                mon, day = m.group(1), m.group(2)
            else:
                mon, day = m.group(4), m.group(3)
            dates.append(f"d{_MONTHS[mon[:3].lower()]}-{int(day)}")
        rest = _EN_DATE.sub(" ", text) if dates else text
        nums = [_num(m.group(1), m.group(2), m.group(3)) for m in islice(
            (m for m in _EN_NUM.finditer(rest) if not (m.start() and (rest[m.start() - 1].isalnum() or rest[m.start() - 1] in "._"))),
            limit)]
        # "the Thirteenth NPC", "its fifth session": the Chinese says 十三届, 五次会议 (read above).
        if words:
            nums += [f"{float(v):.4g}" for v in english_ordinals(rest)][: None if limit is None else max(0, limit - len(nums))]
    return nums, dates


_LATIN_NAME = re.compile(r"\b[A-Z][A-Za-z0-9&-]*[A-Za-z0-9]\b|\b[A-Z]{2,}\b")
_ZH_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9&-]*[A-Za-z0-9]")


def latin_names(text: str, lang: str) -> list[str]:
    """Latin-script names, lower-cased: words in a Chinese text ('APEC', 'G20'); capitalised words in an English one."""
    if lang == "zh":
        return [w.lower() for w in _ZH_LATIN.findall(text) if len(w) >= 2]
    return [w.lower() for w in _LATIN_NAME.findall(text) if w.lower() not in STOP_EN]


# -- sentences ----------------------------------------------------------------------------------

# Chinese ends sentences with full-width marks and needs no space after them; a closing
# quote or bracket after the mark belongs to the sentence it closes. Not at "；": its clauses
# are one sentence in translation (English keeps the semicolon or a comma). CulturaX's
# expulsion notice for Yu Yuanhui lists three violations as "...；...；...。", its English
# one sentence: split, one clause stood against the whole English sentence (0.52) and the
# run's mean fell to 47.5, under MIN_SCORE; whole, it aligns. Real pages: the same joins,
# the same direct alignments of every cross-piece pair (docs/evaluation.md).
_ZH_END = re.compile(r"[。！？!?…]+[”’」』）)]*")
_EN_END = re.compile(r"[.!?]+[\"'”’)]*(?=\s+[\"'“‘(]?[A-Z0-9])")
_ABBREV = re.compile(r"\b(Mr|Ms|Mrs|Dr|Prof|Gen|Sen|Rep|St|Jr|Sr|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
                     r"|U\.S|U\.N|U\.K|[A-Z])\.$")


def sentences(text: str, lang: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in ``text``: paragraphs first, then the language's sentence marks."""
    spans = []
    for para in re.finditer(r"[^\n]+", text):
        p0, seg = para.start(), para.group()
        start = 0
        ends = _ZH_END.finditer(seg) if lang == "zh" else _EN_END.finditer(seg)
        for m in ends:
            # The few characters before the mark, not the paragraph so far (quadratic in
            # its length): an abbreviation is at most five letters and the word break before it.
            if lang != "zh" and _ABBREV.search(seg[max(0, m.start() - 7) : m.start() + 1]):
                continue
            spans.append((p0 + start, p0 + m.end()))
            start = m.end()
        spans.append((p0 + start, p0 + len(seg)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out

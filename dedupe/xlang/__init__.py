"""Translated copies: an article republished in another language (Chinese <-> English first).

Pure, like the rest of :mod:`dedupe`: no database, no network. Two steps, as for
same-language copies:

1. **Candidates** (:func:`article_keys`). Each article gets a bounded set of
   language-neutral keys: numbers (万 and 亿 expanded, so "12亿" meets "1.2
   billion"), month-day dates, Latin-script names ("APEC", "G20"), and English
   stems of its content words (a Chinese word through the translation backend's
   glosses), the rarest first. The database side keeps an index of these keys
   and compares only articles of *different* languages that share enough of them.
2. **Verification** (:func:`align_translation`). Both texts are split into
   sentences (Chinese sentence marks understood); every sentence pair is scored
   by gloss overlap plus shared numbers and names; a monotone dynamic-programming
   alignment then finds the in-order pairs. A translated copy has one long run of
   aligned sentences covering much of at least one text; a report that quotes two
   or three sentences of a translated speech has a short run and is left out (not
   recorded at all: a quotation is not a republication, and the same-language
   rules leave quotations out too).

The backend (:mod:`dedupe.xlang.backends`) is pluggable: :class:`Backend`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import chain

import numpy as np

from dedupe.align import Match
from dedupe.roundup import AGENCIES
from dedupe.xlang.backends import ArgosBackend, Backend, CedictBackend, argos_backend, default_backend
from dedupe.xlang.text import (STOP_EN, _num, chinese_reading, english_words, language, latin_names, numbers_and_dates,
                               sentences, stem, without_romanisation)

__all__ = [
    "ArgosBackend", "Backend", "CedictBackend", "Features", "align_translation", "argos_backend", "article_keys",
    "bag_overlap", "default_backend", "features", "key_hash", "key_start", "keys_arrays", "keys_batch", "language", "preload_keys", "word_bag",
]

# -- candidates ----------------------------------------------------------------------------------

KEY_TEXT = 1500  # characters of an English article keyed for names and figures: the top of the story
KEY_TEXT_ZH = 480  # the same stretch of a Chinese one (a character says what takes 2-3 letters)
LEDE = 400  # characters of an English article whose content words are keyed (the lede)
LEDE_ZH = 160
# A wire dispatch's story begins at its dateline ("新华社北京12月4日电", "BEIJING, Dec. 4 (Xinhua) --").
# What a page shows above it (a print edition's masthead, date and page number, a site's menu,
# "Advertisement") is no part of the story, yet it filled the keyed top: People's Daily's print
# page of the 2021 democracy white paper dispatch was keyed by its masthead's "Sunday", the
# database's "1946-2021" and the edition's date, and met none of GNN's English copy's lede
# words. So keys are read from the dateline on when one stands within DATELINE_REACH.
DATELINE_REACH = 600
_KEY_DATELINE_ZH = re.compile(r"(?:新华社|新华网|中新社|中新网|人民网|本报)[^\n，。、]{0,15}?电")
_KEY_DATELINE_EN = re.compile(r"\((?:" + AGENCIES + r")\)")  # the agencies whose datelines dedupe.roundup counts
MAX_NUM_KEYS = 6
MAX_NAME_KEYS = 6  # proper names: CC-CEDICT's capitalised senses ("Kenya", "Xi Jinping"), acronyms
MAX_GLOSS_KEYS = 6
# Weights of a shared key in the candidate score. Glosses and names weigh half their IDF
# (in CC-CEDICT), up to 5: "changsha" far more than "china".
W_DATE, W_NUMBER, W_YEAR, W_ACRONYM = 4.0, 3.0, 1.0, 4.0


def key_start(text: str, lang: str) -> int:
    """Where an article's keyed top starts: at its wire dateline's line when one stands near the top, else 0."""
    if lang == "zh":
        m = _KEY_DATELINE_ZH.search(text, 0, DATELINE_REACH)
        return m.start() if m else 0
    m = _KEY_DATELINE_EN.search(text, 0, DATELINE_REACH)
    return text.rfind("\n", 0, m.start()) + 1 if m else 0


def _top_of(text: str, lang: str, size: int) -> str:
    start = key_start(text, lang)
    return text[start : start + size]


def key_hash(key: str) -> int:
    """A signed 64-bit hash that is the same in every process (Python's str hash is salted)."""
    got = _KEY_HASHES.get(key)
    if got is None:
        got = _blake(key)
        if len(_KEY_HASHES) < 500_000:  # keys recur (names, glosses, years): a look-up, not a hash
            _KEY_HASHES[key] = got
    return got


_KEY_HASHES: dict[str, int] = {}


def _blake(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little", signed=True)


@lru_cache(maxsize=1)
def _gloss_df() -> tuple[dict[str, int], int]:
    """In how many CC-CEDICT headwords each English stem appears: a corpus-independent document
    frequency, so the keys an article is indexed under do not change as the database grows.
    Cached like the dictionary: keying then needs neither it nor the dictionary loaded."""
    from dedupe.xlang.backends import cached

    return cached("glossdf1", _count_glosses)


def _count_glosses() -> tuple[dict[str, int], int]:
    from dedupe.xlang.backends import _cedict

    d = _cedict()
    df: Counter = Counter()
    for stems in d.values():
        df.update(stems)
    return dict(df), len(d)


@lru_cache(maxsize=1)
def _gloss_idf_table() -> dict[str, float]:
    df, n = _gloss_df()
    return {s: math.log((n + 1) / (c + 1)) for s, c in df.items()}


def gloss_idf(s: str) -> float:
    got = _gloss_idf_table().get(s)
    return got if got is not None else math.log(_gloss_df()[1] + 1)


# Per English word (lower case): its stem, or None when the dictionary never produces that
# stem (such a word can never meet a gloss). Filled as words are seen: keying an article
# costs a dict lookup per distinct word.
_EN_INFO: dict[str, str | None] = {}
_EN_WORD_LC = re.compile(r"[a-z][a-z'-]*")
# The figures and names of an English head: one scan for capitalised words, one for
# numbers and, only when a month's name is among the words, two for dates. Each pattern
# starts with a character class, so the scan jumps from one capital or digit to the next;
# an alternation of them (or the look-behind first) is three to five times slower, and the
# separate patterns of before (with the ordinal words verification reads) were three
# quarters of the cost of keying an English article. A number glued to a word or a decimal
# point ("v1.2") is no figure; the look-behind after its first digit says so.
_MONTH_NAMES = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
_EN_CAP_TOKEN = re.compile(r"[A-Z][A-Za-z0-9&]*(?:-[A-Za-z0-9&]+)*")
_EN_NUM_TOKEN = re.compile(
    r"(\d(?<![A-Za-z0-9_.]\d)(?:\d{0,2}(?:,\d{3})+|\d*))(\.\d+)?(?:\s*(trillion|billion|million|thousand|bn|mn)\b)?")
# A month's name with the day after it ("Nov. 5") or, looked for just before it, ahead of it
# ("5 November"): a pattern led by the digits would stop at every number.
# The day may be an ordinal ("Dec 4th", "4th of December"), as text.numbers_and_dates reads it.
_EN_MONTH_DAY = re.compile(rf"({_MONTH_NAMES})[a-z]*(?:\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b)?")
_EN_DAY_BEFORE = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?$")
_MONTH_NUMBER = {m: i + 1 for i, m in enumerate(_MONTH_NAMES.replace("|Sept", "").split("|"))}
_MONTH_TOKENS = frozenset(
    "Jan January Feb February Mar March Apr April May Jun June Jul July Aug August Sep Sept September "
    "Oct October Nov November Dec December".split())


@lru_cache(maxsize=1)
def _cased_names() -> dict[str, str]:
    """A capitalised English word as it is written ("Kenya", "KENYA") -> the name word it is
    ("kenya"), for every word of a CC-CEDICT proper name: one set intersection finds an
    article's names, where testing each capitalised word was a third of keying it."""
    out = {}
    for w in _name_idf():
        if len(w) > 1 and w.isalpha():
            out[w.capitalize()] = out[w.upper()] = w
    return out


def _en_key_tokens(head: str) -> tuple[list[str], list[str], list[str], set[str]]:
    """Numbers, month-day dates, acronyms (in order) and lower-cased capitalised name words of an English head."""
    tokens = _EN_CAP_TOKEN.findall(head)
    # A word capitalised only where a sentence or line starts is no name ("Ever since ...",
    # "Building on our friendship ..." in Al Arabiya's translation of Xi's 2022 Saudi article
    # were keyed as CC-CEDICT name words, rarer than and so ahead of "Saudi"). Only words the
    # dictionary has in a name are looked at, so the scan runs on few tokens.
    initial = _EN_INITIAL.findall(head)
    first = _EN_CAP_TOKEN.match(head)
    if first:
        initial.append(first.group())
    if initial:
        cased = _cased_names()
        only = {t for t in set(initial) if t in cased and tokens.count(t) == initial.count(t)}
        if only:
            tokens = [t for t in tokens if t not in only]
    # Acronyms: all capitals ("APEC", "G20", "COVID-19", "AT&T").
    acronyms = [t for t in tokens if t.isupper() and len(t) > 1][:MAX_NAME_KEYS]
    unique = set(tokens)
    cased = _cased_names()
    capitalised = {cased[t] for t in unique & cased.keys()}
    for t in unique:
        if "-" in t:  # "Xi-Jinping", "Al-Shabaab": each part
            capitalised.update(cased[p] for p in t.split("-") if p in cased)
    dates: list[str] = []
    if not unique.isdisjoint(_MONTH_TOKENS):
        spans = []
        for m in _EN_MONTH_DAY.finditer(head):
            start, end = m.span()
            if start and head[start - 1].isalpha():
                continue  # inside a word ("DeMar")
            day = m.group(2)
            if day is None:
                before = _EN_DAY_BEFORE.search(head, max(0, start - 9), start)
                if before is None:
                    continue
                day, start, end = before.group(1), before.start(), m.end(1)
            dates.append(f"d{_MONTH_NUMBER[m.group(1)[:3]]}-{int(day)}")
            spans.append((start, end))
        if spans:  # a date's day is not a figure of its own
            head = "".join(head[a:b] for a, b in zip([0] + [e for _, e in spans], [s for s, _ in spans] + [len(head)]))
    nums = [_num(w, f, s or None) for w, f, s in _EN_NUM_TOKEN.findall(head)[: 4 * MAX_NUM_KEYS]]
    return nums, dates, acronyms, capitalised


_EN_INITIAL = re.compile(r"[.!?:\n]['\"”’)]*\s*([A-Z][A-Za-z0-9&]*(?:-[A-Za-z0-9&]+)*)")
_ZH_LATIN_KEY = re.compile(r"[A-Za-z][A-Za-z0-9&-]*[A-Za-z0-9]")


def _en_stem(w: str) -> str | None:
    got = _EN_INFO.get(w, 0)
    if got == 0:
        got = None
        if w not in STOP_EN and len(w) > 1:
            s = stem(w)
            if s in _gloss_df()[0]:
                got = s
        if len(_EN_INFO) < 500_000:
            _EN_INFO[w] = got
    return got


@lru_cache(maxsize=1)
def _name_idf() -> dict[str, float]:
    """Each word of a CC-CEDICT proper name with its IDF over the names ("changsha" 9, "china" 3)."""
    from dedupe.xlang.backends import cached

    return cached("nameidf2", _name_idf_table)


def _name_idf_table() -> dict[str, float]:
    from dedupe.xlang.backends import _cedict_names

    names = _cedict_names()
    df: Counter = Counter(w for ws in names.values() for w in set(ws))
    n = len(names)
    common = _lowercase_gloss_words()
    return {w: math.log((n + 1) / (c + 1)) for w, c in df.items() if w not in STOP_EN and w not in common}


def _lowercase_gloss_words() -> set[str]:
    """Words CC-CEDICT writes in lower case somewhere in its definitions ("light", "friendship",
    "socialist"): in a proper name ("Friendship Hotel", "Socialist Party") they are ordinary words,
    and as name keys they matched any title-case headline ("May the Light of Our Ironclad
    Friendship ...", "Comprehensive Strategic Partnership") and crowded out the real names.
    A name key is a word the dictionary uses only in names ("serbia", "jinping", "xinhua")."""
    from dedupe.xlang.backends import cedict_path

    found: set[str] = set()
    with cedict_path().open(encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                found.update(_LOWER_WORD.findall(line.partition("] /")[2]))
    return found


_LOWER_WORD = re.compile(r"(?<![A-Za-z'-])[a-z][a-z'-]*")


def preload_keys() -> None:
    """Load the tables keying reads (a process about to fork workers shares them)."""
    from dedupe.xlang.grams import _vocab_marks, vocab

    _gloss_df(), _gloss_idf_table(), _name_idf(), _cased_names(), _zh_tables(), _stem_index(), vocab(), _vocab_marks()


def article_keys(text: str, lang: str, backend: Backend | None = None) -> list[tuple[int, float]]:
    """Up to ~26 (key hash, weight) pairs for the candidate index; [] for a language nobody bridges.

    English and Chinese need no backend (the dictionary is read directly, fast); another
    language goes through ``backend.glosses``."""
    return keys_batch([text], lang, backend)[0]


def keys_batch(texts: list[str], lang: str, backend: Backend | None = None) -> list[list[tuple[int, float]]]:
    """:func:`article_keys` of each text, all in one language: Chinese ones in one numpy pass."""
    if lang not in ("en", "zh") and (backend is None or not backend.supports(lang)):
        return [[] for _ in texts]
    if lang in ("en", "zh"):
        owner, hashes, weights = keys_arrays(texts, lang)
        bounds = np.searchsorted(owner, np.arange(len(texts) + 1)).tolist()
        rows = list(zip(hashes.tolist(), weights.tolist()))
        return [rows[bounds[i] : bounds[i + 1]] for i in range(len(texts))]
    return [_keys_one(t, lang, backend) for t in texts]


def keys_arrays(texts: list[str], lang: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The keys of English or Chinese texts as rows (text's index, key hash, weight), sorted by text
    and in each text in :func:`keys_batch`'s order: what the stage stores, without a tuple a key."""
    return _zh_keys(texts) if lang == "zh" else _en_keys(texts)


def _rows(n: int, figures: list[dict[str, float]], names: tuple[np.ndarray, np.ndarray],
          glosses: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each text's figure keys (dicts, hashed here), then its best names and lede words (each
    ``(text, item)`` from :func:`_top`, hashed once in the cached tables), as sorted rows."""
    t = _zh_tables()
    hashes = _KEY_HASHES
    f_owner = np.repeat(np.arange(n), [len(k) for k in figures])
    f_hash = np.fromiter((hashes.get(k) or key_hash(k) for keys in figures for k in keys), dtype=np.int64,
                         count=len(f_owner))
    f_weight = np.fromiter((w for keys in figures for w in keys.values()), dtype=np.float64, count=len(f_owner))
    (n_text, n_item), (g_text, g_item) = names, glosses
    owner = np.r_[f_owner, n_text, g_text]
    # Figures, then names, then lede words, each in its own order (a stable sort by text).
    order = np.argsort(owner * 3 + np.repeat([0, 1, 2], [len(f_owner), len(n_text), len(g_text)]), kind="stable")
    return (owner[order], np.r_[f_hash, t.name_hash[n_item], t.stem_hash[g_item]][order],
            np.r_[f_weight, t.name_weight[n_item], t.stem_weight[g_item]][order])


def _figure_keys(nums: list[str], dates: list[str], latin: list[str]) -> dict[str, float]:
    keys: dict[str, float] = {}
    for d in dates[:MAX_NUM_KEYS]:
        keys.setdefault("d:" + d, W_DATE)
    for n in nums:
        if len(keys) >= MAX_NUM_KEYS:
            break
        v = float(n)
        if v < 10 and v == int(v):
            continue  # small counts are everywhere
        keys.setdefault("n:" + n, W_YEAR if (1900 <= v <= 2100 and v == int(v)) else W_NUMBER)
    # Names: Latin letters in a Chinese text, acronyms in an English one.
    for n in latin[: MAX_NAME_KEYS // 2]:
        keys.setdefault("l:" + n.lower(), W_ACRONYM)
    return keys


def _hashed(keys: dict[str, float]) -> list[tuple[int, float]]:
    hashes = _KEY_HASHES
    return [(hashes.get(k) or key_hash(k), w) for k, w in keys.items()]


def _keys_one(text: str, lang: str, backend: Backend | None) -> list[tuple[int, float]]:
    head = _top_of(text, lang, KEY_TEXT)
    if lang == "en":
        nums, dates, acronyms, capitalised = _en_key_tokens(head)
    else:
        nums, dates = numbers_and_dates(head, lang, limit=4 * MAX_NUM_KEYS)
        acronyms, capitalised = _ZH_LATIN_KEY.findall(head), set()
    keys = _figure_keys(nums, dates, acronyms)
    # The proper names CC-CEDICT gives for Chinese words, met by capitalised English words.
    idf = _name_idf()
    # sorted() of a list, not heapq.nlargest of a generator: a few dozen items, half the time.
    for v, w in sorted([(idf[w], w) for w in capitalised if w in idf], reverse=True)[:MAX_NAME_KEYS]:
        keys["p:" + w] = min(v, 10.0) / 2
    # Content words of the lede, the rarest first.
    weight: dict[str, float] = {}
    if lang == "en":
        info = _EN_INFO
        for w, c in Counter(_EN_WORD_LC.findall(head[:LEDE].lower())).items():
            s = info.get(w, 0)
            if s == 0:
                s = _en_stem(w)
            if s is not None:
                weight[s] = weight.get(s, 0.0) + c
    else:
        for g in backend.glosses(head[:LEDE], lang):
            for s in g:
                weight[s] = weight.get(s, 0.0) + 1.0 / len(g)
    gidf = _gloss_idf_table()
    unseen = math.log(_gloss_df()[1] + 1)  # a stem of another backend's that CC-CEDICT lacks
    for _, s in sorted([(math.log1p(v) * gidf.get(s, unseen), s) for s, v in weight.items()], reverse=True)[:MAX_GLOSS_KEYS]:
        keys["g:" + s] = min(gidf.get(s, unseen), 10.0) / 2
    return _hashed(keys)


# Per English word (lower case): the index of its stem in _zh_tables().stems, or -1 when the
# dictionary never produces that stem. Filled as words are seen, like _EN_INFO.
_EN_STEM_ID: dict[str, int] = {}


@lru_cache(maxsize=1)
def _stem_index() -> dict[str, int]:
    return {s: i for i, s in enumerate(_zh_tables().stems)}


def _en_stem_id(w: str) -> int:
    s = _en_stem(w)
    got = -1 if s is None else _stem_index()[s]
    if len(_EN_STEM_ID) < 500_000:
        _EN_STEM_ID[w] = got
    return got


def _en_keys(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keys of English texts (:func:`keys_arrays`): figures and names per text; lede words of all
    at once in numpy (the same keys as :func:`_keys_one`, whose per-word dict updates and sort
    were half the cost of keying an English article); names ranked in numpy too."""
    t = _zh_tables()
    get = _EN_STEM_ID.get
    heads = [_top_of(x, "en", KEY_TEXT) for x in texts]
    ids: list[int] = []
    lens = []
    for head in heads:
        words = _EN_WORD_LC.findall(head[:LEDE].lower())
        got = list(map(get, words))  # one C-level pass; a word seen before is one dict look-up
        if None in got:
            got = [x if x is not None else _en_stem_id(w) for x, w in zip(got, words)]
        ids += got
        lens.append(len(got))
    sid = np.array(ids, dtype=np.int64)
    text = np.repeat(np.arange(len(heads)), lens)
    keep = sid >= 0
    n_stems = len(t.stems)
    pair, count = np.unique(text[keep] * n_stems + sid[keep], return_counts=True)
    glosses = _top(pair // n_stems, pair % n_stems, np.log1p(count.astype(np.float64)) * t.stem_idf[pair % n_stems],
                   MAX_GLOSS_KEYS)
    name_at = _name_index()
    figures, name_ids, name_lens = [], [], []
    for head in heads:
        nums, dates, acronyms, capitalised = _en_key_tokens(head)
        figures.append(_figure_keys(nums, dates, acronyms))
        got = [name_at[w] for w in capitalised]  # every capitalised name word is one of _name_idf's
        name_ids += got
        name_lens.append(len(got))
    nid = np.array(name_ids, dtype=np.int64)
    names = _top(np.repeat(np.arange(len(heads)), name_lens), nid, t.name_idf[nid], MAX_NAME_KEYS)
    return _rows(len(heads), figures, names, glosses)


@lru_cache(maxsize=1)
def _name_index() -> dict[str, int]:
    return {w: i for i, w in enumerate(_zh_tables().name_words)}


@dataclass
class _ZhTables:
    """Per word of :func:`dedupe.xlang.grams.vocab`: its name words and its stems (CSR arrays)."""

    name_ptr: np.ndarray
    name_ids: np.ndarray  # into name_words
    name_words: list[str]  # sorted, so an id's order is the word's
    name_idf: np.ndarray
    stem_ptr: np.ndarray
    stem_ids: np.ndarray  # into stems
    stem_n: np.ndarray  # per word: its number of stems
    stems: list[str]  # sorted
    stem_idf: np.ndarray
    # Each name word's and stem's key ("p:" + word, "g:" + stem): hash and weight (half the IDF,
    # at most 5), computed once here, not a string and a hash per key of every article.
    name_hash: np.ndarray
    name_weight: np.ndarray
    stem_hash: np.ndarray
    stem_weight: np.ndarray


@lru_cache(maxsize=1)
def _zh_tables() -> _ZhTables:
    from dedupe.xlang.backends import cached

    # Building them takes 0.6 s, loading a tenth; bump the version when the keys' rules change.
    return cached(f"zhkeys{VERSION_ZH_TABLES}", _build_zh_tables)


VERSION_ZH_TABLES = 4  # 2: the keys' hashes and weights; 3: name words only those CC-CEDICT never writes in lower case;
# 4: names of 4-character words


def _build_zh_tables() -> _ZhTables:
    from dedupe.xlang.backends import _cedict, _cedict_names
    from dedupe.xlang.grams import vocab

    d, names, idf, gidf = _cedict(), _cedict_names(), _name_idf(), _gloss_idf_table()
    words = vocab().words
    name_words = sorted(idf)
    name_at = {w: i for i, w in enumerate(name_words)}
    stems = sorted(gidf)
    stem_at = {s: i for i, s in enumerate(stems)}
    name_lists = [sorted({name_at[x] for x in names.get(w, ()) if x in name_at}) if len(w) <= 4 else [] for w in words]
    stem_lists = [sorted(stem_at[s] for s in d.get(w, ())) for w in words]
    name_idf, stem_idf = np.array([idf[w] for w in name_words]), np.array([gidf[s] for s in stems])
    return _ZhTables(
        np.r_[0, np.cumsum([len(x) for x in name_lists])], np.array([i for x in name_lists for i in x], dtype=np.int64),
        name_words, name_idf,
        np.r_[0, np.cumsum([len(x) for x in stem_lists])], np.array([i for x in stem_lists for i in x], dtype=np.int64),
        np.array([len(d.get(w, ())) for w in words], dtype=np.float64), stems, stem_idf,
        np.array([_blake("p:" + w) for w in name_words], dtype=np.int64), np.minimum(name_idf, 10.0) / 2,
        np.array([_blake("g:" + x) for x in stems], dtype=np.int64), np.minimum(stem_idf, 10.0) / 2)


def _expand(ptr: np.ndarray, ids: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``rows`` (CSR row numbers), its entries: (index into ``rows``, entry)."""
    counts = ptr[rows + 1] - ptr[rows]
    which = np.repeat(np.arange(len(rows)), counts)
    first = np.repeat(ptr[rows] - (np.cumsum(counts) - counts), counts)
    return which, ids[first + np.arange(len(which))]


def _top(text: np.ndarray, item: np.ndarray, score: np.ndarray, k: int):
    """Each text's ``k`` best items, by score and then by the larger item (as sorted(..., reverse=True) of
    (score, word) with ids in the words' order); sorted by text."""
    order = np.lexsort((-item, -score, text))
    text, item, score = text[order], item[order], score[order]
    first = np.flatnonzero(np.r_[True, text[1:] != text[:-1]]) if len(text) else np.zeros(0, dtype=np.int64)
    rank = np.arange(len(text)) - np.repeat(first, np.diff(np.r_[first, len(text)]))
    keep = rank < k
    return text[keep], item[keep]


# "12月4日电" (dispatched on 4 December): 日电 is also CC-CEDICT's name of NEC, a key every
# Xinhua dispatch held (37 of the 64 CulturaX texts) and no English text meets.
_DATE_DISPATCH = re.compile(r"(?<=[\d〇一二三四五六七八九十])日电")


def _zh_keys(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keys of Chinese texts: figures per text; names and lede words of all at once (dedupe.xlang.grams)."""
    from dedupe.xlang.grams import find_words

    heads = [_DATE_DISPATCH.sub("日 电", chinese_reading(_top_of(t, "zh", KEY_TEXT_ZH))) for t in texts]
    t = _zh_tables()
    # Names from every dictionary word of the head, 4-character ones too: 塞尔维亚 "Serbia",
    # 澳大利亚 "Australia", 马来西亚 "Malaysia" were glosses only, so Xi's 2024 Politika article
    # in Chinese shared no name with its English versions (only "jinping"); finding them in
    # the whole head instead of the lede costs nothing measurable (0.67 s for 4k heads).
    hits = find_words(heads, (2, 3, 4))
    which, nid = _expand(t.name_ptr, t.name_ids, hits.word)
    pair = np.unique(hits.text[which] * len(t.name_words) + nid)
    names = _top(pair // len(t.name_words), pair % len(t.name_words), t.name_idf[pair % len(t.name_words)], MAX_NAME_KEYS)
    # Lede words: each word's occurrences share one unit of weight among its stems.
    sel = hits.pos + hits.size <= LEDE_ZH
    n_words = len(t.stem_n)
    occ, count = np.unique(hits.text[sel] * n_words + hits.word[sel], return_counts=True)
    occ_text, occ_word = occ // n_words, occ % n_words
    which, sid = _expand(t.stem_ptr, t.stem_ids, occ_word)
    share = (count / t.stem_n[occ_word].clip(1))[which]
    pair, inverse = np.unique(occ_text[which] * len(t.stems) + sid, return_inverse=True)
    weight = np.bincount(inverse, weights=share, minlength=len(pair))
    glosses = _top(pair // len(t.stems), pair % len(t.stems), np.log1p(weight) * t.stem_idf[pair % len(t.stems)],
                   MAX_GLOSS_KEYS)
    figures = []
    for head in heads:
        nums, dates = numbers_and_dates(head, "zh", limit=4 * MAX_NUM_KEYS)
        figures.append(_figure_keys(nums, dates, _ZH_LATIN_KEY.findall(head)))
    return _rows(len(heads), figures, names, glosses)


# -- verification ------------------------------------------------------------------------------

# A cheap first look at a candidate pair, before segmenting and aligning it: how many of the
# Chinese text's dictionary words (every 2-4 character substring CC-CEDICT knows) have a
# gloss among the English text's stems. A translation shares most of them (the joined
# pairs of the two real sets from 0.39, the speed corpus's from 0.47); most candidates that
# only shared a few keys share less, and segmentation with jieba (2 ms a Chinese article)
# is the bulk of verifying. At 0.30 no joined pair of either real set is lost and over half
# of the other candidate pairs of the 20% Chinese speed corpus are spared.
PRE_MIN = 0.30
BAG_TEXT = 20_000  # characters of each text read for its bag of words


# An English text shorter than the Chinese one's translation would be (an agency's abridged
# English version, a page's excerpt) can only cover the Chinese text's first part: the first
# look then counts the Chinese words standing in the first REACH_SLACK times the characters
# the English would translate (CHARS_PER), not the whole text. GMW's abridged English of
# People's Daily's 2021 democracy report (1,153 characters against 745 Chinese ones; it aligns,
# 5 pairs over 0.66 of each text) scored 0.25 on the whole text and 0.35 on that part.
REACH_SLACK = 1.5


@dataclass
class EnglishBag:
    """An English text's stems (:func:`word_bag`), and how many characters they were read from.
    A plain frozenset inside, not a subclass: ``isdisjoint`` against a frozenset subclass takes
    CPython's generic path, 17 times slower (the first look went from 0.03 s to 0.8 s for the
    speed corpus's 2,724 candidate pairs)."""

    stems: frozenset
    chars: int


@dataclass
class ChineseBag:
    """A Chinese text's dictionary words as their gloss sets (:func:`word_bag`), with where each first stands."""

    glosses: list
    first: list[int]
    chars: int


def word_bag(text: str, lang: str):
    """What :func:`bag_overlap` compares: a Chinese text's dictionary words' gloss sets, an
    English text's stems; None for another language (no first look: always aligned)."""
    from dedupe.xlang.backends import gloss

    text = text[:BAG_TEXT]
    if lang == "en":
        return EnglishBag(frozenset(english_words(text)), len(text))
    if lang == "zh":
        from dedupe.xlang.grams import find_words, vocab

        words = vocab().words
        hits = find_words([chinese_reading(text)])
        order = np.argsort(hits.pos, kind="stable")
        found, at = np.unique(hits.word[order], return_index=True)  # each word at its first place
        glosses, first = [], []
        for w, p in zip(found.tolist(), hits.pos[order][at].tolist()):
            g = gloss(words[w])
            if g is not None:
                glosses.append(g)
                first.append(p)
        return ChineseBag(glosses, first, len(text))
    return None


def bag_overlap(bag_x, bag_y) -> float:
    """The share of the Chinese bag's words with a gloss in the English bag (1.0 when either is
    None), of the words the English text could reach (REACH_SLACK)."""
    if bag_x is None or bag_y is None:
        return 1.0
    zh, en = (bag_x, bag_y) if isinstance(bag_x, ChineseBag) else (bag_y, bag_x)
    glosses = zh.glosses
    reach = REACH_SLACK * en.chars * _chars_per("en", "zh")  # in Chinese characters
    if reach < zh.chars:
        glosses = [g for g, p in zip(glosses, zh.first) if p < reach]
    if not glosses:
        return 0.0
    stems = en.stems
    return sum(1 for g in glosses if not g.isdisjoint(stems)) / len(glosses)


@dataclass
class Features:
    lang: str
    spans: list[tuple[int, int]]  # sentence offsets into the article text
    words: list[list[frozenset[str]]]  # per sentence: each content word's English stems
    bag: list[set[str]]  # per sentence: the union (English: its stems)
    marks: list[set[str]]  # per sentence: numbers, dates and Latin names
    weight: list[int]  # per sentence: characters that say something (Han characters, Latin letters)
    figures: list[bool]  # per sentence: whether it carries a number or a date
    formula: list[bool] = field(default_factory=list)  # per sentence: a full-text page's formula line (_is_formula)
    _where: dict[str, tuple[int, ...]] | None = field(default=None, init=False, repr=False, compare=False)
    _stems: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)
    _n_words: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _word_table: tuple | None = field(default=None, init=False, repr=False, compare=False)
    _has_marks: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    def where(self) -> dict[str, tuple[int, ...]]:
        """Stem -> the sentences holding it; built once per article, used by every pair it is in."""
        if self._where is None:
            where: dict[str, list[int]] = {}
            for j, bag in enumerate(self.bag):
                for s in bag:
                    where.setdefault(s, []).append(j)
            self._where = {s: tuple(js) for s, js in where.items()}
            self._stems = frozenset(self._where)
        return self._where

    def stems(self) -> frozenset[str]:
        self.where()
        return self._stems

    def word_table(self) -> tuple[list[frozenset[str]], np.ndarray, np.ndarray]:
        """The distinct words (gloss sets) of the text, and per word as it stands: its sentence
        and its index among them (_pair_scores), built once per article."""
        if self._word_table is None:
            ids: dict[frozenset[str], int] = {}
            rows, occ = [], []
            for i, ws in enumerate(self.words):
                for g in ws:
                    k = ids.get(g)
                    if k is None:
                        k = ids[g] = len(ids)
                    rows.append(i)
                    occ.append(k)
            self._word_table = (list(ids), np.array(rows, dtype=np.int64), np.array(occ, dtype=np.int64))
        return self._word_table

    def n_words(self) -> np.ndarray:
        """Content words per sentence (_pair_scores), counted once per article."""
        if self._n_words is None:
            self._n_words = np.fromiter(map(len, self.words), dtype=np.int64, count=len(self.words))
        return self._n_words

    def has_marks(self) -> np.ndarray:
        """Whether each sentence carries a number, date or name (_pair_scores)."""
        if self._has_marks is None:
            self._has_marks = np.fromiter(map(bool, self.marks), dtype=bool, count=len(self.marks))
        return self._has_marks


_ONE: dict[str, frozenset[str]] = {}


def _one(w: str) -> frozenset[str]:
    got = frozenset((w,))
    if len(_ONE) < 500_000:
        _ONE[w] = got
    return got


def features(text: str, lang: str, backend: Backend) -> Features:
    spans = sentences(text, lang)
    words, bag, marks, weight, figures = [], [], [], [], []
    sents = [text[s:e] for s, e in spans]
    if lang == "zh":  # once for the glosses and the marks: "12月(yuè)31日" is a date, "(yuè)" no Latin name
        sents = [without_romanisation(x) for x in sents]
    many = getattr(backend, "glosses_many", None) if lang != "en" else None
    glossed = many(sents, lang) if many is not None else None
    for n, sent in enumerate(sents):
        if lang == "en":
            # One frozenset per stem, shared: building one per word was a tenth of the cost.
            ws = [_ONE.get(w) or _one(w) for w in english_words(sent)]
        elif glossed is not None:
            ws = glossed[n]
        else:
            ws = backend.glosses(sent, lang)
        nums, dates = numbers_and_dates(sent, lang)
        names = latin_names(sent, lang)
        words.append(ws)
        bag.append(set().union(*ws) if ws else set())
        marks.append({"n:" + n for n in nums} | {"d:" + d for d in dates} | {"l:" + n for n in names if lang == "zh" or n.upper() == n})
        weight.append(sum(map(str.isalnum, sent)))
        figures.append(bool(nums or dates))
    return Features(lang, spans, words, bag, marks, weight, figures, [_is_formula(x, lang) for x in sents])


# The furniture of a state-media full-text page, the same in every one of a genre: "文章全文如下" /
# "The following is the full text of the article", the byline "中华人民共和国主席 习近平" / "Xi
# Jinping, President of the People's Republic of China", the headline "习近平在X媒体发表署名文章" /
# "Full text of Xi's signed article in X media". Each pair of them scores as one sentence
# translated (0.57-0.86), and two of Xi's signed articles for different countries aligned on
# them (2022 Kazakh against 2025 Cambodian, 2023 Russian against 2024 Serbian): a run whose
# strong pairs (STRONG_PAIR) are all formula lines is no translation. They still count in the
# run's pairs, score and strong pairs otherwise: loose translations of New Year addresses need
# them there (exbulletin's, 10 pairs at 46.3), and so does a synonym-spun mirror of the 2024
# Kazakh article (two strong pairs, one of them "文章全文如下").
_FORMULA_ZH = re.compile(r"^(?:(?:文章|讲话|贺词|演讲|署名文章)?全文如下|文章如下|(?:中华人民共和国)?(?:国家)?主席习近平"
                         r"|(?:原标题)?习近平在.{1,12}发表署名文章)[:：]?$")
_FORMULA_EN = re.compile(r"^(?:(?:here is |the following is )?(?:an english version of )?the full text\b.{0,40}"
                         r"|(?:h\.e\. )?(?:xi jinping,? )?president of the people'?s republic of china"
                         r"|(?:full text of )?(?:president )?xi(?: jinping)?'?s? signed article in .{1,30})[:.]?$")


def _is_formula(sent: str, lang: str) -> bool:
    if lang == "zh":
        return len(sent) <= 40 and _FORMULA_ZH.match(re.sub(r"\s+", "", chinese_reading(sent))) is not None
    return len(sent) <= 100 and _FORMULA_EN.match(" ".join(sent.lower().replace("\u2019", "'").split())) is not None


PAIR_MIN = 0.30  # a sentence pair this close counts as aligned (translations of one sentence: 0.4-0.8)
MARK_BONUS = 0.08  # per shared number, date or name (at most 3)
# Both sentences carry figures or dates and none agree: a translation keeps its figures,
# while the yearly templates of Party and NPC meetings ("the preparatory meeting of the
# 11th NPC's fifth session was held on March 4...") differ in exactly those.
MARK_CONFLICT = 0.2
MIN_SCORE = 48.0  # mean sentence-pair score of the run (CulturaX translations: 46-72; templates: 36-60)
# ... or this, in a run of LONG_RUN pairs or more: eight sentences aligned in order are no
# chance alignment of stock words, and loose translations score low on every pair (an English
# version made from the Russian one of Xi's 2021 address, 10 pairs at 45.1; Beijing Review's
# edit of the 2024 Politika article against its Traditional-script Chinese, 12 at 45.7). No
# pair of different pieces in the labelled sets has a run of 8 that passes the density and
# strong-pair rules (same-day reports of one event: 6 pairs at most).
LONG_RUN = 8
LONG_MIN_SCORE = 42.0
MAX_GAP = 3  # sentences skipped on either side inside one run (translators drop and add sentences)
# Sentence pairs above PAIR_MIN in the run. Three can be a genre's formula: Xi's signed articles
# all open "At the invitation of President ..., I will pay a state visit to ...", and a short
# English excerpt of his 2024 Kazakh article aligned its three opening sentences with the
# Chinese of five other articles over half of itself (7 of the 10 pairs of different pieces
# that align directly, of 4,837). Every labelled translation and reproducing report of the real
# pages, and every CulturaX pair, that aligns has 4 or more.
MIN_RUN_PAIRS = 4
MIN_RUN_COVER = 0.5  # of the text the run covers most of
MIN_DENSITY = 0.4  # aligned sentences / sentences in the run's span, on each side
# Sentence pairs of the run that are clearly one sentence translated. Two texts that share
# one stock sentence of the Party's (CulturaX zh/10, the 2021 plenum communique, and en/30,
# the centenary speech: "the Chinese nation has ushered in a great leap ...") pad it with
# weak pairs of stock words into a run of 3-4; every real translation has 3 or more.
STRONG_PAIR = 0.5
MIN_STRONG = 2
# ... between sentences of this many content words or more on each side. A two-word line
# scores a Dice of 1.0 on one shared gloss: a white paper's issuer line ("State Council
# Information Office of the PRC") against a news page's "2019-09-29 China Daily" line was
# the second strong pair that joined a China Daily report to the white paper it reports.
# Every real page translation that aligns keeps 2 or more such pairs (23 of the 31 align); CulturaX's 3 or more.
STRONG_WORDS = 3
# The date a text's top gives for its news (its dateline: "新华社北京9月13日电 9月13日，在...",
# "On September 13, on the eve of...") is the same in a translation, within a day or two
# (a page published the day after the speech). Two of a leader's signed articles for one
# country's press two years apart open with the same formula, the same invitation and the
# same praise of the country, and differ in that date. A text's lead dates are those of the
# first sentence at its top (LEAD_CHARS) with LEAD_WORDS content words or more that gives one (a bare
# date line is page chrome: a forum's "Jan 5, 2015" join date); the pair is not a translation
# when both have lead dates and neither has one within LEAD_DAYS of a date at the other's top.
LEAD_CHARS = {"zh": 600, "en": 1500}
LEAD_WORDS = 4
LEAD_DAYS = 2


# Sentence pairs of a text pair up to which _pair_scores counts shared words in a dense array
# (np.bincount; 4M int64 cells is 32 MB), beyond it by sorting them (np.unique).
BINCOUNT_CELLS = 4_000_000


def _pair_scores(a: Features, b: Features) -> dict[tuple[int, int], float]:
    """Scores of the sentence pairs that share anything, down to SPLIT_MIN (no reader of them
    looks lower: _dp's floors, _split's minimum); the text with glossed words is ``a``."""
    where = b.where()
    stems = b.stems()
    words, rows, occ = a.word_table()
    # Each distinct word's sentences in ``b`` once per pair: words recur (a Chinese text
    # repeats its names and terms).
    found = []
    for g in words:
        # Most of a word's stems are not in ``b`` at all: one C-level intersection first (a
        # look-up per stem was a third of scoring a pair).
        common = g & stems
        if len(common) <= 1:
            found.append(where[next(iter(common))] if common else ())
        else:
            hit: set[int] = set()
            for s in common:
                hit.update(where[s])
            found.append(tuple(hit))
    # The words each sentence pair shares, counted in numpy: a Counter per sentence and each
    # pair scored in Python were four fifths of this function's time.
    per_word = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
    spread = per_word[occ]  # per occurrence of a word in ``a``: how many sentences of ``b`` it meets
    total = int(spread.sum())
    if not total:
        return {}
    flat = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=int(per_word.sum()))
    ends = np.cumsum(spread)
    at = np.arange(total) + np.repeat((np.cumsum(per_word) - per_word)[occ] - (ends - spread), spread)
    m = len(b.words)
    cell = np.repeat(rows * m, spread) + flat[at]
    if len(a.words) * m <= BINCOUNT_CELLS:
        counts = np.bincount(cell, minlength=len(a.words) * m)
        cell = np.flatnonzero(counts)
        hits = counts[cell]
    else:
        cell, hits = np.unique(cell, return_counts=True)
    i, j = cell // m, cell % m
    n_a, n_b = a.n_words()[i], b.n_words()[j]
    # Dice over content words: a sentence whose every word has a counterpart scores 1.
    score = 2.0 * np.minimum(hits, n_b) / (n_a + n_b)
    # A shared number, date or name adds MARK_BONUS (at most 3); two sentences that both carry
    # figures and share none lose MARK_CONFLICT. Only where both sentences have marks
    # (figures are marks), a few of the pairs.
    both = np.flatnonzero(a.has_marks()[i] & b.has_marks()[j])
    if len(both):
        marks_a, marks_b, fig_a, fig_b = a.marks, b.marks, a.figures, b.figures
        for k, x, y in zip(both.tolist(), i[both].tolist(), j[both].tolist()):
            shared = len(marks_a[x] & marks_b[y])
            v = score[k] + MARK_BONUS * min(3, shared)
            if not shared and fig_a[x] and fig_b[y]:
                v -= MARK_CONFLICT
            score[k] = v
    keep = score >= SPLIT_MIN
    return dict(zip(zip(i[keep].tolist(), j[keep].tolist()), score[keep].tolist()))


def _dp(n: int, m: int, scores: dict[tuple[int, int], float], floor: float = PAIR_MIN) -> list[tuple[int, int]]:
    """The monotone one-to-one alignment maximising the sum of (score - floor) over its pairs."""
    gain = {k: v - floor for k, v in scores.items() if v > floor}
    if not gain:
        return []
    prev = [0.0] * (m + 1)
    back: list[list[int]] = []
    for i in range(1, n + 1):
        cur = [0.0] * (m + 1)
        row = [0] * (m + 1)  # 0 skip a, 1 skip b, 2 pair
        for j in range(1, m + 1):
            best, how = prev[j], 0
            if cur[j - 1] > best:
                best, how = cur[j - 1], 1
            g = gain.get((i - 1, j - 1))
            if g is not None and prev[j - 1] + g > best:
                best, how = prev[j - 1] + g, 2
            cur[j], row[j] = best, how
        back.append(row)
        prev = cur
    pairs = []
    i, j = n, m
    while i > 0 and j > 0:
        how = back[i - 1][j]
        if how == 2:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif how == 1:
            j -= 1
        else:
            i -= 1
    return pairs[::-1]


# Between two consecutive anchors (pairs above PAIR_MIN) a loose translation has sentences
# rendered too freely to pass PAIR_MIN: "我們贊賞澳大利亞這種勇往直前..." against "We in China truly
# admire the Australian people...", or a mirror's synonym-spun Chinese ("刷新" for "改革")
# against a broken English version. Their pairs score 0.2-0.3 where unrelated sentences of
# one topic score 0.1-0.2, and without them the anchors break into runs too short to cover
# half of either text: Li Keqiang's 2017 article in The Australian (its China Daily English),
# Xi's 2016 and 2023 New Year addresses (spun and pinyin-injected mirrors), his 2024 Peru
# article (Beijing's English). A second alignment fills each gap at FILL_MIN. It only
# bridges: the run's pair count, score and strong pairs stay those of its anchors.
FILL_MIN = 0.20
# ... where the gap is one stretch translated: its two sides' lengths agree within
# GAP_SLACK of CHARS_PER (a CRI feature's four long sentences of its own against two of
# Xi's 2022 Kazakh article, 2.2 times apart, bridged that feature's quotations into a
# run), and each filling pair sits at about the same place in both sides of the gap, within
# FILL_SLACK of the gap's length (Xi's 2016 and 2025 Cambodian articles share a passage on
# the Maritime Silk Road, but at 0.8 of one gap and 0.4 of the other). Measured on the
# real page pairs (both label files): pages 31 -> 35 of 46 joined, no hard negative or
# quoted report joined; at FILL_MIN 0.15 Xi's 2017 and 2023 Vietnamese articles joined.
GAP_SLACK = 2.0
FILL_SLACK = 0.1


def _fill(anchors: list[tuple[int, int]], scores: dict[tuple[int, int], float],
          x: Features, y: Features) -> list[tuple[int, int]]:
    """``anchors`` with the pairs above FILL_MIN aligned in order between consecutive anchors."""
    by_row: dict[int, list[tuple[int, float]]] = {}  # scores once by sentence of x, not scanned again per gap
    for (i, j), v in scores.items():
        by_row.setdefault(i, []).append((j, v))
    out = [anchors[0]]
    for (i0, j0), (i1, j1) in zip(anchors, anchors[1:]):
        if i1 - i0 > 1 and j1 - j0 > 1 and _lengths_agree(x, y, range(i0 + 1, i1), range(j0 + 1, j1)):
            at_x = _shares(x.weight, i0 + 1, i1)
            at_y = _shares(y.weight, j0 + 1, j1)
            gap = {(i - i0 - 1, j - j0 - 1): v for i in range(i0 + 1, i1) for j, v in by_row.get(i, ())
                   if j0 < j < j1
                   and at_x[i - i0 - 1][0] <= at_y[j - j0 - 1][1] + FILL_SLACK
                   and at_y[j - j0 - 1][0] <= at_x[i - i0 - 1][1] + FILL_SLACK}
            out.extend((i + i0 + 1, j + j0 + 1) for i, j in _dp(i1 - i0 - 1, j1 - j0 - 1, gap, FILL_MIN))
        out.append((i1, j1))
    return out


def _lengths_agree(x: Features, y: Features, xs: range, ys: range) -> bool:
    per = _chars_per(x.lang, y.lang)
    if per is None:
        return False  # a language pair whose lengths nobody measured: no gap is filled
    lx = sum(x.weight[i] for i in xs) * per
    ly = sum(y.weight[j] for j in ys)
    return lx <= GAP_SLACK * ly and ly <= GAP_SLACK * lx


def _shares(weight: list[int], lo: int, hi: int) -> list[tuple[float, float]]:
    """Where each sentence lo..hi-1 starts and ends, as shares of their total length."""
    total = sum(weight[lo:hi]) or 1
    out, at = [], 0
    for k in range(lo, hi):
        out.append((at / total, (at + weight[k]) / total))
        at += weight[k]
    return out


def _is_year(mark: str) -> bool:
    if not mark.startswith("n:"):
        return False
    try:
        v = float(mark[2:])
    except ValueError:
        return False
    return 1900 <= v <= 2100 and v == int(v)


# The run's figures of 10 and more (counts, sessions, amounts, years; not month-day dates):
# when each side has at least this many and fewer than this share of the smaller set agree,
# the run is two editions of one template, not a translation. Translations keep their
# figures: of the CulturaX pairs, every one with two or more kept at least half (7 of 8,
# 9 of 11, 1 of 2); the NPC preparatory meetings of 2012 and 2018 share none of their
# four to seven (13th/11th, 2980/2978 deputies, 190/170 in the presidium).
FIG_MIN = 2
FIG_AGREE = 1 / 3


def _figures(marks: set[str]) -> set[str]:
    out = set()
    for m in marks:
        if m.startswith("n:"):
            try:
                if float(m[2:]) >= 10:
                    out.add(m)
            except ValueError:
                pass
    return out


def _figures_disagree(marks_x: set[str], marks_y: set[str]) -> bool:
    fx, fy = _figures(marks_x), _figures(marks_y)
    least = min(len(fx), len(fy))
    return least >= FIG_MIN and len(fx & fy) < FIG_AGREE * least


def _top_dates(f: Features) -> tuple[set[str], set[str]]:
    """A text's lead dates and all the dates at its top (see LEAD_CHARS)."""
    top = LEAD_CHARS.get(f.lang, LEAD_CHARS["en"])
    lead: set[str] = set()
    every: set[str] = set()
    for (start, _), words, marks in zip(f.spans, f.words, f.marks):
        if start >= top:
            break
        dates = {m for m in marks if m.startswith("d:")}
        every |= dates
        if dates and not lead and len(words) >= LEAD_WORDS:
            lead = dates
    return lead, every


def _day_of_year(mark: str) -> int | None:
    """"d:d9-13" -> its day in a leap year (1-366), None when it does not read as a date."""
    try:
        month, day = (int(v) for v in mark.rsplit("d", 1)[1].split("-"))
        return (date(2000, month, day) - date(2000, 1, 1)).days + 1
    except (ValueError, IndexError):
        return None


def _near(a: set[str], b: set[str]) -> bool:
    days_b = [d for d in map(_day_of_year, b) if d is not None]
    for d in map(_day_of_year, a):
        if d is not None and any(min(abs(d - e), 366 - abs(d - e)) <= LEAD_DAYS for e in days_b):
            return True
    return False


def _lead_dates_differ(x: Features, y: Features) -> bool:
    lead_x, top_x = _top_dates(x)
    lead_y, top_y = _top_dates(y)
    return bool(lead_x and lead_y) and not _near(lead_x, top_y) and not _near(lead_y, top_x)


# Characters of English per character of Chinese in a translation (CulturaX's machine
# translations: 3.1-4.6 per text), and how far one split sentence's group may stray from it.
CHARS_PER = {("zh", "en"): 3.5}
SPLIT_SLACK = 2.0
SPLIT_MIN = 0.1  # each sentence of the group shares at least this score with the one it translates


def _chars_per(lx: str, ly: str) -> float | None:
    if (lx, ly) in CHARS_PER:
        return CHARS_PER[(lx, ly)]
    if (ly, lx) in CHARS_PER:
        return 1 / CHARS_PER[(ly, lx)]
    return None


def _runs(pairs: list[tuple[int, int]], x: Features | None = None, y: Features | None = None,
          scores: dict[tuple[int, int], float] | None = None) -> list[list[tuple[int, int]]]:
    """The aligned pairs cut into runs where either side skips more than MAX_GAP sentences,
    unless the skip is one sentence split in translation (:func:`_split`)."""
    runs: list[list[tuple[int, int]]] = []
    for p in pairs:
        if runs:
            q = runs[-1][-1]
            if (p[0] - q[0] <= MAX_GAP + 1 and p[1] - q[1] <= MAX_GAP + 1) or _split(q, p, x, y, scores):
                runs[-1].append(p)
                continue
        runs.append([p])
    return runs


def _split(q: tuple[int, int], p: tuple[int, int], x: Features | None, y: Features | None,
           scores: dict[tuple[int, int], float] | None) -> bool:
    """Whether the sentences one side skips between two consecutive pairs ``q`` and ``p``,
    while the other side skips none, are the rest of one sentence of the other side (``q``'s
    or ``p``'s) translated as several: every one of them shares words with that sentence
    (SPLIT_MIN), and the group is no longer than SPLIT_SLACK times its expected translation.

    A long Chinese sentence comes out as five English ones, and five clauses the Chinese
    splitter cuts at "；" go into one English sentence (CulturaX's Xinhua notice of 2 July
    2016: 10 of its 14 sentences align, but in three runs). A report that carries two
    sentences far apart in the other text skips sentences that share nothing with either
    (CNR's report of the 2019 white paper against its English full text), or far more text
    than one sentence's translation."""
    if x is None or y is None or scores is None:
        return False
    per = _chars_per(x.lang, y.lang)
    if per is None:
        return False  # a language pair whose lengths nobody measured: no split is assumed
    if p[0] - q[0] == 1:  # y skips: its sentences q[1]+1 .. p[1]-1 are part of x[q[0]] or of x[p[0]]
        gap = range(q[1] + 1, p[1])
        return any(sum(y.weight[j] for j in gap) + y.weight[own] <= SPLIT_SLACK * per * x.weight[i]
                   and all(scores.get((i, j), 0.0) >= SPLIT_MIN for j in gap)
                   for i, own in ((q[0], q[1]), (p[0], p[1])))
    if p[1] - q[1] == 1:
        gap = range(q[0] + 1, p[0])
        return any(sum(x.weight[i] for i in gap) + x.weight[own] <= SPLIT_SLACK / per * y.weight[j]
                   and all(scores.get((i, j), 0.0) >= SPLIT_MIN for i in gap)
                   for j, own in ((q[1], q[0]), (p[1], p[0])))
    return False


def align_translation(a_text: str, a_lang: str, b_text: str, b_lang: str, backend: Backend | None = None, *,
                      fa: Features | None = None, fb: Features | None = None) -> Match | None:
    """A :class:`~dedupe.align.Match` when ``b`` is a translation of ``a`` (or ``a`` of ``b``), else None.

    ``passages`` are the aligned sentence pairs, as character offsets into each text;
    ``coverage_a``/``coverage_b`` the share of each text inside the longest run;
    ``score`` the mean sentence-pair score of the run, 0-100.
    """
    if a_lang == b_lang:
        return None
    backend = backend or default_backend()
    fa = fa or features(a_text, a_lang, backend)
    fb = fb or features(b_text, b_lang, backend)
    # The glossed side (not English) is scored against the English side's stems.
    swap = a_lang == "en"
    x, y = (fb, fa) if swap else (fa, fb)
    scores = _pair_scores(x, y)
    anchors = _dp(len(x.spans), len(y.spans), scores)
    if not anchors:
        return None
    pairs = _fill(anchors, scores, x, y)
    anchor_set = set(anchors)
    best = None
    for run in _runs(pairs, x, y, scores):
        xs = range(run[0][0], run[-1][0] + 1)
        ys = range(run[0][1], run[-1][1] + 1)
        tx, ty = sum(x.weight) or 1, sum(y.weight) or 1
        cx = sum(x.weight[i] for i in xs) / tx
        cy = sum(y.weight[j] for j in ys) / ty
        dens = min(len(run) / len(xs), len(run) / len(ys))
        key = (max(cx, cy), len(run))
        if best is None or key > best[0]:
            best = (key, run, cx, cy, dens)
    _, run, cx, cy, dens = best
    firm = [p for p in run if p in anchor_set]
    n = len(firm)
    if n < MIN_RUN_PAIRS or max(cx, cy) < MIN_RUN_COVER or dens < MIN_DENSITY:
        return None
    score = 100.0 * sum(min(1.0, scores[p]) for p in firm) / n
    strong = [p for p in firm if scores[p] >= STRONG_PAIR and len(x.words[p[0]]) >= STRONG_WORDS
              and len(y.words[p[1]]) >= STRONG_WORDS]
    if score < (LONG_MIN_SCORE if n >= LONG_RUN else MIN_SCORE) or len(strong) < MIN_STRONG:
        return None
    if all(x.formula[i] or y.formula[j] for i, j in strong):
        return None  # only a full-text page's formula lines translate clearly (_is_formula)
    if _lead_dates_differ(x, y):
        return None
    # Years in the aligned sentences that never agree: this year's edition of a yearly
    # template (an NPC session opening, a plenum communique) against last year's.
    years_x = {m for i, _ in run for m in x.marks[i] if _is_year(m)}
    years_y = {m for _, j in run for m in y.marks[j] if _is_year(m)}
    if years_x and years_y and not years_x & years_y:
        return None
    if _figures_disagree({m for i, _ in run for m in x.marks[i]}, {m for _, j in run for m in y.marks[j]}):
        return None
    passages = []
    for i, j in run:
        xi, yj = x.spans[i], y.spans[j]
        passages.append([yj[0], yj[1], xi[0], xi[1]] if swap else [xi[0], xi[1], yj[0], yj[1]])
    cov_a, cov_b = (cy, cx) if swap else (cx, cy)
    chars = sum((y if swap else x).weight[i if not swap else j] for i, j in run)
    return Match(round(score, 2), round(cov_a, 4), round(cov_b, 4), passages, chars)

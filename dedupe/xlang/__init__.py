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
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from dedupe.align import Match
from dedupe.xlang.backends import ArgosBackend, Backend, CedictBackend, argos_backend, default_backend
from dedupe.xlang.text import english_words, language, latin_names, numbers_and_dates, sentences

__all__ = [
    "ArgosBackend", "Backend", "CedictBackend", "Features", "align_translation", "argos_backend", "article_keys",
    "default_backend", "features", "key_hash", "language",
]

# -- candidates ----------------------------------------------------------------------------------

KEY_TEXT = 4000  # characters of an article keyed: the lede carries the names, figures and dates
MAX_NUM_KEYS = 12
MAX_NAME_KEYS = 6
MAX_GLOSS_KEYS = 16
# Weights of a shared key in the candidate score. Glosses weigh their IDF (below), up to ~10.
W_DATE, W_NUMBER, W_YEAR, W_NAME = 4.0, 3.0, 1.0, 4.0


def key_hash(key: str) -> int:
    """A signed 64-bit hash that is the same in every process (Python's str hash is salted)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little", signed=True)


@lru_cache(maxsize=1)
def _gloss_df() -> tuple[dict[str, int], int]:
    """In how many CC-CEDICT headwords each English stem appears: a corpus-independent document
    frequency, so the keys an article is indexed under do not change as the database grows."""
    from dedupe.xlang.backends import _cedict

    d = _cedict()
    df: Counter = Counter()
    for stems in d.values():
        df.update(stems)
    return dict(df), len(d)


def gloss_idf(s: str) -> float:
    df, n = _gloss_df()
    return math.log((n + 1) / (df.get(s, 0) + 1))


def article_keys(text: str, lang: str, backend: Backend) -> list[tuple[int, float]]:
    """Up to ~34 (key hash, weight) pairs for the candidate index; [] for a language nobody bridges."""
    head = text[:KEY_TEXT]
    if lang != "en" and not backend.supports(lang):
        return []
    nums, dates = numbers_and_dates(head, lang)
    keys: dict[str, float] = {}
    for d in dates:
        keys.setdefault("d:" + d, W_DATE)
    for n in nums:
        v = float(n)
        if v < 10 and v == int(v):
            continue  # small counts are everywhere
        w = W_YEAR if (1900 <= v <= 2100 and v == int(v)) else W_NUMBER
        keys.setdefault("n:" + n, w)
        if len(keys) >= MAX_NUM_KEYS:
            break
    names = [n for n in latin_names(head, lang) if lang == "zh" or n.upper() == n or any(c.isdigit() for c in n)]
    for n in names[: MAX_NAME_KEYS * 3]:
        if sum(k.startswith("l:") for k in keys) >= MAX_NAME_KEYS:
            break
        keys.setdefault("l:" + n, W_NAME)
    df, _ = _gloss_df()
    weight: Counter = Counter()
    if lang == "en":
        for s in english_words(head):
            if s in df:  # only stems the dictionary can produce: anything else never meets a gloss
                weight[s] += 1.0
    else:
        for g in backend.glosses(head, lang):
            for s in g:
                weight[s] += 1.0 / len(g)
    scored = sorted(((math.log1p(c) + 1.0) * gloss_idf(s), s) for s, c in weight.items())
    for _, s in scored[::-1][:MAX_GLOSS_KEYS]:
        keys["g:" + s] = min(gloss_idf(s), 10.0) / 2
    return [(key_hash(k), w) for k, w in keys.items()]


# -- verification ------------------------------------------------------------------------------


@dataclass
class Features:
    lang: str
    spans: list[tuple[int, int]]  # sentence offsets into the article text
    words: list[list[frozenset[str]]]  # per sentence: each content word's English stems
    bag: list[set[str]]  # per sentence: the union (English: its stems)
    marks: list[set[str]]  # per sentence: numbers, dates and Latin names
    weight: list[int]  # per sentence: characters that say something (Han characters, Latin letters)
    figures: list[bool]  # per sentence: whether it carries a number or a date


def features(text: str, lang: str, backend: Backend) -> Features:
    spans = sentences(text, lang)
    words, bag, marks, weight, figures = [], [], [], [], []
    for s, e in spans:
        sent = text[s:e]
        if lang == "en":
            ws = [frozenset((w,)) for w in english_words(sent)]
        else:
            ws = backend.glosses(sent, lang)
        nums, dates = numbers_and_dates(sent, lang)
        names = latin_names(sent, lang)
        words.append(ws)
        bag.append(set().union(*ws) if ws else set())
        marks.append({"n:" + n for n in nums} | {"d:" + d for d in dates} | {"l:" + n for n in names if lang == "zh" or n.upper() == n})
        weight.append(sum(1 for c in sent if c.isalnum()))
        figures.append(bool(nums or dates))
    return Features(lang, spans, words, bag, marks, weight, figures)


PAIR_MIN = 0.30  # a sentence pair this close counts as aligned (translations of one sentence: 0.4-0.8)
MARK_BONUS = 0.08  # per shared number, date or name (at most 3)
# Both sentences carry figures or dates and none agree: a translation keeps its figures,
# while the yearly templates of Party and NPC meetings ("the preparatory meeting of the
# 11th NPC's fifth session was held on March 4...") differ in exactly those.
MARK_CONFLICT = 0.2
MIN_SCORE = 48.0  # mean sentence-pair score of the run (CulturaX translations: 46-72; templates: 36-60)
MAX_GAP = 3  # sentences skipped on either side inside one run (translators drop and add sentences)
MIN_RUN_PAIRS = 3
MIN_RUN_COVER = 0.5  # of the text the run covers most of
MIN_DENSITY = 0.4  # aligned sentences / sentences in the run's span, on each side


def _pair_scores(a: Features, b: Features) -> dict[tuple[int, int], float]:
    """Scores of the sentence pairs that share anything; the text with glossed words is ``a``."""
    where: dict[str, list[int]] = {}
    for j, bag in enumerate(b.bag):
        for s in bag:
            where.setdefault(s, []).append(j)
    out = {}
    for i, ws in enumerate(a.words):
        if not ws:
            continue
        hits: Counter = Counter()
        for g in ws:
            js = set()
            for s in g:
                js.update(where.get(s, ()))
            hits.update(js)
        for j, h in hits.items():
            nb = len(b.words[j])
            # Dice over content words: a sentence whose every word has a counterpart scores 1.
            g_score = 2.0 * min(h, nb) / (len(ws) + nb)
            shared = len(a.marks[i] & b.marks[j])
            score = g_score + MARK_BONUS * min(3, shared)
            if not shared and a.figures[i] and b.figures[j]:
                score -= MARK_CONFLICT
            out[(i, j)] = score
    return out


def _dp(n: int, m: int, scores: dict[tuple[int, int], float]) -> list[tuple[int, int]]:
    """The monotone one-to-one alignment maximising the sum of (score - PAIR_MIN) over its pairs."""
    gain = {k: v - PAIR_MIN for k, v in scores.items() if v > PAIR_MIN}
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


def _is_year(mark: str) -> bool:
    if not mark.startswith("n:"):
        return False
    try:
        v = float(mark[2:])
    except ValueError:
        return False
    return 1900 <= v <= 2100 and v == int(v)


def _runs(pairs: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    runs: list[list[tuple[int, int]]] = []
    for p in pairs:
        if runs and p[0] - runs[-1][-1][0] <= MAX_GAP + 1 and p[1] - runs[-1][-1][1] <= MAX_GAP + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return runs


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
    pairs = _dp(len(x.spans), len(y.spans), scores)
    if not pairs:
        return None
    best = None
    for run in _runs(pairs):
        xs = range(run[0][0], run[-1][0] + 1)
        ys = range(run[0][1], run[-1][1] + 1)
        tx, ty = sum(x.weight) or 1, sum(y.weight) or 1
        cx = sum(x.weight[i] for i in xs) / tx
        cy = sum(y.weight[j] for j in ys) / ty
        dens = min(len(run) / len(xs), len(run) / len(ys))
        key = (max(cx, cy), len(run))
        if best is None or key > best[0]:
            best = (key, run, cx, cy, dens)
    (_, n), run, cx, cy, dens = best
    if n < MIN_RUN_PAIRS or max(cx, cy) < MIN_RUN_COVER or dens < MIN_DENSITY:
        return None
    score = 100.0 * sum(min(1.0, scores[p]) for p in run) / len(run)
    if score < MIN_SCORE:
        return None
    # Years in the aligned sentences that never agree: this year's edition of a yearly
    # template (an NPC session opening, a plenum communique) against last year's.
    years_x = {m for i, _ in run for m in x.marks[i] if _is_year(m)}
    years_y = {m for _, j in run for m in y.marks[j] if _is_year(m)}
    if years_x and years_y and not years_x & years_y:
        return None
    passages = []
    for i, j in run:
        xi, yj = x.spans[i], y.spans[j]
        passages.append([yj[0], yj[1], xi[0], xi[1]] if swap else [xi[0], xi[1], yj[0], yj[1]])
    cov_a, cov_b = (cy, cx) if swap else (cx, cy)
    chars = sum((y if swap else x).weight[i if not swap else j] for i, j in run)
    return Match(round(score, 2), round(cov_a, 4), round(cov_b, 4), passages, chars)

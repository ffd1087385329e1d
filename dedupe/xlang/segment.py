"""jieba's segmentation of Chinese (its dictionary, HMM off), with the dictionary look-ups in numpy.

Verification segments every Chinese text it aligns (:class:`dedupe.xlang.backends.CedictBackend`).
jieba does it in pure Python: loading its dictionary (a prefix dict of ~580k entries)
took a second of every run that verified a pair, and building each sentence's DAG
(every dictionary word starting at each character, found by growing a prefix one
character at a time) was about half of segmenting. Here the dictionary is jieba's own
``dict.txt``, read once and cached as arrays (:func:`dedupe.xlang.backends.cached`); the
words of all sentences of a text are found at once, as in :mod:`dedupe.xlang.grams`
(words of 1-4 characters packed into 64-bit codes; longer ones checked where their first
four characters are found); and the best route is computed as jieba's ``calc`` does,
with the same log-frequencies and tie-breaks, so the words are the same as
``jieba.Tokenizer().lcut(text, HMM=False)`` (tests/test_xlang_cost.py checks it on real texts).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from dedupe.xlang.grams import marks, pack, search, window_codes

VERSION = 1
_BITS = 16
# jieba's blocks (re_han_default): a run of these is segmented; any other character is a word of its own.
_JIEBA_BLOCK = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")


@dataclass
class Dictionary:
    charmap: np.ndarray  # code point -> character code (0: in no word)
    codes: dict[int, np.ndarray]  # word length 1-4 -> sorted packed codes
    logp: dict[int, np.ndarray]  # the same order: log(frequency) - log(total)
    long_prefix: np.ndarray  # sorted packed codes of the first 4 characters of the longer words
    long: dict[str, float]  # word of 5 or more characters -> log(frequency) - log(total)
    max_len: int
    unknown: float  # a character in no word: log(1) - log(total)


@lru_cache(maxsize=1)
def dictionary() -> Dictionary:
    from dedupe.xlang.backends import cached

    # Keyed by jieba's dict.txt too: a new jieba with another dictionary rebuilds the arrays.
    return cached(f"jieba{VERSION}", _build, source=_jieba_dict())


@lru_cache(maxsize=1)
def _filters() -> dict[int, np.ndarray]:
    """:func:`dedupe.xlang.grams.marks` of each table (5: the longer words' first four characters)."""
    d = dictionary()
    return {**{k: marks(c) for k, c in d.codes.items()}, 5: marks(d.long_prefix)}


def _jieba_dict() -> str:
    """jieba's dictionary file, found without importing jieba (0.15 s)."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.origin:
        raise ImportError("jieba is not installed: its dictionary segments Chinese (pip install jieba)")
    return os.path.join(os.path.dirname(spec.origin), "dict.txt")


def _build() -> Dictionary:
    freq: dict[str, int] = {}
    total = 0
    # As jieba.Tokenizer.gen_pfdict reads it: a repeated word keeps its last frequency, the
    # total counts both.
    with open(_jieba_dict(), encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            word, f = line.split(" ")[:2]
            freq[word] = int(f)
            total += int(f)
    logtotal = math.log(total)
    words = [w for w, f in freq.items() if f > 0]
    chars = sorted(set("".join(words)))
    assert len(chars) < 1 << _BITS
    charmap = np.zeros(0x110000, dtype=np.uint16)
    charmap[[ord(c) for c in chars]] = np.arange(1, len(chars) + 1, dtype=np.uint16)
    codes, logp = {}, {}
    for k in (1, 2, 3, 4):
        ws = [w for w in words if len(w) == k]
        c = pack(ws, charmap, k)
        order = np.argsort(c)
        codes[k] = c[order]
        # math.log, as jieba's calc: the same floats, so the same route and tie-breaks.
        logp[k] = np.array([math.log(freq[w]) - logtotal for w in ws])[order]
    longer = [w for w in words if len(w) > 4]
    return Dictionary(charmap, codes, logp, np.unique(pack([w[:4] for w in longer], charmap, 4)),
                      {w: math.log(freq[w]) - logtotal for w in longer}, max(map(len, words)), math.log(1) - logtotal)


def cut_many(texts: list[str]) -> list[list[str]]:
    """``jieba.Tokenizer().lcut(text, HMM=False)`` of each text (texts of Chinese characters: no
    spaces, Latin letters or digits, which jieba groups differently)."""
    d = dictionary()
    filters = _filters()
    # jieba's blocks, laid end to end with one unknown character between them.
    pieces: list[tuple[int, int, bool]] = []  # per piece: text index, block or single character
    blocks: list[str] = []
    for t, text in enumerate(texts):
        for i, part in enumerate(_JIEBA_BLOCK.split(text)):
            if not part:
                continue
            if i % 2:
                pieces.append((t, len(blocks), True))
                blocks.append(part)
            else:
                pieces.extend((t, ch, False) for ch in part)
    joined = "\0".join(blocks) + "\0"
    c = d.charmap[np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)].astype(np.uint64)
    n = len(c)
    pos_l, end_l, lp_l = [], [], []
    code4 = None
    for k in (1, 2, 3, 4):
        if n < k:
            continue
        code = window_codes(c, k)
        if k == 4:
            code4 = code
        pos, at = search(d.codes[k], filters[k], code)
        pos_l.append(pos)
        end_l.append(pos + (k - 1))
        lp_l.append(d.logp[k][at])
    pos = np.concatenate(pos_l) if pos_l else np.zeros(0, dtype=np.int64)
    end = np.concatenate(end_l) if end_l else np.zeros(0, dtype=np.int64)
    lp = np.concatenate(lp_l) if lp_l else np.zeros(0)
    order = np.lexsort((end, pos))
    hit_pos, hit_end, hit_lp = pos[order].tolist(), end[order].tolist(), lp[order].tolist()
    # Longer words, where their first four characters start one.
    extra: dict[int, list[tuple[int, float]]] = {}
    if code4 is not None and len(d.long_prefix):
        for p in search(d.long_prefix, filters[5], code4)[0].tolist():
            for k in range(5, d.max_len + 1):
                got = d.long.get(joined[p : p + k])
                if got is not None:
                    extra.setdefault(p, []).append((p + k - 1, got))
    starts = []
    s = 0
    for b in blocks:
        starts.append(s)
        s += len(b) + 1
    routes = _routes(blocks, starts, hit_pos, hit_end, hit_lp, extra, d.unknown)
    out: list[list[str]] = [[] for _ in texts]
    for t, x, is_block in pieces:
        if not is_block:
            out[t].append(x)
            continue
        b, route = blocks[x], routes[x]
        i = 0
        while i < len(b):
            j = route[i] + 1
            out[t].append(b[i:j])
            i = j
    return out


def _routes(blocks, starts, hit_pos, hit_end, hit_lp, extra, unknown) -> list[list[int]]:
    """Per block, the end (inclusive) of the word the best route takes at each character:
    jieba's ``calc``, max over (log-probability of the word + the best from after it, its end).

    A position's candidates are visited from the longest word down (the longer words of
    ``extra``, then the hits, whose ends descend as they are walked backwards) and a later one
    wins only when strictly better: the larger end on a tie, as jieba's max over (value, end)."""
    routes = []
    h = len(hit_pos) - 1  # hits sorted by position, walked from the last one backwards, as the blocks are
    neg = -math.inf
    for b, s in zip(reversed(blocks), reversed(starts)):
        n = len(b)
        best = [0.0] * (n + 1)
        end_at = [0] * n
        while h >= 0 and hit_pos[h] >= s + n:
            h -= 1
        for i in range(n - 1, -1, -1):
            g = s + i
            bv, bx = neg, -1
            if g in extra:
                for e, v in reversed(extra[g]):
                    v = v + best[e - s + 1]
                    if v > bv:
                        bv, bx = v, e - s
            while h >= 0 and hit_pos[h] == g:
                x = hit_end[h] - s
                v = hit_lp[h] + best[x + 1]
                if v > bv:
                    bv, bx = v, x
                h -= 1
            if bx < 0:
                bv, bx = unknown + best[i + 1], i
            best[i] = bv
            end_at[i] = bx
        routes.append(end_at)
    return routes[::-1]

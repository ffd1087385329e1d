"""CC-CEDICT words in many Chinese texts at once, found in numpy.

Keying a Chinese article looks up every 2-4 character substring of its head in the
dictionary (:func:`dedupe.xlang.article_keys`): a Python loop, or even one ``map`` and a
set intersection per article, was two thirds of the cost of keying Chinese (~0.5 ms an
article), and keying was over half of the cross-language stage. Here the texts of a
batch are laid end to end as one array of character codes; each substring of 2, 3 or 4
characters is packed exactly into one 64-bit integer (the dictionary's ~10k distinct
characters need 14 bits, so 16 bits a character) and looked up by one ``searchsorted``
in the sorted codes of the dictionary's words of that length. A character the
dictionary lacks is code 0, which no word holds, and one 0 separates two texts, so no
substring across texts or through an unknown character matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

SIZES = (2, 3, 4)
_BITS = 16


@dataclass
class Table:
    """The dictionary's words of one length: sorted packed codes and each one's word index."""

    codes: np.ndarray  # uint64, sorted
    word: np.ndarray  # int64: index into Vocab.words


@dataclass
class Vocab:
    charmap: np.ndarray  # code point -> character code (0: not in the dictionary)
    words: list[str]  # every 2-4 character headword or name
    tables: dict[int, Table]


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    from dedupe.xlang.backends import cached

    return cached(f"grams{VERSION}", _build)  # building takes 0.2 s, loading a tenth


VERSION = 1  # of the tables below


def _build() -> Vocab:
    from dedupe.xlang.backends import _cedict, _cedict_names

    d, names = _cedict(), _cedict_names()
    words = sorted({w for w in d if 2 <= len(w) <= 4} | {w for w in names if 2 <= len(w) <= 4})
    chars = sorted(set("".join(words)))
    assert len(chars) < 1 << _BITS
    charmap = np.zeros(0x110000, dtype=np.uint16)
    charmap[[ord(c) for c in chars]] = np.arange(1, len(chars) + 1, dtype=np.uint16)
    tables = {}
    for k in SIZES:
        ids = np.array([i for i, w in enumerate(words) if len(w) == k], dtype=np.int64)
        codes = pack([words[i] for i in ids], charmap, k)
        order = np.argsort(codes)
        tables[k] = Table(codes[order], ids[order])
    return Vocab(charmap, words, tables)


def pack(strings: list[str], charmap: np.ndarray, k: int) -> np.ndarray:
    """Strings of ``k`` characters as exact 64-bit codes, 16 bits a character (``charmap``'s codes)."""
    c = charmap[np.frombuffer("".join(strings).encode("utf-32-le"), dtype=np.uint32)].astype(np.uint64).reshape(-1, k)
    out = np.zeros(len(strings), dtype=np.uint64)
    for j in range(k):
        out = (out << np.uint64(_BITS)) | c[:, j]
    return out


@dataclass
class Hits:
    """Dictionary words found: which text, where in it, which word (index into ``vocab().words``), its length."""

    text: np.ndarray
    pos: np.ndarray
    word: np.ndarray
    size: np.ndarray


def window_codes(c: np.ndarray, k: int) -> np.ndarray:
    """The packed code of every ``k``-character window of the character codes ``c`` (as :func:`pack` packs a word)."""
    m = len(c) - k + 1
    code = np.zeros(m, dtype=np.uint64)
    for j in range(k):
        code = (code << np.uint64(_BITS)) | c[j : j + m]
    return code


# Before the binary search, a filter: each sorted table of codes gets a bool array with the
# hashed slots of its codes marked (a one-hash Bloom filter, 16 slots a code or more). A
# window whose slot is unmarked is no word; the others (the words and ~6% of the rest) are
# searched. One random read instead of ~17 for most windows: the look-ups were the biggest
# single cost of keying Chinese and of segmenting it.
_HASH = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of code * this


def marks(codes: np.ndarray) -> np.ndarray:
    """The filter of a sorted table of codes (for :func:`search`)."""
    bits = max(10, int(len(codes) * 16).bit_length())
    out = np.zeros(1 << bits, dtype=bool)
    out[_slot(codes, bits)] = True
    return out


def _slot(code: np.ndarray, bits: int) -> np.ndarray:
    return (code * _HASH) >> np.uint64(64 - bits)


def search(table: np.ndarray, filt: np.ndarray, code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions in ``code`` of the values the sorted ``table`` holds, and their indices in it
    (as ``searchsorted`` then an equality test would find them); ``filt`` is ``marks(table)``."""
    cand = np.flatnonzero(filt[_slot(code, len(filt).bit_length() - 1)])
    if not len(cand) or not len(table):
        e = np.zeros(0, dtype=np.int64)
        return e, e
    at = np.searchsorted(table, code[cand])
    at[at == len(table)] = 0
    hit = table[at] == code[cand]
    return cand[hit], at[hit]


@lru_cache(maxsize=1)
def _vocab_marks() -> dict[int, np.ndarray]:
    return {k: marks(t.codes) for k, t in vocab().tables.items()}


def find_words(texts: list[str], sizes=SIZES) -> Hits:
    """Every occurrence in ``texts`` of a dictionary word of 2-4 characters (substrings may overlap)."""
    v = vocab()
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.r_[0, np.cumsum(lens + 1)[:-1]] if len(texts) else np.zeros(0, dtype=np.int64)
    joined = "\0".join(texts) + "\0"
    c = v.charmap[np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)].astype(np.uint64)
    n = len(c)
    parts = []
    for k in sizes:
        if n < k:
            continue
        code = window_codes(c, k)
        t = v.tables[k]
        if not len(t.codes):
            continue
        pos, at = search(t.codes, _vocab_marks()[k], code)
        parts.append((pos, t.word[at], np.full(len(pos), k, dtype=np.int64)))
    if not parts:
        e = np.zeros(0, dtype=np.int64)
        return Hits(e, e, e, e)
    pos = np.concatenate([p for p, _, _ in parts])
    word = np.concatenate([w for _, w, _ in parts])
    size = np.concatenate([s for _, _, s in parts])
    text = np.searchsorted(starts, pos, side="right") - 1
    return Hits(text, pos - starts[text], word, size)

"""Search snippets computed in Python over a bounded window, not by FTS5's ``snippet()``.

Why not ``snippet()`` or ``highlight()``: in SQLite 3.40 both cost O(hits²) in
the number of phrase hits in a document (snippet scores every candidate
fragment against every hit; highlight re-copies its growing output on every
hit), so a 1 MB article of one repeated word takes minutes (snippet: 0.74 s at
50 KB, 11.5 s at 200 KB; highlight: 10.6 s at 1 MB). And each is one C call:
SQLite's progress handler, which Datasette's time limit relies on, never runs
during it, so neither the limit nor SIGTERM stops the server.

Here FTS5 still decides which articles match and how they rank (``rank`` is
bm25 over the index, unchanged); only the few characters shown around a hit
come from Python. Finding the hits is one regex scan (linear), and choosing
and rendering the window look at a bounded number of hits and characters,
so a snippet costs milliseconds whatever the article.

The query's words are matched as FTS5's default tokenizer (unicode61) sees
them: letters and digits, case folded, diacritics removed, ``word*`` as a
prefix, a "quoted phrase" as its words in a row; words after NOT are not
marked. Where this reading and FTS5 disagree (a query on the title column
only, NEAR distances) the snippet shows the start of the text or marks a few
words too many; the result set and its order are FTS5's.
"""

from __future__ import annotations

import re
import unicodedata

TOKENS = 16  # as the ``snippet(..., 16)`` it replaces
_BEFORE = 3  # tokens of context before the first hit
_MAX_HITS = 64  # hits considered when choosing the window
_MAX_CHARS = 400  # a "token" of 10,000 letters without a space is still shown short
_TOKEN = re.compile(r"[^\W_]+")
# FTS5 query syntax: "phrase" (quotes doubled inside), {col col}: filters, col: filters,
# barewords (optionally prefix*), and the punctuation between them.
_QUERY = re.compile(r'"((?:[^"]|"")*)"(\*?)|\{[^}]*\}\s*:|([^\W_]+)\s*:|([^\W_]+)(\*?)|(\()|(\))|\S', re.UNICODE)
_KEYWORDS = {"AND", "OR", "NOT", "NEAR"}


class _Fold(dict):
    """Character -> the same character without diacritics, one for one, so offsets in
    the folded text are offsets in the original (unicode61's remove_diacritics)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        base = unicodedata.normalize("NFD", ch)
        value = base[0] if len(base) > 1 and all(unicodedata.combining(c) for c in base[1:]) else ch
        self[code] = value
        return value


_FOLD = _Fold()


def _fold(text: str) -> str:
    return text if text.isascii() else text.translate(_FOLD)


def query_pattern(query: str) -> re.Pattern | None:
    """A regex for the words of an FTS5 query, or None when it has none to mark."""
    alternatives: list[str] = []
    skip = 0  # after NOT: the next operand (a word, a phrase or a whole group) is not a hit
    depth = 0
    after_comma = False  # NEAR(a b, 5): the distance is not a word
    for m in _QUERY.finditer(query):
        phrase, phrase_prefix, _column, word, word_prefix, opened, closed = m.groups()
        near_distance, after_comma = after_comma, m[0] == ","
        if opened:
            depth += 1
            continue
        if closed:
            depth -= 1
            if skip and depth < skip:
                skip = 0
            continue
        words, prefix = None, ""
        if phrase is not None:
            words, prefix = _TOKEN.findall(_fold(phrase.replace('""', '"'))), phrase_prefix
        elif word is not None:
            if word in _KEYWORDS or near_distance:
                if word == "NOT":
                    skip = depth + 1
                continue
            words, prefix = [_fold(word)], word_prefix
        if not words:
            continue
        if skip:
            if depth < skip:  # a lone word or phrase after NOT
                skip = 0
            continue
        body = r"[\W_]+".join(re.escape(w) for w in words)
        alternatives.append(r"(?<![^\W_])" + body + (r"[^\W_]*" if prefix else r"(?![^\W_])"))
    if not alternatives:
        return None
    return re.compile("|".join(alternatives), re.IGNORECASE)


def make_snippet(text: str | None, query: str, *, start: str = "[", end: str = "]", ellipsis: str = "…") -> str:
    """About ``TOKENS`` words of ``text`` around its best hit for ``query``, the hits marked.

    The window starts at the hit that has the most distinct query words
    within reach (the earliest on a tie); with no hit, the start of the text.
    """
    if not text:
        return ""
    pattern = query_pattern(query)
    hits: list[re.Match] = []
    if pattern:
        folded = _fold(text)
        for hit in pattern.finditer(folded):
            hits.append(hit)
            if len(hits) >= _MAX_HITS:
                break
    if not hits:
        first = list(_tokens(text, 0, TOKENS))
        stop = first[-1][1] if first else min(len(text), _MAX_CHARS)
        return text[:stop] + (ellipsis if stop < len(text) else "")
    best = max(range(len(hits)), key=lambda i: (_distinct(hits, i), -i))
    anchor = hits[best].start()
    lo = max(0, anchor - _MAX_CHARS // 2)
    before = list(_TOKEN.finditer(text, lo, anchor))
    if len(before) >= _BEFORE:
        begin = before[-_BEFORE].start()
    elif lo == 0:
        begin = 0
    else:
        begin = before[0].start() if before else anchor
    after = list(_tokens(text, begin, TOKENS))
    stop = max(after[-1][1] if after else anchor, hits[best].end())
    stop = min(stop, begin + _MAX_CHARS)
    out, pos = [], begin
    for hit in hits[best:]:
        if hit.start() >= stop:
            break
        out += [text[pos:hit.start()], start, text[hit.start():min(hit.end(), stop)], end]
        pos = min(hit.end(), stop)
    out.append(text[pos:stop])
    return (ellipsis if begin > 0 else "") + "".join(out) + (ellipsis if stop < len(text) else "")


def _tokens(text: str, pos: int, count: int):
    """The spans of the next ``count`` tokens from ``pos``, looking at a bounded stretch."""
    for n, m in enumerate(_TOKEN.finditer(text, pos, pos + _MAX_CHARS)):
        if n >= count:
            return
        yield m.span()


def _distinct(hits: list[re.Match], i: int) -> int:
    reach = hits[i].start() + _MAX_CHARS // 2
    return len({hits[j][0].casefold() for j in range(i, len(hits)) if hits[j].start() < reach})

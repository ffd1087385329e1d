"""Verify a candidate pair: align the two articles sentence by sentence.

A pure function of two :class:`~dedupe.normalize.Cleaned` texts. Sentences
equal after normalisation are paired first (most republication is verbatim,
and a dict lookup is all that costs); the sentences left over are compared in
bulk with ``rapidfuzz.process.cdist`` (``fuzz.ratio``), never whole articles,
because ``partial_ratio`` on whole articles grows badly with their length.

The verdict is deliberately strict, because one false merge costs an analyst
more than a missed copy: enough text must be reused (a share of one side, and
a number of characters), and the reused text must not be only quotations, since
independent articles quoting the same speakers share exactly those sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from dedupe.normalize import MIN_UNIT, Cleaned

MIN_RATIO = 80  # fuzz.ratio for two sentences to count as one edited sentence
FUZZY_MIN = 30  # sentences shorter than this (skeleton chars) must match exactly
MIN_COVERAGE = 0.5  # the reused text is at least this share of one side
MIN_CHARS = 150  # ... and at least this many letters/digits
# An excerpt wrapped in a new intro and outro reuses a third of each side: accepted
# when it is one run of consecutive sentences, in order, of some length. Articles
# that share quotations share scattered sentences, not a run.
MIN_BOTH = 0.3
MIN_RUN = 250
MIN_UNQUOTED = 0.3  # ... of which at least this share is not quotation
# Short texts built from sentences cut out of the source and rejoined (answers, briefs)
# reuse a quarter of each side in no single run. Accepted only when both texts are
# short, a quarter of each is aligned nearly verbatim, and that reuse is at least
# MIN_DENSE_CHARS letters/digits that neither side quotes. On Helsinki news, loosening
# this (a quarter of one side, or long texts) joined different stories sharing tweets,
# quotations and wire background paragraphs.
MIN_DENSE_SHARE = 0.25
MIN_DENSE_CHARS = 300
MIN_DENSE_SCORE = 90
MAX_DENSE_TEXT = 3000  # letters/digits of the longer side
# Embedded social posts ("— Donald J. Trump (@realDonaldTrump) July 15, 2018") are
# quoted without quotation marks; different stories embed the same posts.
_EMBED = re.compile(r"\(@\w{1,30}\)|\bt\.co/|pic\.twitter\.com|a post shared by")
MAX_FUZZY_CELLS = 250_000  # bound on one cdist matrix (long articles are rare)


@dataclass
class Match:
    score: float  # 0-100: how close the aligned sentences are (100 = verbatim)
    coverage_a: float  # share of a's text that b reuses
    coverage_b: float
    passages: list[list[int]]  # [a_start, a_end, b_start, b_end], offsets into each article's text
    chars: int  # letters/digits aligned (a side)


def align(a: Cleaned, b: Cleaned, *, accept_all: bool = False) -> Match | None:
    """Align ``a`` with ``b``; None when they do not share enough text to be a republication."""
    total_a, total_b = a.length, b.length
    if not total_a or not total_b:
        return None
    pairs: dict[int, tuple[int, int]] = {}  # a unit -> (b unit, similarity)
    used_b: set[int] = set()
    where: dict[str, list[int]] = {}
    for j, s in enumerate(b.skeletons):
        if len(s) >= MIN_UNIT:
            where.setdefault(s, []).append(j)
    for i, s in enumerate(a.skeletons):
        js = where.get(s) if len(s) >= MIN_UNIT else None
        if js:
            j = js.pop(0)
            pairs[i] = (j, 100)
            used_b.add(j)
    left_a = [i for i, s in enumerate(a.skeletons) if i not in pairs and len(s) >= FUZZY_MIN]
    left_b = [j for j, s in enumerate(b.skeletons) if j not in used_b and len(s) >= FUZZY_MIN]
    if left_a and left_b and len(left_a) * len(left_b) <= MAX_FUZZY_CELLS:
        for i, j, sim in _best_pairs(a, b, left_a, left_b, fuzz.ratio, MIN_RATIO):
            pairs[i] = (j, sim)
    la = [len(s) for s in a.skeletons]
    lb = [len(s) for s in b.skeletons]
    if not pairs:
        return None
    matched_a = sum(la[i] for i in pairs)
    matched_b = sum(lb[j] for j, _ in pairs.values())
    unquoted = sum(la[i] for i in pairs if not a.quoted[i])
    weighted = sum(la[i] * sim for i, (_, sim) in pairs.items())
    cov_a, cov_b = matched_a / total_a, matched_b / total_b
    score = weighted / matched_a
    if not accept_all and (
        not (max(cov_a, cov_b) >= MIN_COVERAGE
             or (min(cov_a, cov_b) >= MIN_BOTH and _longest_run(pairs, la) >= MIN_RUN)
             or (min(cov_a, cov_b) >= MIN_DENSE_SHARE and max(total_a, total_b) <= MAX_DENSE_TEXT
                 and score >= MIN_DENSE_SCORE and _unquoted_both(a, b, pairs, la) >= MIN_DENSE_CHARS
                 and not any(_EMBED.search(a.units[i]) for i in pairs)))
        or min(matched_a, matched_b) < MIN_CHARS
        or unquoted < MIN_UNQUOTED * matched_a
    ):
        return None
    return Match(
        score=round(score, 2),
        coverage_a=round(min(1.0, cov_a), 4),
        coverage_b=round(min(1.0, cov_b), 4),
        passages=_passages(a, b, pairs),
        chars=matched_a,
    )


def _best_pairs(a: Cleaned, b: Cleaned, left_a: list[int], left_b: list[int], scorer, cutoff: int):
    """One-to-one sentence pairs, best scores first, from one bulk ``cdist``."""
    sim = process.cdist([a.units[i] for i in left_a], [b.units[j] for j in left_b],
                        scorer=scorer, score_cutoff=cutoff, dtype=np.uint8)
    rows, cols = np.nonzero(sim)
    order = np.argsort(-sim[rows, cols], kind="stable")
    taken_a: set[int] = set()
    taken_b: set[int] = set()
    for k in order:
        i, j = left_a[rows[k]], left_b[cols[k]]
        if i in taken_a or j in taken_b:
            continue
        taken_a.add(i)
        taken_b.add(j)
        yield i, j, int(sim[rows[k], cols[k]])


def _unquoted_both(a: Cleaned, b: Cleaned, pairs: dict[int, tuple[int, int]], la: list[int]) -> int:
    """Letters/digits of a's aligned sentences that are a quotation on neither side."""
    return sum(la[i] for i, (j, _) in pairs.items() if not a.quoted[i] and not b.quoted[j])


def _longest_run(pairs: dict[int, tuple[int, int]], la: list[int]) -> int:
    """Letters/digits of the longest run of consecutive sentences aligned in order on both sides."""
    best = run = 0
    prev = None
    for i in sorted(pairs):
        j = pairs[i][0]
        run = run + la[i] if prev is not None and i == prev[0] + 1 and j == prev[1] + 1 else la[i]
        best = max(best, run)
        prev = (i, j)
    return best


def _passages(a: Cleaned, b: Cleaned, pairs: dict[int, tuple[int, int]]) -> list[list[int]]:
    """Runs of consecutive aligned sentences, as character offsets into both texts."""
    runs: list[list[int]] = []
    prev: tuple[int, int] | None = None
    for i in sorted(pairs):
        j = pairs[i][0]
        (a0, a1), (b0, b1) = a.spans[i], b.spans[j]
        if prev is not None and i == prev[0] + 1 and j == prev[1] + 1:
            runs[-1][1], runs[-1][3] = a1, b1
        else:
            runs.append([a0, a1, b0, b1])
        prev = (i, j)
    return runs

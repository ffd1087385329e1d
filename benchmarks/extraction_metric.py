"""The article-extraction-benchmark body metric, written to match upstream semantics.

scrapinghub/article-extraction-benchmark evaluate.py: tokens are ``\\w+`` matches (case kept),
shingles are 4-grams counted with multiplicity (a text shorter than 4 tokens is one shorter
shingle, an empty text none), tp/fp/fn per page are normalised to sum to 1, precision is the
mean over pages with tp+fp > 0, recall over pages with tp+fn > 0, F1 is the harmonic mean of
those two means. Validated by reproducing the published trafilatura figure from the stored
output (see docs/extraction.md).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter

_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str | None, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def page_scores(true: str | None, pred: str | None) -> tuple[float, float, float]:
    t, p = shingles(true), shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    if total:
        return tp / total, fp / total, fn / total
    return 0.0, 0.0, 0.0


def _precision(tp, fp, fn):
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def _recall(tp, fp, fn):
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def summarise(scores: list[tuple[float, float, float]]) -> dict:
    precision = statistics.mean(_precision(*s) for s in scores if s[0] + s[1] > 0)
    recall = statistics.mean(_recall(*s) for s in scores if s[0] + s[2] > 0)
    return {"f1": 2 * precision * recall / (precision + recall), "precision": precision, "recall": recall}


def evaluate(ground_truth: dict, predicted: dict) -> dict:
    """ground_truth/predicted: {page_id: {"articleBody": str}} (predicted may miss pages)."""
    scores = [
        page_scores(ground_truth[k].get("articleBody", ""), (predicted.get(k) or {}).get("articleBody", ""))
        for k in ground_truth
    ]
    return summarise(scores)

"""The benchmark metric (benchmarks/extraction_metric.py) on hand-checked cases."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from extraction_metric import evaluate, page_scores, shingles  # noqa: E402


def test_shingles_are_counted_4grams_of_word_tokens():
    assert shingles("a b c d a b c d") == {("a", "b", "c", "d"): 2, ("b", "c", "d", "a"): 1,
                                           ("c", "d", "a", "b"): 1, ("d", "a", "b", "c"): 1}
    assert shingles("Hello, world!") == {("Hello", "world"): 1}  # shorter than 4: one shingle
    assert shingles("") == {}


def test_page_scores_are_normalised():
    assert page_scores("a b c d e", "a b c d e") == (1.0, 0.0, 0.0)
    tp, fp, fn = page_scores("a b c d e f", "a b c d x y")  # 1 shared of 3 true, 3 predicted
    assert (tp, fp, fn) == pytest.approx((1 / 5, 2 / 5, 2 / 5))
    assert page_scores("", "") == (0.0, 0.0, 0.0)


def test_means_over_pages_then_f1_of_the_means():
    truth = {"1": {"articleBody": "a b c d e"}, "2": {"articleBody": "p q r s t u"}}
    predicted = {"1": {"articleBody": "a b c d e"}, "2": {"articleBody": "p q r s"}}
    m = evaluate(truth, predicted)
    # page 2: tp 1, fn 2 -> precision 1, recall 1/3
    assert m["precision"] == pytest.approx(1.0)
    assert m["recall"] == pytest.approx((1 + 1 / 3) / 2)
    assert m["f1"] == pytest.approx(2 * m["precision"] * m["recall"] / (m["precision"] + m["recall"]))


def test_empty_prediction_counts_as_zero_recall_not_skipped():
    truth = {"1": {"articleBody": "a b c d e"}, "2": {"articleBody": "p q r s t"}}
    m = evaluate(truth, {"1": {"articleBody": "a b c d e"}})
    assert m["recall"] == pytest.approx(0.5)
    assert m["precision"] == pytest.approx(1.0)  # page 2 has tp+fp == 0: left out of precision

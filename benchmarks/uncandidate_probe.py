"""Which pairs that never become candidates would the verification accept?

Candidates come from shared fingerprints (32-letter shingles, winnowed): a pair sharing
fewer than the candidate stage asks for is never aligned. Reworded copies (machine
rewrites, round-trip translations) share few or none, so `dedupe.align` never sees them,
though its rewrite and short-text rules accept some when the two are aligned directly
(`web_copies_heldout2.csv`: AFP's wheat story and a rewrite sharing 1 fingerprint, Xinhua's
Nairobi gala feature and a round-trip translation sharing 0).

This script aligns *every* pair of the labelled real sets that the candidate rule of
``syndtrack.clustering.stage_candidates`` would not propose, and counts what ``align``
accepts, same story or not (from the labels). It measures what any new candidate source
for rewordings could gain at most (the same-story pairs accepted) and what it could cost
(the different-story pairs accepted): a source can only be as precise as the verification
behind it.

Usage::

    python benchmarks/uncandidate_probe.py               # the three web sets (~1 min)
    python benchmarks/uncandidate_probe.py --days        # also the three news days (2 processes, ~10 min)
"""

from __future__ import annotations

import argparse
import csv
import importlib
import itertools
import sys
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from eval_cache import CACHES  # noqa: E402
from web_copies_eval import page_text  # noqa: E402
from dedupe.fingerprint import fingerprint_batch  # noqa: E402
from dedupe.normalize import clean, scan  # noqa: E402
from syndtrack.clustering.settings import MIN_SHARED_SHARE, SPUN_LENGTH_RATIO, SPUN_MIN_SHARED  # noqa: E402

align = importlib.import_module("dedupe.align")  # the module, not the function the package exports
LABELS = ROOT / "benchmarks" / "labels"
WEB_SETS = tuple(CACHES["web-copies"])

_texts: list = []


def is_candidate(fa: set, fb: set) -> bool:
    """stage_candidates' rule on two fingerprint sets."""
    shared = len(fa & fb)
    smaller, larger = min(len(fa), len(fb)), max(len(fa), len(fb))
    if shared and shared >= round(MIN_SHARED_SHARE * smaller):
        return True
    return shared >= SPUN_MIN_SHARED and smaller >= SPUN_LENGTH_RATIO * larger


def _init(texts) -> None:
    global _texts
    _texts = texts


def _judge(pair):
    x, y = pair
    v = align.judge(_texts[x], _texts[y])
    if v is None or not v.accepted:
        return None
    rule = next(r for r in ("one_side_covered", "run_on_both", "dense_short", "carried_lead", "carried_passage",
                            "paraphrase", "reworded") if getattr(v, r))
    return x, y, rule, round(v.score, 1), round(v.coverage_a, 2), round(v.coverage_b, 2)


def probe(name: str, titles: list[str | None], texts: list[str], stories: list[str], ids: list[str], workers: int):
    cleaned = [clean(t, title=ti) for t, ti in zip(texts, titles)]
    prints = [set(f.tolist()) for f in fingerprint_batch([scan(t, title=ti).skeleton for t, ti in zip(texts, titles)])]
    pairs = [(x, y) for x, y in itertools.combinations(range(len(texts)), 2) if not is_candidate(prints[x], prints[y])]
    with Pool(workers, initializer=_init, initargs=(cleaned,)) as pool:
        found = [r for r in pool.imap_unordered(_judge, pairs, chunksize=200) if r is not None]
    same = [r for r in found if stories[r[0]] == stories[r[1]]]
    true_pairs = sum(1 for x, y in itertools.combinations(range(len(texts)), 2) if stories[x] == stories[y])
    missed_true = sum(1 for x, y in pairs if stories[x] == stories[y])
    print(f"{name}: {len(texts)} texts, {len(pairs)} pairs not candidates ({missed_true} of the {true_pairs} "
          f"same-story pairs); accepted when aligned: {len(same)} same story, {len(found) - len(same)} different")
    for x, y, rule, score, ca, cb in sorted(found, key=lambda r: stories[r[0]] != stories[r[1]]):
        tag = "SAME" if stories[x] == stories[y] else "DIFF"
        print(f"  {tag} {rule:<16} score {score:5.1f} cov {ca:.2f}/{cb:.2f}  {ids[x]} ~ {ids[y]}")


def web(name: str, workers: int) -> None:
    cache = Path.home() / ".cache" / "syndtrack" / "web-copies"
    rows = [r for r in csv.DictReader((LABELS / name).open(encoding="utf-8")) if (cache / r["cache"]).exists()]
    # The search tool's " date YYYY-MM-DD" prefix is not page text (web_copies_eval.py drops it too).
    texts = [page_text((cache / r["cache"]).read_text(encoding="utf-8")) for r in rows]
    probe(name, [None] * len(rows), texts, [r["story"] for r in rows], [r["cache"] for r in rows], workers)


def day(name: str, workers: int) -> None:
    import dedupe_quality as dq
    import story_eval as se

    arts, _ = dq.news_day_articles(name)
    labels = se.read_labels(se.labels_of(name))
    stories = [labels.get(se.article_key(a["url"]), {}).get("story") or a["url"] for a in arts]
    probe(name, [a["title"] for a in arts], [a["text"] for a in arts], stories,
          [a["url"].rsplit("/", 1)[-1] + " " + a["url"].split("/")[2] for a in arts], workers)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", action="store_true", help="also every pair of the three news days")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    for name in WEB_SETS:
        web(name, args.workers)
    if args.days:
        for name in ("census", "spotify", "helsinki"):
            day(name, args.workers)


if __name__ == "__main__":
    main()

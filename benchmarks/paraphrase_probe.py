"""Could a paraphrase signal match the Clough & Stevenson "light" answers without joining news stories?

Issue 4 asks that every Clough & Stevenson ``cut`` and ``light`` answer be matched
to its source. The ones syndtrack misses reuse 3-16% of the source's word 5-grams:
their sentences are reworded, not copied. This script measures the most direct
signal for that kind of reuse, on the answers and on real news, so the trade-off
can be checked rather than taken on trust:

* both texts reduced to content words (no stop words, first 5 letters as a cheap
  stem; quotations, embedded posts and the text just before a post's attribution
  line, and stock disclaimers left out, as dedupe.align does);
* one LCS of the two word sequences (rapidfuzz ``Indel.opcodes``); its matched
  words grouped into *chains* (consecutive matches with gaps of at most one word on
  both sides), chains of 4+ words kept;
* ``coverage``: share of the shorter text's content words in chains; ``spread``:
  share of the shorter text's sentences holding a chain; ``words``: words in chains.

Then it lists (1) every Clough & Stevenson answer dedupe.align rejects (and the
heavy ones), with the figures, and (2) every pair of short Helsinki articles
(<= 3,000 letters/digits each, different publishers) that align rejects but a
candidate rule (``--coverage``, ``--words``, ``--spread``) would accept — read those
to see whether they are one story or two.

Part (3), ``--only feasibility``, asks whether any method could pass the issue's
Clough & Stevenson criterion (every cut/light answer matched, no non answer): it lists
the cut/light answers that score no higher than some non answers of the same task on
both 5-gram reuse and TF-IDF cosine to the source.

Usage::

    python benchmarks/paraphrase_probe.py                 # all parts, the default rule
    python benchmarks/paraphrase_probe.py --only clough
    python benchmarks/paraphrase_probe.py --only feasibility
    python benchmarks/paraphrase_probe.py --coverage 0.25 --spread 0.5

The Helsinki part compares ~68k pairs and takes about a minute here.
Findings (2026-11-26) are in docs/evaluation.md ("Clough & Stevenson: why not every light answer").
"""

from __future__ import annotations

import argparse
import itertools
import math
import re
import sys
from collections import Counter
from pathlib import Path

from rapidfuzz.distance import Indel

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedupe.align import _EMBED, align, is_stock  # noqa: E402
from dedupe.normalize import Cleaned, clean  # noqa: E402

STOP = set(
    "a an the and or but of to in on at by for with from as is are was were be been being it its this that these those "
    "which who whom whose what when where why how not no nor so than then there their they them he she his her him we "
    "our you your i me my mr mrs ms said says say also can could would should will shall may might must do does did "
    "done has have had having into over under about after before between through during up down out off more most "
    "such only other some any each all both very just one two new".split()
)
WORD = re.compile(r"[^\W_]+")
CHAIN_MIN, GAP = 4, 1


def _left_out(c: Cleaned) -> set[int]:
    out = set()
    for i, u in enumerate(c.units):
        if c.quoted[i] or is_stock(u):
            out.add(i)
        if _EMBED.search(u):
            # The post's own text sits just before its attribution line.
            out.add(i)
            k = i - 1
            while k >= max(0, i - 4) and c.spans[i][0] - c.spans[k][1] < 400:
                out.add(k)
                k -= 1
    return out


def content_words(c: Cleaned) -> tuple[list[str], list[int]]:
    """Stemmed content words, and the sentence each comes from."""
    skip = _left_out(c)
    words, where = [], []
    for i, u in enumerate(c.units):
        if i not in skip:
            for w in WORD.findall(u):
                if w not in STOP and len(w) > 2:
                    words.append(w[:5])
                    where.append(i)
    return words, where


def features(a: Cleaned, b: Cleaned) -> dict:
    (wa, ua), (wb, ub) = content_words(a), content_words(b)
    if not wa or not wb:
        return {"coverage": 0.0, "words": 0, "spread": 0.0}
    matched = [(blk.a + k, blk.b + k) for blk in Indel.opcodes(wa, wb).as_matching_blocks() for k in range(blk.size)]
    chains, run = [], []
    for p in matched:
        if run and p[0] - run[-1][0] <= GAP + 1 and p[1] - run[-1][1] <= GAP + 1:
            run.append(p)
        else:
            if len(run) >= CHAIN_MIN:
                chains.append(run)
            run = [p]
    if len(run) >= CHAIN_MIN:
        chains.append(run)
    in_chains = sum(map(len, chains))
    a_shorter = len(wa) <= len(wb)
    units, side = (ua, 0) if a_shorter else (ub, 1)
    hit = {units[p[side]] for ch in chains for p in ch}
    return {"coverage": round(in_chains / min(len(wa), len(wb)), 3), "words": in_chains,
            "spread": round(len(hit) / max(1, len(set(units))), 2)}


def accepted(f: dict, args) -> bool:
    return f["coverage"] >= args.coverage and f["words"] >= args.words and f["spread"] >= args.spread


def clough(args) -> None:
    from dedupe_quality import clough_articles

    arts, _ = clough_articles()
    src = {a["label"]["task"]: a for a in arts if a["label"]["category"] == "orig"}
    print("Clough & Stevenson answers that align() rejects (and every heavy one):")
    print(f"  {'category':8} {'answer':16} {'coverage':>8} {'words':>5} {'spread':>6}  rule")
    for a in arts:
        cat = a["label"]["category"]
        if cat == "orig":
            continue
        ca, co = clean(a["text"]), clean(src[a["label"]["task"]]["text"])
        f = features(ca, co)
        if align(ca, co) is None and (cat != "non" or accepted(f, args)) or cat == "heavy":
            print(f"  {cat:8} {a['title']:16} {f['coverage']:8.3f} {f['words']:5} {f['spread']:6.2f}  "
                  f"{'ACCEPT' if accepted(f, args) else '-'}")
    non = [features(clean(a["text"]), clean(src[a["label"]["task"]]["text"])) for a in arts if a["label"]["category"] == "non"]
    print(f"  non answers: highest coverage {max(f['coverage'] for f in non):.3f}, "
          f"accepted by the rule {sum(accepted(f, args) for f in non)} / {len(non)}")


def feasibility(args) -> None:
    """Could *any* method that scores an answer by its similarity to its source match every
    cut/light answer and no non answer? For each cut/light answer, on two measures (the
    share of its word 5-grams found in the source, and TF-IDF cosine to the source, the
    usual topic-similarity signal), count the non answers of the same task that score at
    least as high: if both counts are above zero, no threshold on either measure can accept
    the answer without accepting those non answers too."""
    from dedupe_quality import clough_articles, containment

    arts, _ = clough_articles()
    words = [Counter(w.lower() for w in WORD.findall(a["text"])) for a in arts]
    df = Counter(w for c in words for w in c)
    n = len(arts)

    def tfidf(c: Counter) -> dict[str, float]:
        v = {w: k * math.log(n / df[w]) for w, k in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {w: x / norm for w, x in v.items()}

    vecs = [tfidf(c) for c in words]
    src = {a["label"]["task"]: i for i, a in enumerate(arts) if a["label"]["category"] == "orig"}
    scores = {}
    for i, a in enumerate(arts):
        if a["label"]["category"] != "orig":
            s = vecs[src[a["label"]["task"]]]
            scores[i] = (containment(a["text"], arts[src[a["label"]["task"]]]["text"]),
                         sum(x * s.get(w, 0.0) for w, x in vecs[i].items()))
    print("\nClough & Stevenson: cut/light answers that no similarity threshold can separate from the non answers")
    print(f"  {'category':8} {'answer':16} {'5-gram reuse':>12} {'non >=':>6} {'tf-idf cos':>10} {'non >=':>6}")
    for i, (reuse, cos) in scores.items():
        a = arts[i]
        if a["label"]["category"] not in ("cut", "light"):
            continue
        non = [scores[j] for j in scores if arts[j]["label"]["task"] == a["label"]["task"]
               and arts[j]["label"]["category"] == "non"]
        above_reuse = sum(r >= reuse for r, _ in non)
        above_cos = sum(c >= cos for _, c in non)
        if above_reuse and above_cos:
            print(f"  {a['label']['category']:8} {a['title']:16} {reuse:12.3f} {above_reuse:6} {cos:10.3f} {above_cos:6}"
                  f"   (of {len(non)} non answers)")


def helsinki(args) -> None:
    from dedupe_quality import helsinki_articles

    arts, _ = helsinki_articles()
    cleaned = [clean(a["text"], title=a["title"]) for a in arts]
    short = [i for i, c in enumerate(cleaned) if 0 < c.length <= 3000]
    hits = []
    for i, j in itertools.combinations(short, 2):
        if arts[i]["outlet"] == arts[j]["outlet"]:
            continue
        f = features(cleaned[i], cleaned[j])
        if accepted(f, args) and align(cleaned[i], cleaned[j]) is None:
            hits.append((f, i, j))
    print(f"\nHelsinki: {len(short)} short articles; pairs the rule adds to what align() accepts: {len(hits)}")
    for f, i, j in sorted(hits, key=lambda h: -h[0]["coverage"]):
        print(f"  {f['coverage']:.3f} {f['words']:4} {f['spread']:.2f}  [{arts[i]['label']['id']}] {arts[i]['outlet']}: "
              f"{arts[i]['title'][:55]!r}  ||  [{arts[j]['label']['id']}] {arts[j]['outlet']}: {arts[j]['title'][:55]!r}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=["clough", "feasibility", "helsinki"])
    ap.add_argument("--coverage", type=float, default=0.25, help="least share of the shorter text's content words in chains")
    ap.add_argument("--words", type=int, default=24, help="least content words in chains")
    ap.add_argument("--spread", type=float, default=0.4, help="least share of the shorter text's sentences holding a chain")
    args = ap.parse_args(argv)
    if args.only in (None, "clough"):
        clough(args)
    if args.only in (None, "feasibility"):
        feasibility(args)
    if args.only in (None, "helsinki"):
        helsinki(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

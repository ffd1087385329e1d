"""Paraphrased copies (issue 12, item 5): recall of relation `paraphrased` on spun copies of
real articles, and its precision against real distinct articles on the same topics.

The real articles: the 612 Helsinki news-day articles (one event, many outlets: same-topic
reports by different newsrooms, wire copies and write-throughs) and the autoblog's 2016
posts (Reuters, Wired, AP papers...), loaded and clustered as benchmarks/dedupe_quality.py
does (its loaders and ``run_system`` are imported). Sources: every ``--every``-th article of
at least ``--min-words`` words. Each source gets spun copies (benchmarks/spin.py: synonym
table, word order within clauses, sentence drops) on a spinner outlet a day later (after
the real copies of the day, so the real origin stays the origin), at two levels:

* ``light``: half the words that have a synonym swapped, 30% of sentences reordered, 5% dropped;
* ``spun``: every such word swapped, 60% reordered, 10% dropped.

Reported per level and per measured share of words kept (rapidfuzz Indel similarity of
the two word sequences): copies recorded `paraphrased` in their source's cluster (recall;
the origin is the source, or the article the source itself copies), found at all (in the
source's cluster, any relation), and not found. Then precision: of all members recorded
`paraphrased`, those that are a spun copy in its source's cluster; every other one is
listed (a real article may never be `paraphrased`).

Usage::

    python benchmarks/paraphrase_eval.py                 # Helsinki + autoblog, every 8th source
    python benchmarks/paraphrase_eval.py --every 4 --json out.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rapidfuzz.distance import Indel  # noqa: E402

from dedupe import align, clean  # noqa: E402
from dedupe_quality import autoblog_articles, helsinki_articles, run_system  # noqa: E402
from spin import spin  # noqa: E402

LEVELS = {"light": {"words": 0.5, "reorder": 0.3, "drop": 0.05}, "spun": {"words": 1.0, "reorder": 0.6, "drop": 0.1}}


def later(published: str, hours: float) -> str:
    when = datetime.fromisoformat(published.replace("Z", "+00:00").replace(" ", "T"))
    return (when + timedelta(hours=hours)).isoformat()


def kept_words(a: str, b: str) -> float:
    """How much of the wording survived: Indel similarity of the two word sequences."""
    return Indel.normalized_similarity(re.findall(r"\w+", a.lower()), re.findall(r"\w+", b.lower()))


def bucket(kept: float) -> str:
    return "words kept < 0.80" if kept < 0.8 else ("words kept 0.80-0.90" if kept < 0.9 else "words kept >= 0.90")


def build(every: int, min_words: int) -> tuple[list[dict], list[dict]]:
    """The real articles, and the spun copies (each labelled with its source's URL and level)."""
    real = helsinki_articles()[0] + autoblog_articles()[0]
    sources = [a for a in real if len(a["text"].split()) >= min_words][::every]
    copies = []
    for n, src in enumerate(sources):
        for level, knobs in LEVELS.items():
            paras = spin(src["text"].split("\n\n"), seed=n, **knobs)
            copies.append({"url": f"https://{level}-spinner.example/{n}", "outlet": f"{level}-spinner.example",
                           "title": src["title"], "text": "\n\n".join(paras), "published": later(src["published"], 26),
                           "language": "en", "label": {"source": src["url"], "level": level,
                                                       "kept": kept_words(src["text"], "\n\n".join(paras))}})
    return real, copies


def evaluate(real: list[dict], copies: list[dict]) -> dict:
    t0 = time.perf_counter()
    run = run_system("syndtrack", real + copies, [])
    seconds = round(time.perf_counter() - t0, 1)
    ids, pred, origins = run["ids"], run["pred"], run["origins"]
    url_of = {i: u for u, i in ids.items()}
    source_of = {ids[c["url"]]: ids[c["label"]["source"]] for c in copies}
    level_of = {ids[c["url"]]: c["label"]["level"] for c in copies}
    kept_of = {ids[c["url"]]: c["label"]["kept"] for c in copies}
    groups: dict[str, Counter] = {}

    def in_source_cluster(i: int) -> bool:
        m, s = pred.get(i), pred.get(source_of[i])
        return m is not None and s is not None and m.cluster == s.cluster

    for cid in source_of:
        for key in (level_of[cid], bucket(kept_of[cid])):
            got = groups.setdefault(key, Counter())
            got["copies"] += 1
            if not in_source_cluster(cid):
                got["not found"] += 1
                continue
            got["found"] += 1
            got[f"relation:{pred[cid].relation}"] += 1
    text_of = {ids[a["url"]]: a["text"] for a in real + copies}
    real_source = {ids[c["url"]]: c["label"]["source"] for c in copies}

    def same_text(i: int) -> bool:
        """Whether the origin of spun copy ``i`` carries its source's text (another carrier of
        one wire story, or another spun copy of one source): not a false paraphrase."""
        origin = origins.get(pred[i].cluster)
        if origin is None:
            return False
        theirs = text_of[ids[real_source[origin]]] if origin in real_source else text_of[origin]
        m = align(clean(text_of[source_of[i]]), clean(theirs))
        return m is not None and max(m.coverage_a, m.coverage_b) >= 0.75

    paraphrased = [i for i, m in pred.items() if m.relation == "paraphrased"]
    other_carrier = [i for i in paraphrased if i in source_of and not in_source_cluster(i) and same_text(i)]
    wrong = [{"member": url_of[i], "origin": url_of.get(origins.get(pred[i].cluster))}
             for i in paraphrased if (i not in source_of or not in_source_cluster(i)) and i not in other_carrier]
    right = len(paraphrased) - len(wrong)
    recall = {k: round(c["relation:paraphrased"] / max(c["copies"], 1), 4) for k, c in sorted(groups.items())}
    return {"real_articles": len(real), "spun_copies": len(copies),
            "groups": {k: dict(v) for k, v in sorted(groups.items())},
            "recall_paraphrased": recall, "paraphrased_members": len(paraphrased),
            "precision_paraphrased": round(right / len(paraphrased), 4) if paraphrased else None,
            "of_which_origin_another_carrier_of_the_source_text": len(other_carrier),
            "real_articles_paraphrased": sum(1 for i in paraphrased if i not in source_of),
            "wrong": wrong, "cluster_s": seconds}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--every", type=int, default=8, help="take every N-th real article as a source")
    ap.add_argument("--min-words", type=int, default=250, help="sources have at least this many words")
    ap.add_argument("--json", help="write the full result here")
    args = ap.parse_args()
    real, copies = build(args.every, args.min_words)
    result = evaluate(real, copies)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "wrong"}))
    for w in result["wrong"][:20]:
        print("  not a spun copy of its origin:", json.dumps(w))
    return 0


if __name__ == "__main__":
    sys.exit(main())

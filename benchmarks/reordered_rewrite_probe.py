"""Could a rewrite that re-orders its paragraphs be told from an own report of the same event?

``dedupe.align``'s reworded-rewrite rule (REWORD_*) pairs sentences by word content
(token_sort_ratio >= 50) and keeps the heaviest *in-order* chain. MENAFN's rewrites of RT
pieces and the padded rewrites of Xinhua's Lekki port dispatch (the held-out set's misses)
re-order the paragraphs, so their chain is 3 sentences long while 7 sentences pair. This
script measures the order-free version of the signal on every pair of the labelled real
pages (and, with ``--days``, every candidate pair of the three labelled news days) that
no rule accepts: how many sentences pair one to one, their share of each text, the median
token score, and the in-order chain for comparison. Same story or not comes from the labels.

Usage::

    python benchmarks/reordered_rewrite_probe.py               # the web pages, both label sets
    python benchmarks/reordered_rewrite_probe.py --days        # also the news days (~2 min)

Findings (5 Dec 2026) in docs/evaluation.md ("Re-ordered rewrites: probed, not built").
"""

from __future__ import annotations

import argparse
import csv
import importlib
import itertools
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from web_copies_eval import page_text  # noqa: E402
from dedupe.normalize import clean  # noqa: E402

align = importlib.import_module("dedupe.align")  # the module, not the function the package exports
LABELS = ROOT / "benchmarks" / "labels"


def order_free(a, b) -> tuple | None:
    """(sentences paired, lower share, higher share, median token score, in-order chain) or None
    when the rewrite rule would not look at the pair (under 4 sentences a side, CJK)."""
    la = [len(s) for s in a.skeletons]
    lb = [len(s) for s in b.skeletons]
    if min(len(la), len(lb)) < align.REWORD_SENTENCES or align._cjk(a) or align._cjk(b):
        return None
    tp = align._token_pairs(a, b, {}, align.REWORD_TOKEN)
    if not tp:
        return (0, 0.0, 0.0, 0, 0)
    ca = sum(la[i] for i in tp) / max(1, sum(la))
    cb = sum(lb[j] for j, _, _ in tp.values()) / max(1, sum(lb))
    toks = sorted(t for _, _, t in tp.values())
    chain = align._in_order({i: (j, s) for i, (j, s, _) in tp.items()}, la)
    return (len(tp), round(min(ca, cb), 2), round(max(ca, cb), 2), toks[len(toks) // 2], len(chain))


def rejected(a, b) -> bool:
    if not a.length or not b.length or min(a.length, b.length) < align.PARA_LENGTH * max(a.length, b.length):
        return False
    v = align.judge(a, b)
    return v is None or not v.accepted


def web_rows():
    cache = Path.home() / ".cache" / "syndtrack" / "web-copies"
    for name in ("web_copies.csv", "web_copies_heldout.csv"):
        rows = [r for r in csv.DictReader((LABELS / name).open(encoding="utf-8")) if (cache / r["cache"]).exists()]
        cl = [clean(page_text((cache / r["cache"]).read_text(encoding="utf-8")))
              for r in rows]
        for x, y in itertools.combinations(range(len(rows)), 2):
            if rejected(cl[x], cl[y]) and (s := order_free(cl[x], cl[y])) is not None:
                yield (name, rows[x]["story"] == rows[y]["story"], *s, rows[x]["cache"], rows[y]["cache"])


def day_rows(day: str):
    import dedupe_quality as dq
    import story_eval as se
    from dedupe.fingerprint import fingerprint_batch

    arts, _ = dq.news_day_articles(day)
    labels = se.read_labels(se.labels_of(day))
    story = {a["url"]: labels.get(se.article_key(a["url"]), {}).get("story") for a in arts}
    cl = [clean(a["text"], title=a["title"]) for a in arts]
    post = defaultdict(list)
    for i, f in enumerate(fingerprint_batch(["".join(c.skeletons) for c in cl])):
        for h in set(f.tolist()):
            post[h].append(i)
    cand = {p for ids in post.values() if len(ids) <= 400 for p in itertools.combinations(ids, 2)}
    for x, y in sorted(cand):
        if rejected(cl[x], cl[y]) and (s := order_free(cl[x], cl[y])) is not None:
            yield (day, story[arts[x]["url"]] == story[arts[y]["url"]], *s, arts[x]["url"], arts[y]["url"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", action="store_true", help="also the candidate pairs of the three news days")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    rows = list(web_rows())
    if args.days:
        for day in ("helsinki", "census", "spotify"):
            rows += list(day_rows(day))
    same = [r for r in rows if r[1]]
    print(f"pairs no rule accepts (similar length, 4+ sentences a side): {len(rows)}, {len(same)} of them one story")
    for name in sorted({r[0] for r in rows}):
        for share in (0.6, 0.65):
            diff = [r for r in rows if r[0] == name and not r[1] and r[3] >= share and r[2] >= align.REWORD_SENTENCES]
            print(f"{name}: different stories with {align.REWORD_SENTENCES}+ sentences paired covering >= {share} of each: "
                  f"{len(diff)}, medians {sorted(r[5] for r in diff)}")
    print("set  same  paired  share(low/high)  median  chain  pair")
    for r in sorted(rows, key=lambda r: -r[3])[: args.top]:
        print(f"{r[0][:12]:<12} {'SAME' if r[1] else '-':<4} {r[2]:>3}  {r[3]:.2f}/{r[4]:.2f}  {r[5]:>3}  {r[6]:>3}  {r[7]} ~ {r[8]}")
    for r in same:
        if r[0] not in ("web_copies.csv", "web_copies_heldout.csv"):
            continue  # a news day's versions (joined as stories, not by this rule): too many to list
        better = [o for o in rows if not o[1] and o[3] >= r[3] and o[5] >= r[5]]
        print(f"one story: {r[7]} ~ {r[8]}: share {r[3]:.2f}, median {r[5]}; different stories at least as high on both: {len(better)}")


if __name__ == "__main__":
    main()

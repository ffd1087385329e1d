"""A candidate source of names and figures for reworded copies: what it would propose.

Reworded copies (a paraphrase sentence by sentence, a round-trip translation) share few
32-letter shingles, so they never become candidates, though ``dedupe.align`` accepts some
when aligned directly (``uncandidate_probe.py``). Their names and figures survive. This
script keys every labelled real text by runs of ``--window`` consecutive capitalised words
or numbers (English stop words out) over its first ``--lead`` characters, and counts, among
the pairs the candidate rule does not propose today and whose fingerprint counts are within
``--ratio`` of each other, those a rule on shared keys would propose, same story or not.
Measured on 6 Dec 2026 and not built (docs/evaluation.md, "A candidate source of names and
figures"): the two misses of ``web_copies_heldout2.csv`` share 16 and 14 keys, but keying
costs 35-135 µs an article and as many postings again as the fingerprints.

Usage::

    python benchmarks/namekey_probe.py            # the web sets and the three news days (~1 min)
"""

from __future__ import annotations

import argparse
import csv
import itertools
import re
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import uncandidate_probe as up  # noqa: E402
from web_copies_eval import page_text  # noqa: E402
from dedupe.fingerprint import fingerprint_batch  # noqa: E402
from dedupe.normalize import scan  # noqa: E402
from dedupe.xlang.text import STOP_EN  # noqa: E402

WORD = re.compile(r"[^\W_][\w'’]*(?:[.,]\d+)*")
RULES = [(4, 0.0), (6, 0.0), (3, 0.1), (4, 0.1), (4, 0.2)]  # (shared keys, share of the smaller's keys)


def name_keys(text: str, window: int) -> set[int]:
    seq = []
    for w in WORD.findall(text):
        if w[0].isdigit():
            seq.append(w.replace(",", ""))
        elif w[0].isupper() and len(w) > 1 and w.lower() not in STOP_EN:
            seq.append(w.lower())
    return {zlib.crc32(" ".join(seq[i : i + window]).encode()) for i in range(len(seq) - window + 1)}


def probe(name, titles, texts, stories, ids, args) -> None:
    prints = [set(f.tolist()) for f in fingerprint_batch([scan(t, title=ti).skeleton for t, ti in zip(texts, titles)])]
    keys = [name_keys(t[: args.lead], args.window) for t in texts]
    rows = []
    for x, y in itertools.combinations(range(len(texts)), 2):
        lx, ly = len(prints[x]), len(prints[y])
        if up.is_candidate(prints[x], prints[y]) or min(lx, ly) < args.ratio * max(lx, ly):
            continue
        shared = len(keys[x] & keys[y])
        rows.append((shared, shared / (min(len(keys[x]), len(keys[y])) or 1), stories[x] == stories[y], ids[x], ids[y]))
    print(f"{name}: {len(texts)} texts, {sum(map(len, keys)) / len(keys):.1f} keys a text, "
          f"{len(rows)} similar-length pairs not candidates")
    for n, share in RULES:
        chosen = [r for r in rows if r[0] >= n and r[1] >= share]
        print(f"  >= {n} shared, >= {share:.1f} of the smaller's: {len(chosen)} pairs, {sum(r[2] for r in chosen)} same story")
    for shared, share, same, a, b in sorted(rows, key=lambda r: -r[0]):
        if same and shared:
            print(f"    same story: {shared} shared ({share:.2f})  {a} ~ {b}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--window", type=int, default=3)
    ap.add_argument("--lead", type=int, default=1500, help="characters of each text keyed")
    ap.add_argument("--ratio", type=float, default=0.75, help="fingerprint counts at least this share of each other")
    ap.add_argument("--no-days", action="store_true", help="the web sets only")
    args = ap.parse_args()
    cache = Path.home() / ".cache" / "syndtrack" / "web-copies"
    for name in up.WEB_SETS:
        rows = [r for r in csv.DictReader((up.LABELS / name).open(encoding="utf-8")) if (cache / r["cache"]).exists()]
        texts = [page_text((cache / r["cache"]).read_text(encoding="utf-8")) for r in rows]
        probe(name, [None] * len(rows), texts, [r["story"] for r in rows], [r["cache"] for r in rows], args)
    if args.no_days:
        return
    import dedupe_quality as dq
    import story_eval as se

    for name in ("census", "spotify", "helsinki"):
        arts, _ = dq.news_day_articles(name)
        labels = se.read_labels(se.labels_of(name))
        stories = [labels.get(se.article_key(a["url"]), {}).get("story") or a["url"] for a in arts]
        probe(name, [a["title"] for a in arts], [a["text"] for a in arts], stories,
              [a["url"].rsplit("/", 1)[-1] + " " + a["url"].split("/")[2] for a in arts], args)


if __name__ == "__main__":
    main()

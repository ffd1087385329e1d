"""Translated copies on real text: recall, hard negatives and quoted reports joined.

Two sets:

1. ``benchmarks/labels/xlang_pairs.csv``: Chinese and English pages on Xi Jinping's New
   Year messages and signed articles, labelled by reading each pair: ``translation``,
   ``reproduces`` (a report that carries the piece's paragraphs: joining it is fine),
   ``quoted`` (quotes a sentence or two: should not be joined) and ``same_event``
   (a different text on the same event or of the same genre: must not be joined). The
   texts are the stored copies the search tool showed (the first ~1-2k characters of
   each page); they are third-party text and not in the repository: the script reads
   them from ``--cache`` (default ``~/.cache/syndtrack/xlang-eval``, one file per page,
   named in the CSV). Without the cache this set is skipped with that message.
2. The 64 CulturaX Chinese state-media texts in ``../shared/data/state-media-culturax-sample``
   with the machine translation that file carries (``culturax_text_en``): 64 translation
   pairs, and every other Chinese/English combination (4,032) a negative, many of them
   on the same leader or topic.

Both are measured end to end: every text is imported into one fresh database and
``syndtrack cluster --full`` runs, so candidates (the key index) and verification
(sentence alignment) are both tested; then the stored ``translated`` matches are
compared with the labels. ``--pairs`` also aligns each labelled pair directly
(verification alone). Joins between pages no label pairs are listed to be read; once read,
they go to ``benchmarks/labels/xlang_joins_read.csv`` and count in the bad-join share only.

    python benchmarks/xlang_eval.py [--cache DIR] [--culturax DIR] [--pairs] [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dedupe.xlang import align_translation, bag_overlap, default_backend, word_bag  # noqa: E402
from syndtrack.clustering import cluster  # noqa: E402
from syndtrack.store.db import open_db  # noqa: E402
from syndtrack.importer import import_jsonl  # noqa: E402

LABELS = ROOT / "benchmarks" / "labels" / "xlang_pairs.csv"
# Joins the pipeline made between pages no label file paired, read afterwards and judged: they
# count in the share of bad joins (a translation or a report reproducing the piece is good), not
# in recall (a pair labelled because it was joined would inflate it).
READ_JOINS = ROOT / "benchmarks" / "labels" / "xlang_joins_read.csv"
CULTURAX = ROOT.parent / "shared" / "data" / "state-media-culturax-sample" / "examples.json"


def load_pages(cache: Path, labels: list[Path] | None = None) -> tuple[list[dict], dict[str, str]]:
    rows = [r for path in labels or [LABELS] for r in csv.DictReader(path.open(encoding="utf-8"))]
    texts: dict[str, str] = {}
    missing = set()
    for r in rows:
        for side in ("zh", "en"):
            url, name = r[f"{side}_url"], r[f"{side}_cache"]
            p = cache / name
            if p.exists():
                texts[url] = p.read_text(encoding="utf-8")
            else:
                missing.add(name)
    if missing:
        print(f"pages: {len(missing)} cached texts missing in {cache} (e.g. {sorted(missing)[0]}); "
              "pairs with a missing side are skipped", file=sys.stderr)
    return [r for r in rows if r["zh_url"] in texts and r["en_url"] in texts], texts


def load_culturax(path: Path) -> tuple[list[tuple[str, str]], dict[str, str]]:
    if not path.exists():
        print(f"culturax: {path} not found, skipped", file=sys.stderr)
        return [], {}
    items = json.loads(path.read_text(encoding="utf-8"))
    pairs, texts = [], {}
    for i, it in enumerate(items):
        if not it.get("culturax_text") or not it.get("culturax_text_en"):
            continue
        zh, en = f"https://culturax.example/zh/{i}", f"https://culturax.example/en/{i}"
        texts[zh], texts[en] = it["culturax_text"], it["culturax_text_en"]
        pairs.append((zh, en))
    return pairs, texts


def run_corpus(texts: dict[str, str]) -> tuple[set[frozenset], dict, float]:
    """All texts in one database, clustered from scratch; the translated matches as URL pairs."""
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "xlang.db")
        buf = io.StringIO("".join(json.dumps({"url": u, "text": t}, ensure_ascii=False) + "\n" for u, t in texts.items()))
        import_jsonl(db, buf)
        t0 = time.perf_counter()
        res = cluster(db, full=True)
        secs = time.perf_counter() - t0
        url = dict(db.execute("select id, url from articles").fetchall())
        joined = {frozenset((url[a], url[b])) for a, b in db.execute("select a_id, b_id from matches where kind = 'translated'")}
        members = {url[a]: rel for a, rel in db.execute("select article_id, relation from cluster_members")}
        story = {url[a]: s for a, s in db.execute(
            "select m.article_id, c.story_id from cluster_members m join clusters c on c.id = m.cluster_id")}
        return joined, {"timings": res.timings, "members": members, "story": story}, secs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "syndtrack" / "xlang-eval")
    ap.add_argument("--culturax", type=Path, default=CULTURAX)
    ap.add_argument("--pairs", action="store_true", help="also align every labelled pair directly")
    ap.add_argument("--labels", type=Path, action="append",
                    help="a labels CSV of page pairs (repeatable; default benchmarks/labels/xlang_pairs.csv)")
    ap.add_argument("--read", type=Path, action="append",
                    help="a CSV of joins read after the pipeline made them (repeatable; default "
                         "benchmarks/labels/xlang_joins_read.csv): they count in the bad-join share, not in recall")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    for path in (args.labels or []) + (args.read or []):
        if not path.is_file():
            ap.error(f"no such labels file: {path}")

    rows, page_texts = load_pages(args.cache, args.labels)
    cx_pairs, cx_texts = load_culturax(args.culturax)
    texts = {**page_texts, **cx_texts}
    joined, info, secs = run_corpus(texts)
    out: dict = {"seconds": round(secs, 2), "articles": len(texts), "translated_matches": len(joined)}

    # Pages: per label, how many pairs were joined: by a translated match of their own, or
    # in one story through other members (a Chinese copy of the page its translation matched):
    # what an analyst counting a story's outlets sees.
    story = info["story"]
    by_label: dict[str, list[int]] = {}
    labelled = set()
    for r in rows:
        key = frozenset((r["zh_url"], r["en_url"]))
        labelled.add(key)
        hit = key in joined
        same = story.get(r["zh_url"]) is not None and story.get(r["zh_url"]) == story.get(r["en_url"])
        by_label.setdefault(r["label"], [0, 0, 0])
        by_label[r["label"]][0] += hit
        by_label[r["label"]][1] += 1
        by_label[r["label"]][2] += same
        print(f"{r['label']:<11} {'JOINED' if hit else 'STORY' if same else 'apart ':<7} {r['zh_cache']:<22} {r['en_cache']}")
    out["pages"] = {k: {"joined": v[0], "pairs": v[1], "same_story": v[2]} for k, v in by_label.items()}

    # CulturaX: the translation of each text, and every other combination a negative.
    cx_true = {frozenset(p) for p in cx_pairs}
    cx_joined = {j for j in joined if all(u.startswith("https://culturax.example/") for u in j)}
    cx_hits = len(cx_joined & cx_true)
    cx_false = sorted(tuple(sorted(j)) for j in cx_joined - cx_true)
    cx_missed = sorted(tuple(sorted(p)) for p in cx_true - cx_joined)
    out["culturax"] = {"pairs": len(cx_true), "joined": cx_hits, "false_joins": len(cx_false), "false": cx_false,
                       "missed": cx_missed}

    # Joins nobody labelled (page <-> page pairs outside the CSV, page <-> CulturaX): listed to be read.
    read = {frozenset((r["zh_url"], r["en_url"])): r["label"]
            for path in args.read or [READ_JOINS] for r in csv.DictReader(path.open(encoding="utf-8"))}
    read_joined: dict[str, int] = {}
    for j in joined - labelled:
        if j in read:
            read_joined[read[j]] = read_joined.get(read[j], 0) + 1
    unlabelled = sorted(tuple(sorted(j)) for j in joined - labelled - read.keys() - cx_true - set(map(frozenset, cx_false)))
    out["unlabelled_joins"] = unlabelled

    good = (by_label.get("translation", [0, 0])[0] + by_label.get("reproduces", [0, 0])[0] + cx_hits
            + read_joined.get("translation", 0) + read_joined.get("reproduces", 0))
    bad = (by_label.get("quoted", [0, 0])[0] + by_label.get("same_event", [0, 0])[0] + len(cx_false)
           + read_joined.get("quoted", 0) + read_joined.get("same_event", 0))
    tr_hit = by_label.get("translation", [0, 0])[0] + cx_hits
    tr_all = by_label.get("translation", [0, 0])[1] + len(cx_true)
    out["summary"] = {
        "pair_recall": round(tr_hit / tr_all, 3) if tr_all else None,
        "pair_recall_pages": f"{by_label.get('translation', [0, 0])[0]}/{by_label.get('translation', [0, 0])[1]}",
        # The same pairs counted as one story (a match of their own or through other members).
        "pages_same_story": {k: f"{v[2]}/{v[1]}" for k, v in sorted(by_label.items())},
        "pair_recall_culturax": f"{cx_hits}/{len(cx_true)}",
        "hard_negatives_joined": by_label.get("same_event", [0, 0])[0] + len(cx_false),
        "quoted_joined": by_label.get("quoted", [0, 0])[0],
        "bad_join_share": round(bad / (good + bad), 3) if good + bad else 0.0,
        "read_joins": dict(sorted(read_joined.items())),
        "unlabelled_joins": len(unlabelled),
    }
    print(f"\nculturax: {cx_hits}/{len(cx_true)} translations joined, {len(cx_false)} false joins"
          + (f"; missed: {', '.join(zh.rsplit('/', 1)[1] for _, zh in cx_missed)}" if cx_missed else ""))
    for a, b in cx_false[:20]:
        print("  false:", a, b)
    for a, b in unlabelled[:20]:
        print("  unlabelled join (read it):", a, b)
    print(json.dumps(out["summary"], indent=1), f"\ncluster --full on {len(texts)} texts: {secs:.1f}s "
          f"(xlang stage {info['timings'].get('xlang')}s)")

    if args.pairs:
        backend = default_backend()
        out["direct"] = []
        for r in rows:
            zh, en = page_texts[r["zh_url"]], page_texts[r["en_url"]]
            m = align_translation(zh, "zh", en, "en", backend)
            # The first look's share (dedupe.xlang.PRE_MIN): how close a real pair comes to it.
            look = bag_overlap(word_bag(zh, "zh"), word_bag(en, "en"))
            d = {"label": r["label"], "zh": r["zh_cache"], "en": r["en_cache"], "matched": m is not None,
                 "first_look": round(look, 3),
                 "pairs": len(m.passages) if m else 0, "coverage": [m.coverage_a, m.coverage_b] if m else None}
            out["direct"].append(d)
            print("direct", d)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()

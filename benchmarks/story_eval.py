"""Story-level evaluation on the provenance data set's news days against hand labels.

The labels (``benchmarks/labels/helsinki_stories.csv``, see ``benchmarks/labels/README.md``)
give every one of the 612 Helsinki articles a story: one wire/news piece with all
its versions (write-throughs, excerpts, copies); ``census_stories.csv`` and
``spotify_stories.csv`` do the same for the data set's two small days (``--day``).
This script compares a syndtrack database built from a day's articles with them:

* pairwise precision/recall/F1 over same-story pairs;
* B-cubed precision/recall/F1 (per article, averaged);
* every predicted group that joins two or more labelled stories, listed;
* for the largest labelled stories, how many predicted groups hold them.

Predicted groups come from the database:

* ``--level clusters`` (today): the members of ``clusters`` (``cluster_members``);
* ``--level stories``: a story id per article, read from whichever the schema
  has: a ``story_id`` column in ``cluster_members`` or ``articles``, a
  ``story_id`` column in ``clusters`` (cluster -> story), or a
  ``story_members(article_id, story_id)`` table;
* ``--level auto`` (default): ``stories`` when one of those exists, else ``clusters``.

An article in no predicted group is a singleton.

Without ``--db`` the database is built the way ``dedupe_quality.py --only helsinki``
builds it (its loader and ``run_system`` are imported, not copied): the articles
are stored in a temporary database and ``syndtrack.clustering.cluster`` is run.

Usage::

    python benchmarks/story_eval.py                      # build, cluster, score
    python benchmarks/story_eval.py --db helsinki.db     # score an existing database
    python benchmarks/story_eval.py --keep-db /tmp/h     # keep the built database
    python benchmarks/story_eval.py --json out.json --top 15
    python benchmarks/story_eval.py --day spotify        # another day of the data set
    python benchmarks/story_eval.py --day all            # the three days, then pooled
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/ helpers

LABEL_DIR = Path(__file__).resolve().parent / "labels"
LABELS = LABEL_DIR / "helsinki_stories.csv"


def labels_of(day: str) -> Path:
    """The hand labels of a news day (``benchmarks/labels/<day>_stories.csv``)."""
    return LABEL_DIR / f"{day}_stories.csv"


# --------------------------------------------------------------------------- labels


def read_labels(path: Path = LABELS) -> dict[str, dict]:
    """Dataset article id -> its label row (publisher, story, note)."""
    with open(path, newline="", encoding="utf-8") as f:
        return {r["id"]: r for r in csv.DictReader(f)}


def article_key(url: str) -> str:
    """The dataset id from a stored URL (``https://host/path/helsinki/<id>``, see
    ``dedupe_quality.helsinki_articles``)."""
    return url.rstrip("/").rsplit("/", 1)[-1]


# --------------------------------------------------------------------------- predictions


def _columns(conn, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f"pragma table_info({table})")}


def _tables(conn) -> set[str]:
    return {r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'view')")}


def story_source(conn) -> str | None:
    """Where the database keeps a story per article, or None (no story level yet)."""
    tables = _tables(conn)
    if "cluster_members" in tables and "story_id" in _columns(conn, "cluster_members"):
        return "cluster_members.story_id"
    if "articles" in tables and "story_id" in _columns(conn, "articles"):
        return "articles.story_id"
    if "clusters" in tables and "story_id" in _columns(conn, "clusters"):
        return "clusters.story_id"
    if "story_members" in tables and {"article_id", "story_id"} <= _columns(conn, "story_members"):
        return "story_members"
    return None


def read_groups(conn, level: str) -> tuple[dict[int, object], str]:
    """Article id (database) -> predicted group, at ``level`` (clusters/stories/auto)."""
    src = story_source(conn)
    if level == "auto":
        level = "stories" if src else "clusters"
    if level == "clusters":
        rows = conn.execute("select article_id, cluster_id from cluster_members")
        return {a: ("cluster", c) for a, c in rows}, "clusters"
    if src is None:
        raise SystemExit("--level stories: this database has no story level (no story_id column, no story_members table)")
    if src == "cluster_members.story_id":
        q = "select article_id, story_id from cluster_members where story_id is not null"
    elif src == "articles.story_id":
        q = "select id, story_id from articles where story_id is not null"
    elif src == "clusters.story_id":
        q = ("select m.article_id, c.story_id from cluster_members m join clusters c on c.id = m.cluster_id"
             " where c.story_id is not null")
    else:
        q = "select article_id, story_id from story_members"
    return {a: ("story", s) for a, s in conn.execute(q)}, f"stories ({src})"


# --------------------------------------------------------------------------- scoring


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def prf(p: float, r: float) -> dict:
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def score(true_of: dict[str, str], pred_of: dict[str, object], top: int = 10) -> dict:
    """``true_of``: article -> labelled story; ``pred_of``: article -> predicted group
    (articles missing from ``pred_of`` are singletons)."""
    arts = sorted(true_of)
    pred = {a: pred_of.get(a, ("single", a)) for a in arts}
    cells = Counter((true_of[a], pred[a]) for a in arts)
    t_size = Counter(true_of[a] for a in arts)
    p_size = Counter(pred[a] for a in arts)
    tp = sum(_pairs(n) for n in cells.values())
    t_pairs = sum(_pairs(n) for n in t_size.values())
    p_pairs = sum(_pairs(n) for n in p_size.values())
    pairwise = prf(tp / p_pairs if p_pairs else 1.0, tp / t_pairs if t_pairs else 1.0)
    pairwise.update(true_pairs=t_pairs, predicted_pairs=p_pairs, correct_pairs=tp)
    # B-cubed: for each article, the share of its predicted group in its story (precision)
    # and the share of its story in its predicted group (recall).
    b_p = sum(cells[(true_of[a], pred[a])] / p_size[pred[a]] for a in arts) / len(arts)
    b_r = sum(cells[(true_of[a], pred[a])] / t_size[true_of[a]] for a in arts) / len(arts)
    bcubed = prf(b_p, b_r)

    by_pred = defaultdict(list)
    for a in arts:
        by_pred[pred[a]].append(a)
    joins = []
    for g, members in by_pred.items():
        stories = Counter(true_of[a] for a in members)
        if len(stories) > 1:
            joins.append({"group": str(g[1]), "size": len(members),
                          "stories": {s: sorted((a for a in members if true_of[a] == s), key=int) for s in stories}})
    joins.sort(key=lambda j: -j["size"])
    splits = []
    for s, n in t_size.most_common(top):
        groups = Counter(pred[a] for a in arts if true_of[a] == s)
        splits.append({"story": s, "articles": n, "predicted_groups": len(groups),
                       "group_sizes": sorted(groups.values(), reverse=True),
                       "unclustered": sum(1 for a in arts if true_of[a] == s and a not in pred_of)})
    missed = t_pairs - tp
    missed_by_story = Counter()
    for s, n in t_size.items():
        groups = Counter(pred[a] for a in arts if true_of[a] == s)
        missed_by_story[s] = _pairs(n) - sum(_pairs(k) for k in groups.values())
    return {"articles": len(arts), "labelled_stories": len(t_size),
            "multi_article_stories": sum(1 for n in t_size.values() if n > 1),
            "predicted_groups": len(by_pred), "predicted_multi": sum(1 for m in by_pred.values() if len(m) > 1),
            "pairwise": pairwise, "bcubed": bcubed,
            "groups_joining_stories": len(joins), "joins": joins, "largest_stories": splits,
            "missed_pairs_by_story": [{"story": s, "missed_pairs": m, "share": round(m / missed, 3) if missed else 0}
                                      for s, m in missed_by_story.most_common(5) if m]}


# --------------------------------------------------------------------------- main


def build_db(directory: Path, batches: int = 1, day: str = "helsinki") -> tuple[Path, float]:
    """Store a news day's articles and cluster them, as dedupe_quality.py does (in
    ``batches`` publish-ordered batches, clustering incrementally after each)."""
    from dedupe_quality import news_day_articles, run_system

    arts, outlets = news_day_articles(day)
    t0 = time.perf_counter()
    run_system("syndtrack", arts, outlets, keep=directory, batches=batches)
    return directory / "syndtrack.db", round(time.perf_counter() - t0, 2)


def evaluate(db_path: Path, level: str, labels: dict[str, dict], top: int, drop_roundups: bool) -> dict:
    conn = sqlite3.connect(db_path)
    try:
        key_of = {i: article_key(u) for i, u in conn.execute("select id, url from articles")}
        groups, used = read_groups(conn, level)
    finally:
        conn.close()
    unknown = sorted(set(key_of.values()) - set(labels))
    unlabelled_in_db = len(unknown)
    true_of = {k: labels[k]["story"] for k in key_of.values() if k in labels}
    if drop_roundups:
        true_of = {k: s for k, s in true_of.items() if not s.startswith("roundup-")}
    pred_of = {key_of[i]: g for i, g in groups.items() if key_of.get(i) in true_of}
    res = score(true_of, pred_of, top)
    res.update(level=used, db=str(db_path), labelled_not_in_db=len(set(labels) - set(key_of.values())),
               in_db_not_labelled=unlabelled_in_db, roundups_dropped=drop_roundups)
    return res


def report(res: dict, labels: dict[str, dict]) -> str:
    pw, b3 = res["pairwise"], res["bcubed"]
    lines = [
        f"level: {res['level']}   articles scored: {res['articles']}   labelled stories: {res['labelled_stories']}"
        f" ({res['multi_article_stories']} with 2+ articles)   predicted groups: {res['predicted_groups']}"
        f" ({res['predicted_multi']} with 2+)",
        f"pairwise  P {pw['precision']:.4f}  R {pw['recall']:.4f}  F1 {pw['f1']:.4f}"
        f"   (true pairs {pw['true_pairs']}, predicted {pw['predicted_pairs']}, correct {pw['correct_pairs']})",
        f"B-cubed   P {b3['precision']:.4f}  R {b3['recall']:.4f}  F1 {b3['f1']:.4f}",
        f"predicted groups joining different labelled stories: {res['groups_joining_stories']}",
    ]
    for j in res["joins"]:
        parts = "; ".join(f"{s} x{len(a)} [{', '.join(a[:6])}{', ...' if len(a) > 6 else ''}]" for s, a in j["stories"].items())
        lines.append(f"  group {j['group']} ({j['size']}): {parts}")
    lines.append("largest labelled stories: articles, publishers -> predicted groups (sizes)")
    for s in res["largest_stories"]:
        pubs = len({labels[a]["publisher"] for a in labels if labels[a]["story"] == s["story"]})
        lines.append(f"  {s['story']:45} {s['articles']:3} art {pubs:3} pub -> {s['predicted_groups']:2} groups "
                     f"{s['group_sizes']}")
    if res["missed_pairs_by_story"]:
        lines.append("missed pairs by story: " + ", ".join(f"{m['story']} {m['missed_pairs']} ({m['share']:.0%})"
                                                          for m in res["missed_pairs_by_story"]))
    return "\n".join(lines)


def main(argv=None) -> int:
    from dedupe_quality import NEWS_DAYS

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--day", choices=[*NEWS_DAYS, "all"], default="helsinki",
                    help="which news day to build and score (default helsinki); all: each, then the pooled pairs")
    ap.add_argument("--db", help="score this syndtrack database (built from the --day articles)")
    ap.add_argument("--keep-db", help="build the database in this directory and keep it")
    ap.add_argument("--level", choices=["auto", "clusters", "stories"], default="auto")
    ap.add_argument("--labels", help="the labels (default benchmarks/labels/<day>_stories.csv)")
    ap.add_argument("--top", type=int, default=10, help="how many of the largest labelled stories to show")
    ap.add_argument("--drop-roundups", action="store_true",
                    help="leave out the articles labelled roundup-* (news-in-brief and aggregator pages)")
    ap.add_argument("--json", help="write the full result here")
    ap.add_argument("--batches", type=int, default=1,
                    help="build the database in N publish-ordered batches, clustering after each (incremental runs)")
    args = ap.parse_args(argv)
    days = list(NEWS_DAYS) if args.day == "all" else [args.day]
    if len(days) > 1 and (args.db or args.labels):
        ap.error("--day all builds each day's database: --db and --labels name one")
    results = {}
    for day in days:
        labels = read_labels(Path(args.labels) if args.labels else labels_of(day))
        build_s = None
        if args.db:
            res = evaluate(Path(args.db), args.level, labels, args.top, args.drop_roundups)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                directory = Path(args.keep_db) / day if args.keep_db and len(days) > 1 else Path(args.keep_db or tmp)
                directory.mkdir(parents=True, exist_ok=True)
                db_path, build_s = build_db(directory, args.batches, day)
                res = evaluate(db_path, args.level, labels, args.top, args.drop_roundups)
        res["build_s"] = build_s
        res["day"] = day
        results[day] = res
        if len(days) > 1:
            print(f"== {day}")
        print(report(res, labels))
    out: dict = results[days[0]]
    if len(days) > 1:
        out = {"days": results, "pooled": pooled(results.values())}
        pw = out["pooled"]
        print(f"== pooled over {', '.join(days)}: pairwise P {pw['precision']:.4f}  R {pw['recall']:.4f}  "
              f"F1 {pw['f1']:.4f}   groups joining labelled stories: {pw['groups_joining_stories']}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0


def pooled(results) -> dict:
    """Pairwise precision/recall/F1 over the pairs of several days together (a pair never spans two days)."""
    results = list(results)
    tp = sum(r["pairwise"]["correct_pairs"] for r in results)
    t_pairs = sum(r["pairwise"]["true_pairs"] for r in results)
    p_pairs = sum(r["pairwise"]["predicted_pairs"] for r in results)
    out = prf(tp / p_pairs if p_pairs else 1.0, tp / t_pairs if t_pairs else 1.0)
    out.update(true_pairs=t_pairs, predicted_pairs=p_pairs, correct_pairs=tp,
               groups_joining_stories=sum(r["groups_joining_stories"] for r in results))
    return out


if __name__ == "__main__":
    sys.exit(main())

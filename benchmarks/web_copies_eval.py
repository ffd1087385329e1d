"""Real copies of state media on the web: stories found and kept apart, end to end.

``benchmarks/labels/web_copies.csv`` lists pages found with the stored-pages search
(state-media articles, the sites that carry them, and other outlets' own reports on the
same events), each labelled with its story by reading it: a story is one piece with its
copies (verbatim, excerpts, wrapped in a listing or an autoblog template, reworded
sentence by sentence); another outlet's own report on the same event is another story,
even when it quotes the same people and gives the same figures.

The texts are the stored copies the search tool returned (the first ~1-2k characters of
each page): third-party text, kept out of the repository. The script reads them from
``--cache`` (default ``~/.cache/syndtrack/web-copies``, one file per page, named in the
CSV) and says which are missing.

Every text is imported through ``syndtrack import``'s JSONL reader into a fresh database
(title: the page's first line unless it ends a sentence; outlet: its host; published: the date the page shows, when
labelled), ``cluster --full`` runs, and the stories are scored as ``story_eval.py`` scores
the Helsinki day: pairwise and B-cubed F1, groups joining different labelled stories, and
the labelled stories split.

    python benchmarks/web_copies_eval.py [--cache DIR] [--keep-db DIR] [--json out.json] [--present-only]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sqlite3
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from story_eval import read_groups, score  # noqa: E402
from syndtrack.clustering import cluster  # noqa: E402
from syndtrack.importer import import_jsonl  # noqa: E402
from syndtrack.store.db import open_db  # noqa: E402
from syndtrack.store.urls import canonical_url  # noqa: E402

LABELS = ROOT / "benchmarks" / "labels" / "web_copies.csv"
CACHE = Path.home() / ".cache" / "syndtrack" / "web-copies"


def read_rows(path: Path = LABELS) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for i, r in enumerate(rows, 1):
        r["key"] = str(i)  # the row number: story_eval's scorer sorts article keys as integers
    return rows


def present_rows(rows: list[dict], cache: Path) -> list[dict]:
    """The rows whose page text is in ``cache`` (a partly restored cache, ``--present-only``)."""
    kept = [r for r in rows if (cache / r["cache"]).is_file()]
    if len(kept) < len(rows):
        print(f"scoring {len(kept)} of {len(rows)} pages: {len(rows) - len(kept)} page texts missing from {cache} "
              "(figures of a partial set: not comparable with the whole set's)", file=sys.stderr)
    return kept


def load_texts(rows: list[dict], cache: Path) -> dict[str, str]:
    missing = [r["cache"] for r in rows if not (cache / r["cache"]).is_file()]
    if missing:
        raise SystemExit(f"{len(missing)} of {len(rows)} page texts missing from {cache} (e.g. {missing[0]}): "
                         "they are third-party text, kept outside the repository; the CSV says where each page is "
                         "(benchmarks/eval_cache.py --missing lists them; --present-only scores the rest)")
    return {r["key"]: (cache / r["cache"]).read_text(encoding="utf-8") for r in rows}


# The stored-pages search puts the page's date in front of some texts (" date 2024-06-25 Xi
# extends ..."), sometimes only its month and then the page's address (" date 2024-01
# https://fr.sputniknews.africa/20240116/..."): metadata, not the page's words. Left in, it
# would be the title's first words and keep a page's headline from matching its copies'
# (dedupe.headlines), and two pages of one site would share their address's words.
_SEARCH_DATE = re.compile(r"\A\s*date (\d{4}(?:-\d{2}){0,2})(?:\s+https?://\S+)?\s+")


def page_text(text: str) -> str:
    """The stored text without the search tool's date and address in front."""
    stamp = _SEARCH_DATE.match(text)
    return text[stamp.end():] if stamp else text
_SENTENCE_END = re.compile(r"[.!?。！？][\"'”’)]?\Z")


def records(rows: list[dict], texts: dict[str, str]) -> list[dict]:
    out = []
    for r in rows:
        text = texts[r["key"]]
        stamp = _SEARCH_DATE.match(text)
        if stamp:
            text = text[stamp.end():]
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        rec = {"url": r["url"], "outlet": urlsplit(r["url"]).hostname or "", "text": text}
        # A page stored without its headline opens with its lede: a first line that ends a
        # sentence is text, not a title (taken for one, it would be left out of the comparison).
        if first and not _SENTENCE_END.search(first):
            rec["title"] = first[:200]
        published = r.get("published") or (stamp.group(1) if stamp and len(stamp.group(1)) == 10 else "")
        if published:
            rec["published"] = published
        out.append(rec)
    return out


def build(directory: Path, recs: list[dict]) -> Path:
    path = directory / "web.db"
    db = open_db(path)
    stream = io.StringIO("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in recs))
    result = import_jsonl(db, stream)
    if result.bad:
        raise SystemExit(f"{result.bad} records were refused by the importer")
    cluster(db, full=True)
    db.close()
    return path


def evaluate(db_path: Path, rows: list[dict]) -> dict:
    # The importer stores a URL canonical (tracking parameters such as ns_campaign dropped,
    # the rest sorted): a row is found by its URL made canonical the same way.
    key_of_url = {canonical_url(r["url"]): r["key"] for r in rows}
    conn = sqlite3.connect(db_path)
    try:
        key_of = {i: key_of_url.get(u) for i, u in conn.execute("select id, url from articles")}
        groups, level = read_groups(conn, "stories")
        relation = {key_of[a]: rel for a, rel in conn.execute("select article_id, relation from cluster_members")}
    finally:
        conn.close()
    true_of = {r["key"]: r["story"] for r in rows}
    pred_of = {key_of[i]: g for i, g in groups.items() if key_of.get(i)}
    res = score(true_of, pred_of, top=len(rows))
    res["level"] = level
    res["relations"] = relation
    res["missed_pairs"] = missed_pairs(true_of, pred_of)
    return res


def missed_pairs(true_of: dict[str, str], pred_of: dict[str, object]) -> dict[str, list[list[str]]]:
    """Per labelled story, the page pairs it holds that no predicted group joins (row keys)."""
    out: dict[str, list[list[str]]] = {}
    keys = sorted(true_of, key=int)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            # an unclustered page is a group of its own, so None never matches None
            if true_of[a] == true_of[b] and (pred_of.get(a) is None or pred_of.get(a) != pred_of.get(b)):
                out.setdefault(true_of[a], []).append([a, b])
    return out


def report(res: dict, rows: list[dict]) -> str:
    by_key = {r["key"]: r for r in rows}
    pw, b3 = res["pairwise"], res["bcubed"]
    lines = [f"pages: {res['articles']}   labelled stories: {res['labelled_stories']} "
             f"({res['multi_article_stories']} with 2+ pages)   predicted groups with 2+: {res['predicted_multi']}",
             f"pairwise  P {pw['precision']:.4f}  R {pw['recall']:.4f}  F1 {pw['f1']:.4f}"
             f"   (true pairs {pw['true_pairs']}, predicted {pw['predicted_pairs']}, correct {pw['correct_pairs']})",
             f"B-cubed   P {b3['precision']:.4f}  R {b3['recall']:.4f}  F1 {b3['f1']:.4f}",
             f"predicted groups joining different labelled stories: {res['groups_joining_stories']}"]
    for j in res["joins"]:
        for story, keys in j["stories"].items():
            lines.append(f"  group {j['group']}: {story}: " + ", ".join(by_key[k]["url"] for k in keys))
    split = [s for s in res["largest_stories"] if s["articles"] > 1 and s["predicted_groups"] > 1]
    lines.append(f"labelled stories split: {len(split)}")
    for s in split:
        keys = [r["key"] for r in rows if r["story"] == s["story"]]
        parts = [f"{by_key[k]['url']} ({res['relations'].get(k) or 'unclustered'})" for k in keys]
        lines.append(f"  {s['story']} {s['group_sizes']}: " + "; ".join(parts))
    missed = res["missed_pairs"]
    lines.append(f"missed pairs (labelled together, not joined): {sum(map(len, missed.values()))}")
    for story, pairs in missed.items():
        lines.append(f"  {story}: " + ", ".join(f"{by_key[a]['cache']} ~ {by_key[b]['cache']}" for a, b in pairs))
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=CACHE, help="directory of the page texts (default: %(default)s)")
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--keep-db", type=Path, help="build the database in this directory and keep it")
    ap.add_argument("--json", type=Path, help="write the full result here")
    ap.add_argument("--present-only", action="store_true",
                    help="score the pages whose text is in the cache, leaving the missing ones out (a partial restore)")
    args = ap.parse_args(argv)
    rows = read_rows(args.labels)
    if args.present_only:
        rows = present_rows(rows, args.cache)
    texts = load_texts(rows, args.cache)
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.keep_db or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        res = evaluate(build(directory, records(rows, texts)), rows)
    print(report(res, rows))
    if args.json:
        args.json.write_text(json.dumps(res, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Real Chinese state-media texts and the mirrors that obfuscate them: are they one story?

The 64 CulturaX Chinese state-media texts (``../shared/data/state-media-culturax-sample``,
Xinhua and People's Daily pieces) are each stored as an origin, with the variants that
mirrors seen on the web publish (issue 12, items 3-4):

* ``traditional``: the text in Traditional script (OpenCC s2t), as Hong Kong/Taiwan mirrors;
* ``pinyin`` / ``zhuyin``: romanisation in brackets after every character ("标(biāo)准(zhǔn)");
* ``zero_width``: zero-width spaces and soft hyphens between characters;
* ``lead``: the lead alone, its first sentences up to 200-250 characters, as a regional
  edition carries it;

each on a mirror outlet of its own, an hour after the origin. The label of every article
is its source text, so a perfect run puts each text and its variants in one story and
nothing else with them. The database goes through ``syndtrack.clustering.cluster``, the
same code as ``syndtrack cluster``.

Usage::

    python benchmarks/obfuscation_eval.py [--variants traditional,pinyin,...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

CULTURAX = ROOT.parent / "shared" / "data" / "state-media-culturax-sample" / "examples.json"
VARIANTS = ("traditional", "pinyin", "zhuyin", "zero_width", "lead")
_SENTENCE_END = re.compile(r"(?<=[。！？])")


def load_texts(path: Path = CULTURAX) -> list[str]:
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [r["culturax_text"] for r in rows if r.get("culturax_text")]


def traditional(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


def romanised(text: str, style: str, every: int = 1) -> str:
    """Romanisation in brackets after every ``every``-th Chinese character, as pinyin-injecting
    mirrors do (``style``: pinyin, digits for tone numbers, zhuyin, or toneless: plain
    syllables, "据英(ying)国政府")."""
    import pypinyin

    styles = {"pinyin": pypinyin.Style.TONE, "digits": pypinyin.Style.TONE3, "zhuyin": pypinyin.Style.BOPOMOFO,
              "toneless": pypinyin.Style.NORMAL}
    out = []
    n = 0
    for ch in text:
        if "\u4e00" <= ch <= "\u9fff":
            n += 1
            out.append(f"{ch}({pypinyin.pinyin(ch, style=styles[style])[0][0]})" if n % every == 0 else ch)
        else:
            out.append(ch)
    return "".join(out)


def zero_width(text: str, seed: int) -> str:
    rnd = random.Random(seed)
    return "".join(ch + (rnd.choice(["\u200b", "\u00ad", "\u200c"]) if rnd.random() < 0.5 else "") for ch in text)


def lead(text: str, low: int = 200, high: int = 250) -> str | None:
    """The first sentences of ``text``, ``low`` to ``high`` characters, or None when no sentence end falls there."""
    out = ""
    for sentence in _SENTENCE_END.split(text):
        if len(out) + len(sentence) > high:
            break
        out += sentence
    return out if len(out) >= low else None


def variant(kind: str, text: str, seed: int) -> str | None:
    if kind == "traditional":
        return traditional(text)
    if kind in ("pinyin", "zhuyin"):
        return romanised(text, kind)
    if kind == "zero_width":
        return zero_width(text, seed)
    if kind == "lead":
        return lead(text)
    raise ValueError(kind)


def build(texts: list[str], kinds: tuple[str, ...]) -> tuple[list[dict], dict[str, tuple[int, str]]]:
    """Articles to store, and each URL's (source index, variant) label."""
    articles, labels = [], {}
    for i, text in enumerate(texts):
        day = 1 + i % 28
        url = f"https://www.xinhua.example/{i}"
        articles.append({"url": url, "outlet": None, "text": text, "title": None, "language": "zh",
                         "published": f"2024-03-{day:02d}T08:00:00+00:00"})
        labels[url] = (i, "origin")
        for j, kind in enumerate(kinds):
            body = variant(kind, text, seed=i * 31 + j)
            if not body:
                continue
            url = f"https://mirror-{kind.replace('_', '-')}.example/{i}"
            articles.append({"url": url, "outlet": None, "text": body, "title": None, "language": "zh",
                             "published": f"2024-03-{day:02d}T09:{j:02d}:00+00:00"})
            labels[url] = (i, kind)
    return articles, labels


def score(labels: dict[str, tuple[int, str]], story_of: dict[str, object]) -> dict:
    pred = {u: story_of.get(u, ("single", u)) for u in labels}
    true_groups, pred_groups = defaultdict(set), defaultdict(set)
    for u, (src, _) in labels.items():
        true_groups[src].add(u)
        pred_groups[pred[u]].add(u)
    pairs = lambda n: n * (n - 1) // 2  # noqa: E731
    true_pairs = sum(pairs(len(g)) for g in true_groups.values())
    pred_pairs = sum(pairs(len(g)) for g in pred_groups.values())
    correct = sum(pairs(n) for g in pred_groups.values() for n in Counter(labels[u][0] for u in g).values())
    p = correct / pred_pairs if pred_pairs else 1.0
    r = correct / true_pairs if true_pairs else 1.0
    joining = [sorted(Counter(labels[u][0] for u in g).items()) for g in pred_groups.values()
               if len({labels[u][0] for u in g}) > 1]
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for u, (src, kind) in labels.items():
        if kind == "origin":
            continue
        origin = f"https://www.xinhua.example/{src}"
        by_kind[kind][1] += 1
        if pred[u] == pred[origin] and not isinstance(pred[u], tuple):
            by_kind[kind][0] += 1
    return {
        "articles": len(labels), "sources": len(true_groups),
        "pairwise": {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0},
        "groups_joining_sources": joining,
        "found_with_origin": {k: f"{a}/{n}" for k, (a, n) in sorted(by_kind.items())},
    }


def run(kinds: tuple[str, ...] = VARIANTS, directory: Path | None = None) -> dict:
    from syndtrack.clustering import cluster
    from syndtrack.store.articles import store_articles
    from syndtrack.store.db import open_db

    texts = load_texts()
    articles, labels = build(texts, kinds)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(directory or tmp) / "obfuscation.db")
        store_articles(db, articles)
        t0 = time.perf_counter()
        cluster(db)
        seconds = round(time.perf_counter() - t0, 2)
        story_of = dict(db.execute(
            "select a.url, c.story_id from cluster_members m join clusters c on c.id = m.cluster_id "
            "join articles a on a.id = m.article_id"))
        relations = Counter(r for (r,) in db.execute("select relation from cluster_members"))
        db.conn.close()
    result = score(labels, story_of)
    result.update(cluster_s=seconds, relations=dict(relations))
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated: " + ", ".join(VARIANTS))
    ap.add_argument("--keep-db", help="build the database in this directory and keep it")
    ap.add_argument("--json", help="write the result here")
    args = ap.parse_args(argv)
    kinds = tuple(k for k in args.variants.split(",") if k)
    unknown = set(kinds) - set(VARIANTS)
    if unknown:
        ap.error(f"unknown variants: {', '.join(sorted(unknown))}")
    if not CULTURAX.exists():
        print(f"missing {CULTURAX}", file=sys.stderr)
        return 1
    result = run(kinds, Path(args.keep_db) if args.keep_db else None)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

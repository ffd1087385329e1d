"""How fast the analyst queries, views, trace, report and Datasette answer on a large database.

Builds a synthetic database of ``--articles`` articles (a third of them origins
from 10 state-media outlets, copied 0-30 times each by 300 republishers, the
rest unclustered), with clusters, cluster_members and matches rows as dedupe
writes them, then times each question. Texts are Zipf-distributed pseudo-words
in paragraphs, so FTS5 and trace work on realistic document frequencies.

Rows go in with plain SQL inserts rather than syndtrack.store.articles (which
validates and keeps revisions): this measures reading, not loading.

Usage::

    python benchmarks/analyst_speed.py --articles 100000 --db /tmp/analyst.db

Results are written down in docs/analysts.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syndtrack import queries  # noqa: E402
from syndtrack.store.db import open_db  # noqa: E402

SYLLABLES = [a + b for a in "bcdfghjklmnprstvz" for b in ("a", "e", "i", "o", "u", "ai", "ou", "an", "en")]


def vocabulary(rng: random.Random, n: int = 40_000) -> list[str]:
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(words)


class Writer:
    def __init__(self, rng, vocab):
        self.rng, self.vocab = rng, vocab
        # Zipf: a few words in every document, most words rare.
        self.cum = list(itertools.accumulate(1 / (i + 1) for i in range(len(vocab))))

    def paragraph(self) -> str:
        sentences = []
        for _ in range(self.rng.randint(2, 4)):
            words = self.rng.choices(self.vocab, cum_weights=self.cum, k=self.rng.randint(10, 22))
            sentences.append(" ".join(words).capitalize() + ".")
        return " ".join(sentences)


def build(path: Path, n_articles: int, seed: int = 0) -> dict:
    rng = random.Random(seed)
    writer = Writer(rng, vocabulary(rng))
    db = open_db(path)
    sources = [f"state-{i}" for i in range(10)]
    republishers = [f"repub-{i:03d}.example" for i in range(300)]
    with db.atomic():
        for s in sources:
            db["outlets"].insert({"slug": s, "name": s.title(), "url": f"https://{s}.example/", "state_media": 1,
                                  "owner": "State", "domains": json.dumps([f"{s}.example"])})
        for r in republishers[:100]:
            db["outlets"].insert({"slug": r, "name": r, "url": f"https://{r}/", "state_media": 0,
                                  "domains": json.dumps([r])})
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    conn = db.conn
    next_id = 1
    clusters = members = 0
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    while next_id <= n_articles:
        origin_id = next_id
        paras = [writer.paragraph() for _ in range(rng.randint(4, 9))]
        text = "\n\n".join(paras)
        published = start + timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        outlet = rng.choice(sources)
        conn.execute("INSERT INTO articles (id, url, outlet, title, text, published, origin) VALUES (?,?,?,?,?,?,?)",
                      (origin_id, f"https://{outlet}.example/a/{origin_id}", outlet, paras[0][:80], text,
                       published.isoformat(), "crawl"))
        next_id += 1
        n_copies = min(int(rng.expovariate(1 / 2.0)), 30, n_articles - next_id + 1)
        if rng.random() < 0.5 or n_copies == 0:
            # Half the stories are never republished (or we ran out of room).
            continue
        cid = conn.execute("INSERT INTO clusters (origin_id, size, created, updated) VALUES (?,?,?,?)",
                           (origin_id, n_copies + 1, published.isoformat(), published.isoformat())).lastrowid
        clusters += 1
        conn.execute("INSERT INTO cluster_members VALUES (?,?,?,?,?,?,?,?)", (cid, origin_id, "origin", 100, 1, None, 0, 0))
        for _ in range(n_copies):
            copy_id = next_id
            next_id += 1
            keep = sorted(rng.sample(range(len(paras)), rng.randint(max(1, len(paras) // 2), len(paras))))
            body = [paras[i] for i in keep]
            head = "[ad_1]\n\n" if rng.random() < 0.3 else ""
            copy_text = head + "\n\n".join(body)
            lag = rng.expovariate(1 / 36000)
            out = rng.choice(republishers)
            conn.execute("INSERT INTO articles (id, url, outlet, title, text, published, origin) VALUES (?,?,?,?,?,?,?)",
                          (copy_id, f"https://{out}/s/{copy_id}", out, paras[0][:80], copy_text,
                           (published + timedelta(seconds=lag)).isoformat(), "crawl"))
            passages, pos = [], 0
            for i in keep:
                a0 = text.index(paras[i])
                b0 = copy_text.index(paras[i], pos)
                pos = b0 + len(paras[i])
                passages.append([a0, a0 + len(paras[i]), b0, pos])
            coverage = sum(len(paras[i]) for i in keep) / len(text)
            conn.execute("INSERT INTO matches VALUES (?,?,?,?,?,?,?)",
                          (origin_id, copy_id, 100, coverage, 1, json.dumps(passages), published.isoformat()))
            conn.execute("INSERT INTO cluster_members VALUES (?,?,?,?,?,?,?,?)",
                          (cid, copy_id, "copy" if coverage > 0.9 else "excerpt", 100, round(coverage, 3),
                           int(rng.random() < 0.4), lag, 0))
            members += 1
    conn.execute("COMMIT")
    build_s = time.perf_counter() - t0
    db.close()
    return {"articles": n_articles, "clusters": clusters, "copies": members, "build_s": round(build_s, 1),
            "db_mb": round(path.stat().st_size / 2**20, 1)}


def timed(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def measure(path: Path, out_dir: Path) -> dict:
    from syndtrack.report import build_report
    from syndtrack.serve import make_datasette
    from syndtrack.trace import document_from_text, trace

    db = open_db(path)
    rng = random.Random(1)
    results = {}
    # Mid-frequency words: found in some documents, not in all.
    titles = [r[0] for r in db.execute("select title from articles where id % 997 = 0 limit 50")]
    words = [w.lower().strip(".") for t in titles for w in t.split()[:6]]
    q = {
        "count republications": lambda: db.execute("select count(*) from republications").fetchone()[0],
        "count cluster_summary": lambda: db.execute("select count(*) from cluster_summary").fetchone()[0],
        "outlet_report view (all rows)": lambda: len(list(db.query("select * from outlet_report"))),
        "clusters --sort size --limit 20": lambda: queries.clusters(db, sort="size", limit=20),
        "clusters --sort recent --state-media --since": lambda: queries.clusters(
            db, sort="recent", limit=20, filters=queries.Filters(state_media=True, since="2024-06-01")),
        "clusters --outlet X": lambda: queries.clusters(db, limit=20, filters=queries.Filters(outlet="repub-007.example")),
        "outlets report": lambda: queries.outlet_report(db, limit=50),
        "outlets report --since (recomputed)": lambda: queries.outlet_report(
            db, limit=50, filters=queries.Filters(since="2024-06-01")),
        "search (two words)": lambda: queries.search(db, " ".join(rng.sample(words, 2))),
    }
    cluster_ids = [r[0] for r in db.execute("select id from clusters order by random() limit 5")]
    q["show CLUSTER"] = lambda: queries.show_cluster(db, rng.choice(cluster_ids), context=120)
    for name, fn in q.items():
        secs, _ = timed(fn)
        results[name] = round(secs * 1000, 1)
    # trace: a fresh text made of three paragraphs of a clustered origin plus one new one.
    origins = [r[0] for r in db.execute("select text from articles where id in (select origin_id from clusters) "
                                         "order by random() limit 3")]
    trace_ms, found = [], 0
    for text in origins:
        doc = document_from_text("\n\n".join(text.split("\n\n")[:3] + ["A paragraph of our own, not in any article."]),
                                 name="bench")
        t = time.perf_counter()
        res = trace(db, doc)
        trace_ms.append((time.perf_counter() - t) * 1000)
        found += bool(res.matches)
    results["trace (3 texts, median)"] = round(statistics.median(trace_ms), 1)
    results["trace found its origin"] = f"{found}/3"
    t = time.perf_counter()
    build_report(db, out_dir / "report.html", png_dir=out_dir / "png")
    results["report (HTML + 4 PNGs)"] = round((time.perf_counter() - t) * 1000, 1)
    results["report size KB"] = round((out_dir / "report.html").stat().st_size / 1024, 1)
    db.close()

    ds = make_datasette(path)
    name = path.stem

    async def pages():
        await ds.invoke_startup()
        out = {}
        for label, url in (("datasette cluster_summary page", f"/{name}/cluster_summary"),
                           ("datasette republications page + facets", f"/{name}/republications"),
                           ("datasette republishers_of_state_media", f"/{name}/republishers_of_state_media")):
            await ds.client.get(url)  # the first request also compiles templates
            t = time.perf_counter()
            resp = await ds.client.get(url)
            out[label] = (round((time.perf_counter() - t) * 1000, 1), resp.status_code)
        return out

    for label, (ms, status) in asyncio.run(pages()).items():
        results[label] = ms if status == 200 else f"{ms} (HTTP {status})"
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="Build (or reuse, if it exists) the database here.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="analyst_bench_"))
    path = args.db or tmp / "bench.db"
    info = {}
    if not path.exists():
        info = build(path, args.articles, args.seed)
    info.update(measure(path, tmp))
    info["machine"] = f"{os.cpu_count()} cores"
    width = max(len(k) for k in info)
    for key, value in info.items():
        unit = " ms" if isinstance(value, float) and not key.endswith(("_s", "_mb", "KB")) else ""
        print(f"{key:<{width}}  {value}{unit}")


if __name__ == "__main__":
    main()

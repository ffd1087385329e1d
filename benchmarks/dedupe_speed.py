"""Speed and memory of ``syndtrack cluster``, with the MinHash baseline measured in the same run.

Targets (issue 4): cluster 100k articles from scratch in <= 60 s (import
excluded); add 1k new articles to a 100k-article database in <= 3 s; peak
memory <= 2 GB at 100k. Each measurement runs in a fresh subprocess, so its
peak RSS is its own.

The corpus is synthetic but made of real text: every origin is a real article
(Helsinki news day, autoblog posts; loaded with benchmarks/corpus.py) with most
of its words resampled from the pool's own word distribution, so origins do not
share text by accident while keeping real lengths, paragraphing and word
frequencies; 20% of the articles are copies of an earlier origin (verbatim in an
autoblog wrapper with a credit line, an excerpt of a third, a new intro and
outro, or light word edits).

Usage::

    python benchmarks/dedupe_speed.py                      # 10k and 100k, baseline at 10k
    python benchmarks/dedupe_speed.py --sizes 10000 100000 --baseline-sizes 10000 100000
    python benchmarks/dedupe_speed.py --sizes 2000 --baseline-sizes 2000   # a quick check
    python benchmarks/dedupe_speed.py --sizes 1000000 --baseline-sizes      # 1M, no baseline
    python benchmarks/dedupe_speed.py --check-fast-build 2000               # fast builder == store_batch?

Corpora above 200k articles (or any size with ``--fast-build``) are built by
:func:`build_db_fast` instead of ``ArticleStore.store_batch`` (~8 min per 100k
in earlier runs; the fast build of 1M took 14 min): the same generated articles
and validated rows, inserted in big transactions with the FTS index rebuilt
once at the end. The first n articles of a bigger corpus are those of the
n-article corpus. There is no MinHash baseline at 1M (it would take far too long).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from rss import own_peak_rss_mb  # noqa: E402

CACHE = Path(os.environ.get("DEDUPE_BENCH_DIR", "/tmp/dedupe_bench"))
COPY_SHARE = 0.2
RESAMPLE = 0.7  # share of an origin's words replaced, so two origins from one base text share nothing
FAST_BUILD_ABOVE = 200_000  # corpora bigger than this are built with build_db_fast
# Columns ArticleStore.store_batch stamps with the time of the batch when it stores a new article.
STAMPED = ("fetched", "first_seen", "updated")


class Generator:
    """``dense=True`` (issue 12): a third of the articles are copies, and half of the copies
    go to a few popular stories of up to ``max_story`` members (a wire story carried
    everywhere), the rest spread over the other origins as before."""

    def __init__(self, seed: int = 0, *, dense: bool = False, max_story: int = 300):
        import corpus  # EVALUATION's loaders of the real texts

        sources = corpus.load_provenance(corpus.DATA_DIR) + corpus.load_autoblog(corpus.DATA_DIR)
        self.vocab: dict[str, int] = {"\n\n": 0}
        self.bases = []
        for s in sources:
            toks = []
            for p in s.paragraphs:
                toks.extend(self.vocab.setdefault(w, len(self.vocab)) for w in p.split())
                toks.append(0)
            if len(toks) > 80:
                self.bases.append(np.array(toks, dtype=np.int32))
        self.words = np.array(list(self.vocab), dtype=object)
        freq = np.bincount(np.concatenate(self.bases), minlength=len(self.words)).astype(np.float64)
        freq[0] = 0
        self.cum = np.cumsum(freq / freq.sum())
        self.rng = np.random.default_rng(seed)
        self.random = random.Random(seed)
        self.t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
        self.origins: list[dict] = []
        self.n = 0
        self.dense = dense
        self.copy_share = 1 / 3 if dense else COPY_SHARE
        self.max_story = max_story
        self.hot: list[dict] = []  # popular origins of the dense setting, each with its copy count
        self.hot_copies: dict[str, int] = {}

    def _origin_text(self) -> str:
        base = self.bases[self.rng.integers(len(self.bases))]
        new = np.searchsorted(self.cum, self.rng.random(len(base)))
        toks = np.where((self.rng.random(len(base)) < RESAMPLE) & (base != 0), new, base)
        return " ".join(self.words[toks]).replace(" \n\n ", "\n\n").strip()

    def _copy(self, origin: dict) -> tuple[str, str]:
        paras = origin["text"].split("\n\n")
        kind = self.random.choice(["autoblog", "excerpt", "intro_outro", "light_edit"])
        if kind == "autoblog":
            text = f"{origin['title']}\n\n[ad_1]\n\n" + origin["text"] + "\n\n(Courtesy-China Media Group, Beijing)\n\n[ad_2]\n\nSource link"
        elif kind == "excerpt":
            k = max(1, len(paras) // 3)
            start = self.random.randrange(0, max(1, len(paras) - k))
            text = "\n\n".join(paras[start : start + k])
        elif kind == "intro_outro":
            text = "\n\n".join([self._origin_text().split("\n\n")[0], *paras, self._origin_text().split("\n\n")[-1]])
        else:
            words = origin["text"].split(" ")
            for _ in range(max(1, len(words) // 30)):
                words[self.random.randrange(len(words))] = self.words[np.searchsorted(self.cum, self.rng.random())]
            text = " ".join(words)
        return text, kind

    def _pick_origin(self) -> dict:
        if not self.dense or self.random.random() < 0.5:
            return self.random.choice(self.origins)
        # Keep about 20 popular stories open; one that reached max_story members is
        # replaced by a recent origin.
        self.hot = [o for o in self.hot if self.hot_copies[o["url"]] < self.max_story]
        while len(self.hot) < 20:
            o = self.random.choice(self.origins[-2000:])
            self.hot_copies.setdefault(o["url"], 0)
            if self.hot_copies[o["url"]] < self.max_story:
                self.hot.append(o)
        o = self.random.choice(self.hot)
        self.hot_copies[o["url"]] += 1
        return o

    def article(self) -> dict:
        self.n += 1
        n = self.n
        when = self.t0 + timedelta(minutes=n)
        if self.origins and self.random.random() < self.copy_share:
            origin = self._pick_origin()
            text, kind = self._copy(origin)
            published = datetime.fromisoformat(origin["published"]) + timedelta(hours=self.random.randint(1, 48))
            return {"url": f"https://copier{n % 500}.example/{n}", "outlet": f"copier{n % 500}.example",
                    "title": origin["title"], "text": text, "published": published.isoformat(), "kind": kind}
        text = self._origin_text()
        rec = {"url": f"https://outlet{n % 300}.example/{n}", "outlet": f"outlet{n % 300}.example",
               "title": text[:60], "text": text, "published": when.isoformat(), "kind": "origin"}
        self.origins.append(rec)
        if len(self.origins) > 50_000:  # keep memory flat for big corpora
            self.origins = self.origins[-25_000:]
        return rec


def build_db(path: Path, gen: Generator, n: int) -> float:
    from syndtrack.store.articles import ArticleStore, validate_article
    from syndtrack.store.db import open_db

    db = open_db(path)
    store = ArticleStore(db)
    t0 = time.perf_counter()
    batch = []
    for _ in range(n):
        batch.append(validate_article(gen.article()))
        if len(batch) == 5000:
            store.store_batch(batch)
            batch = []
    if batch:
        store.store_batch(batch)
    db.close()
    return time.perf_counter() - t0


def build_db_fast(path: Path, gen: Generator, n: int, chunk: int = 50_000) -> float:
    """What :func:`build_db` builds, without going through ``store_batch`` row by row.

    Every article still goes through ``validate_article`` and gets the columns
    ``store_batch`` gives a new article (``first_seen``, ``updated`` and
    ``fetched`` stamped with the time of its batch); nothing else is written for
    it (no ``pages`` rows: the benchmark passes no evidence). The rows are
    inserted with one ``executemany`` per ``chunk`` articles, with the FTS
    triggers dropped and the FTS index rebuilt once at the end (and the articles
    queued for clustering as the dropped queue trigger would have), then the
    database is put back in WAL mode with its triggers, as ``open_db`` left it.
    Only for a new database: URLs must not be stored already.
    """
    from syndtrack.store.articles import validate_article
    from syndtrack.store.dates import utcnow
    from syndtrack.store.db import open_db

    db = open_db(path)
    conn = db.conn
    t0 = time.perf_counter()
    columns = [r[1] for r in conn.execute("PRAGMA table_info(articles)")]
    # The FTS triggers (articles_ai/ad/au): dropped for the load, put back as they were.
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'articles' ORDER BY name").fetchall()
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")  # 1 GB: keeps the url index in memory
    with db.atomic():
        for name, _ in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
    done = 0
    while done < n:
        size = min(chunk, n - done)
        rows = [validate_article(gen.article()) for _ in range(size)]
        now = utcnow()
        names: list[str] = []
        for row in rows:
            row.update(first_seen=now, updated=now)
            row.setdefault("fetched", now)
            names.extend(k for k in row if k not in names)
        unknown = set(names) - set(columns)
        if unknown:
            raise RuntimeError(f"articles has no column(s) {sorted(unknown)}")
        sql = "INSERT INTO articles ({}) VALUES ({})".format(
            ", ".join(f'"{c}"' for c in names), ", ".join("?" * len(names)))
        with db.atomic():
            conn.executemany(sql, [[row.get(c) for c in names] for row in rows])
        done += size
        print(f"  {done} articles inserted, {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    with db.atomic():
        for _, sql in triggers:
            conn.execute(sql)
        conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
        # What the dropped dedupe_queue insert trigger (migration m011) would have queued.
        conn.execute("INSERT INTO dedupe_queue (article_id) SELECT id FROM articles ORDER BY id")
    print(f"  FTS rebuilt, {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    conn.execute("PRAGMA journal_mode = WAL")
    db.close()
    return time.perf_counter() - t0


def _table_rows(db, table: str, skip: tuple[str, ...] = ()) -> tuple[list[str], list[tuple]]:
    cols = [r[1] for r in db.conn.execute(f'PRAGMA table_info("{table}")') if r[1] not in skip]
    quoted = ", ".join(f'"{c}"' for c in cols)
    order = ", ".join(str(i + 1) for i in range(len(cols)))  # WITHOUT ROWID tables have no rowid
    return cols, db.conn.execute(f'SELECT {quoted} FROM "{table}" ORDER BY {order}').fetchall()


def check_fast_build(n: int, seed: int = 0) -> bool:
    """Build n articles with store_batch and with build_db_fast; report every difference."""
    import tempfile

    from syndtrack.store.db import open_db

    problems: list[str] = []
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        paths = {"store_batch": Path(tmp, "store.db"), "fast": Path(tmp, "fast.db")}
        for how, builder in (("store_batch", build_db), ("fast", build_db_fast)):
            secs = builder(paths[how], Generator(seed), n)
            print(f"{how}: {n} articles in {secs:.1f}s", file=sys.stderr)
        a, b = (open_db(paths[k]) for k in ("store_batch", "fast"))
        schema = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        if a.conn.execute(schema).fetchall() != b.conn.execute(schema).fetchall():
            problems.append("schemas differ (tables, indexes, triggers)")
        for db, how in ((a, "store_batch"), (b, "fast")):
            mode = db.conn.execute("PRAGMA journal_mode").fetchone()[0]
            if mode != "wal":
                problems.append(f"{how}: journal_mode {mode}")
            db.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
        tables = [t for (t,) in a.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'articles_fts%' "
            "AND name NOT LIKE 'sqlite_%' AND name != '_sqlite_migrations' ORDER BY name")]
        for table in tables:
            skip = STAMPED if table == "articles" else ()
            ca, ra = _table_rows(a, table, skip)
            cb, rb = _table_rows(b, table, skip)
            if ca != cb:
                problems.append(f"{table}: columns differ: {ca} vs {cb}")
            elif ra != rb:
                diff = next(i for i, (x, y) in enumerate(zip(ra + [None], rb + [None])) if x != y)
                problems.append(f"{table}: {len(ra)} vs {len(rb)} rows, first difference at row {diff + 1}")
            print(f"{table}: {len(ra)} rows store_batch, {len(rb)} fast", file=sys.stderr)
        # The stamped columns: set, and one value per row for a new article, in both.
        for db, how in ((a, "store_batch"), (b, "fast")):
            bad = db.conn.execute("SELECT count(*) FROM articles WHERE fetched IS NULL OR first_seen IS NULL "
                                  "OR updated IS NULL OR fetched != first_seen OR updated != first_seen").fetchone()[0]
            if bad:
                problems.append(f"{how}: {bad} rows without the same fetched/first_seen/updated stamp")
        # Full-text search finds the same articles: words and phrases of the first titles.
        words = [w for (w,) in a.conn.execute("SELECT title FROM articles LIMIT 200")]
        terms = sorted({w for t in words for w in (t or "").split() if w.isalpha()})[:200]
        terms += ['"' + " ".join(t.split()[:3]).replace('"', "") + '"' for t in words[:50] if t]
        mismatched = 0
        for term in terms:
            q = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid"
            try:
                if a.conn.execute(q, [term]).fetchall() != b.conn.execute(q, [term]).fetchall():
                    mismatched += 1
            except Exception:  # a word that is FTS syntax: skip it
                continue
        print(f"FTS: {len(terms)} queries compared", file=sys.stderr)
        if mismatched:
            problems.append(f"FTS: {mismatched} of {len(terms)} queries give different articles")
        a.close()
        b.close()
    for p in problems:
        print("DIFFERENT:", p, file=sys.stderr)
    print("fast build == store_batch build" if not problems else "fast build differs", file=sys.stderr)
    return not problems


def measure(db_path: str, mode: str) -> dict:
    """Runs in a subprocess: one clustering (or baseline) run, timed, with its peak RSS."""
    from syndtrack.store.db import open_db

    db = open_db(db_path)
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu0 = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    t0 = time.perf_counter()
    if mode == "baseline":
        from baseline_minhash import articles_from_db, baseline_clusters

        arts = articles_from_db(db)
        stats: dict = {}
        clusters = baseline_clusters(arts, stats=stats)
        out = {"clusters": len(clusters), "members": sum(len(c) for c in clusters), **stats}
    else:
        from syndtrack.clustering import cluster

        r = cluster(db, full=(mode == "full"))
        out = {"articles": r.articles_processed, "candidates": r.candidates, "aligned": r.aligned, "matches": r.matches,
               "clusters": r.clusters, "members": r.members, "stages": r.timings}
    out["seconds"] = round(time.perf_counter() - t0, 2)
    # CPU seconds of this process and its (joined) worker processes: on a machine shared
    # with other runs the wall time mostly measures the load; this measures the work.
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    out["cpu_seconds"] = round(own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime - cpu0, 2)
    out["peak_rss_mb"] = round(own_peak_rss_mb(), 1)
    # The worker processes clustering forks (copy-on-write children of this one): the largest.
    out["peak_rss_worker_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    return out


def run_measure(db_path: Path, mode: str) -> dict:
    load = os.getloadavg()[0]
    proc = subprocess.run([sys.executable, __file__, "--measure", str(db_path), "--mode", mode],
                          capture_output=True, text=True)
    if proc.returncode:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{mode} measurement of {db_path} failed (exit {proc.returncode})")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["load_before"] = round(load, 2)
    result["load_after"] = round(os.getloadavg()[0], 2)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--baseline-sizes", type=int, nargs="*", default=[10_000])
    ap.add_argument("--add", type=int, default=1000, help="articles added for the incremental measurement")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="write the results here too")
    ap.add_argument("--fast-build", action="store_true",
                    help=f"build every corpus with build_db_fast (default: above {FAST_BUILD_ABOVE:,} articles)")
    ap.add_argument("--check-fast-build", type=int, metavar="N",
                    help="build N articles with store_batch and with the fast builder, compare, and exit")
    ap.add_argument("--dense", action="store_true",
                    help="issue 12's dense setting: a third of the articles copies, stories up to 300 members")
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    ap.add_argument("--mode", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.mode)))
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    if args.check_fast_build:
        sys.exit(0 if check_fast_build(args.check_fast_build, args.seed) else 1)
    results = {"machine": {"cpus": os.cpu_count(), "loadavg": os.getloadavg()}, "runs": []}
    for n in args.sizes:
        gen = Generator(args.seed, dense=args.dense)
        base = CACHE / f"corpus-{n}-{args.seed}{'-dense' if args.dense else ''}.db"
        if not base.exists():
            tmp = base.with_suffix(".tmp")
            for suffix in ("", "-wal", "-shm"):
                Path(str(tmp) + suffix).unlink(missing_ok=True)
            fast = args.fast_build or n > FAST_BUILD_ABOVE
            print(f"building {n} articles{' (fast)' if fast else ''} ...", file=sys.stderr)
            secs = (build_db_fast if fast else build_db)(tmp, gen, n)
            print(f"  imported in {secs:.0f}s", file=sys.stderr)
            built = {"seconds": round(secs, 1), "builder": "fast" if fast else "store_batch"}
            tmp.rename(base)
        else:
            built = {"cached": True}
            for _ in range(n):  # advance the generator past the cached articles
                gen.article()
        work = CACHE / f"work-{n}{'-dense' if args.dense else ''}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(work) + suffix).unlink(missing_ok=True)
        shutil.copy(base, work)
        full = run_measure(work, "full")
        print(f"{n}: full {full}", file=sys.stderr)
        # Incremental: add articles (new origins and copies of existing ones) and cluster again.
        build_db(work, gen, args.add)
        inc = run_measure(work, "incremental")
        print(f"{n}: +{args.add} {inc}", file=sys.stderr)
        row = {"articles": n, "build": built, "full": full, "incremental": {"added": args.add, **inc}}
        if n in args.baseline_sizes:
            row["baseline"] = run_measure(base, "baseline")
            print(f"{n}: baseline {row['baseline']}", file=sys.stderr)
        results["runs"].append(row)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

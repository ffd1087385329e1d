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
CACHE = Path(os.environ.get("DEDUPE_BENCH_DIR", "/tmp/dedupe_bench"))
COPY_SHARE = 0.2
RESAMPLE = 0.7  # share of an origin's words replaced, so two origins from one base text share nothing


class Generator:
    def __init__(self, seed: int = 0):
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

    def article(self) -> dict:
        self.n += 1
        n = self.n
        when = self.t0 + timedelta(minutes=n)
        if self.origins and self.random.random() < COPY_SHARE:
            origin = self.random.choice(self.origins)
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
    from syndtrack.articles import ArticleStore, validate_article
    from syndtrack.db import open_db

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


def measure(db_path: str, mode: str) -> dict:
    """Runs in a subprocess: one clustering (or baseline) run, timed, with its peak RSS."""
    from syndtrack.db import open_db

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
        out = {"articles": r.articles_processed, "candidates": r.candidates, "matches": r.matches,
               "clusters": r.clusters, "members": r.members, "stages": r.timings}
    out["seconds"] = round(time.perf_counter() - t0, 2)
    # CPU seconds of this process and its (joined) worker processes: on a machine shared
    # with other runs the wall time mostly measures the load; this measures the work.
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    out["cpu_seconds"] = round(own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime - cpu0, 2)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    # The worker processes clustering forks (copy-on-write children of this one): the largest.
    out["peak_rss_worker_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    return out


def run_measure(db_path: Path, mode: str) -> dict:
    load = os.getloadavg()[0]
    proc = subprocess.run([sys.executable, __file__, "--measure", str(db_path), "--mode", mode],
                          capture_output=True, text=True, check=True)
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
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    ap.add_argument("--mode", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.mode)))
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    results = {"machine": {"cpus": os.cpu_count(), "loadavg": os.getloadavg()}, "runs": []}
    for n in args.sizes:
        gen = Generator(args.seed)
        base = CACHE / f"corpus-{n}-{args.seed}.db"
        if not base.exists():
            tmp = base.with_suffix(".tmp")
            for suffix in ("", "-wal", "-shm"):
                Path(str(tmp) + suffix).unlink(missing_ok=True)
            print(f"building {n} articles ...", file=sys.stderr)
            secs = build_db(tmp, gen, n)
            print(f"  imported in {secs:.0f}s", file=sys.stderr)
            tmp.rename(base)
        else:
            for _ in range(n):  # advance the generator past the cached articles
                gen.article()
        work = CACHE / f"work-{n}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(work) + suffix).unlink(missing_ok=True)
        shutil.copy(base, work)
        full = run_measure(work, "full")
        print(f"{n}: full {full}", file=sys.stderr)
        # Incremental: add articles (new origins and copies of existing ones) and cluster again.
        build_db(work, gen, args.add)
        inc = run_measure(work, "incremental")
        print(f"{n}: +{args.add} {inc}", file=sys.stderr)
        row = {"articles": n, "full": full, "incremental": {"added": args.add, **inc}}
        if n in args.baseline_sizes:
            row["baseline"] = run_measure(base, "baseline")
            print(f"{n}: baseline {row['baseline']}", file=sys.stderr)
        results["runs"].append(row)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""Cost of the cross-language stage: a 20% Chinese corpus against the same size in one language.

Builds (with ``dedupe_speed.Generator``'s English republication model) a corpus of N
articles, and a mixed one in which a share of the articles (default 20%) are Chinese:
origins made of three sentence groups drawn from different CulturaX Chinese
state-media texts with half their characters redrawn (by frequency: the 64 texts are a
small pool, and with less noise every English translation shares a third of its text
with dozens of origins, which real corpora do not), copies
and excerpts of them; and each of the 64 CulturaX texts once as a whole origin with the
machine translation CulturaX carries as an English article (a translated copy to find).
Then ``cluster --full`` runs on each, the mixed one with the stage on and off
(``SYNDTRACK_XLANG=0``).

    python benchmarks/xlang_speed.py --size 20000 [--zh-share 0.2]
    python benchmarks/xlang_speed.py --fresh 6 --keep /tmp/xlang-corpora   # the issue's comparison

``--fresh N`` also runs ``syndtrack cluster --full`` in a fresh process per run, N rounds of
one language / mixed with the stage / mixed without it, alternated (a scheduled
``cluster`` is a fresh process, and the runs in this process share its warm caches): wall
and CPU of each child (``os.wait4``), the medians and each round's ratio. ``--keep DIR``
builds the two corpora there once and reuses them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import dedupe_speed  # noqa: E402

CULTURAX = HERE.parent.parent / "shared" / "data" / "state-media-culturax-sample" / "examples.json"


class Mixed:
    def __init__(self, seed: int, zh_share: float):
        self.en = dedupe_speed.Generator(seed)
        self.zh_share = zh_share
        self.rng = random.Random(seed + 1)
        items = json.loads(CULTURAX.read_text(encoding="utf-8"))
        self.cx = [(it["culturax_text"], it.get("culturax_text_en") or "") for it in items if it.get("culturax_text")]
        chars = "".join(t for t, _ in self.cx)
        self.alphabet = [c for c in chars if "\u4e00" <= c <= "\u9fff"]
        self.groups = []
        for t, _ in self.cx:
            sents = [x for x in t.replace("。", "。\n").split("\n") if x.strip()]
            self.groups += ["".join(sents[i : i + 3]) for i in range(0, len(sents), 3)]
        self.whole = list(range(len(self.cx)))
        self.rng.shuffle(self.whole)
        self.zh_origins: list[dict] = []
        self.pending_en: list[dict] = []

    def _zh_text(self) -> tuple[str, str]:
        if self.whole and self.rng.random() < 0.05:
            return self.cx[self.whole.pop()]
        text = "\n".join(self.rng.choice(self.groups) for _ in range(3))
        out = [self.rng.choice(self.alphabet) if ("\u4e00" <= c <= "\u9fff" and self.rng.random() < 0.5) else c for c in text]
        return "".join(out), ""

    def article(self) -> dict:
        if self.pending_en:
            return self.pending_en.pop()
        if self.rng.random() >= self.zh_share:
            return self.en.article()
        self.en.n += 1
        n = self.en.n
        when = self.en.t0 + timedelta(minutes=n)
        if self.zh_origins and self.rng.random() < dedupe_speed.COPY_SHARE:
            o = self.rng.choice(self.zh_origins)
            text = o["text"]
            if self.rng.random() < 0.5:
                k = max(60, len(text) // 3)
                s = self.rng.randrange(0, max(1, len(text) - k))
                text = text[s : s + k]
            return {"url": f"https://zhcopier{n % 200}.example/{n}", "outlet": f"zhcopier{n % 200}.example",
                    "title": o["title"], "text": text, "published": (when + timedelta(hours=2)).isoformat(), "kind": "zh-copy"}
        text, en = self._zh_text()
        rec = {"url": f"https://zhoutlet{n % 100}.example/{n}", "outlet": f"zhoutlet{n % 100}.example",
               "title": text[:20], "text": text, "published": when.isoformat(), "kind": "zh-origin"}
        self.zh_origins.append(rec)
        if en:
            self.en.n += 1
            self.pending_en.append({"url": f"https://translator.example/{self.en.n}", "outlet": "translator.example",
                                    "title": en[:60], "text": en, "published": (when + timedelta(hours=5)).isoformat(),
                                    "kind": "translated"})
        return rec


def measure(path: Path, xlang: bool) -> dict:
    from syndtrack.clustering import cluster
    from syndtrack.store.db import open_db

    os.environ["SYNDTRACK_XLANG"] = "1" if xlang else "0"
    db = open_db(path)
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    cpu0 = _cpu()
    res = cluster(db, full=True)
    out = {"seconds": round(time.perf_counter() - t0, 2),
           # this process and its joined workers: the machine is shared, so wall time alone says little
           "cpu_seconds": round(_cpu() - cpu0, 2), "load": [round(load0, 1), round(os.getloadavg()[0], 1)],
           "timings": res.timings, "matches": res.matches, "clusters": res.clusters,
           "same_language_matches": sorted(db.execute("select a_id, b_id from matches where kind is null").fetchall()),
           "translated": db.execute("select count(*) from cluster_members where relation = 'translated'").fetchone()[0]}
    db.close()
    return out


def fresh_rounds(one: Path, mixed: Path, rounds: int) -> dict:
    """``syndtrack cluster --full`` in a child process per run, the three variants alternated."""
    import statistics
    import subprocess

    variants = (("one language", one, "1"), ("mixed, stage on", mixed, "1"), ("mixed, stage off", mixed, "0"))
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in variants}
    for i in range(rounds):
        for name, path, xlang in variants:
            load = os.getloadavg()[0]
            t0 = time.perf_counter()
            child = subprocess.Popen([sys.executable, "-m", "syndtrack", "--db", str(path), "cluster", "--full"],
                                     env=dict(os.environ, SYNDTRACK_XLANG=xlang),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - t0
            if status != 0:
                raise SystemExit(f"cluster --full on {path} failed (status {status})")
            run = {"wall": round(wall, 2), "cpu": round(usage.ru_utime + usage.ru_stime, 2), "load": round(load, 2)}
            runs[name].append(run)
            print(f"fresh round {i + 1} {name:<17} wall {run['wall']:>6.2f}s  cpu {run['cpu']:>6.2f}s  load before {run['load']}",
                  flush=True)
    ratios = [on["wall"] / base["wall"] for on, base in zip(runs["mixed, stage on"], runs["one language"])]
    medians = {name: round(statistics.median(r["wall"] for r in rs), 2) for name, rs in runs.items()}
    out = {"runs": runs, "median_wall": medians, "ratio_by_round": [round(r, 3) for r in ratios],
           "median_ratio_vs_one_language": round(statistics.median(ratios), 3),
           "ratio_of_medians_vs_one_language": round(medians["mixed, stage on"] / medians["one language"], 3)}
    print(f"fresh processes: median wall {medians}; mixed with the stage / one language, by round "
          f"{out['ratio_by_round']}, median {out['median_ratio_vs_one_language']}, "
          f"of the medians {out['ratio_of_medians_vs_one_language']}", flush=True)
    return out


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=20_000)
    ap.add_argument("--zh-share", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--fresh", type=int, default=0, metavar="N",
                    help="also N alternated rounds of `cluster --full` in fresh processes")
    ap.add_argument("--keep", type=Path, metavar="DIR", help="build the corpora here once and reuse them")
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        one = where / f"one-{args.size}-{args.seed}.db"
        mixed = where / f"mixed-{args.size}-{args.seed}-{args.zh_share}.db"
        if not (args.keep and one.exists()):
            dedupe_speed.build_db(one, dedupe_speed.Generator(args.seed), args.size)
        if not (args.keep and mixed.exists()):
            dedupe_speed.build_db(mixed, Mixed(args.seed, args.zh_share), args.size)
        if args.fresh:
            results["fresh"] = fresh_rounds(one, mixed, args.fresh)
        for name, path, on in (("one language, stage on", one, True), ("mixed, stage off", mixed, False),
                               ("mixed, stage on", mixed, True), ("mixed, stage off (again)", mixed, False),
                               ("mixed, stage on (again)", mixed, True),
                               # Again at the end: the first run of the process pays the imports
                               # and warms the caches, which flatters a ratio against it.
                               ("one language, stage on (again)", one, True)):
            r = measure(path, on)
            results[name] = r
            t = r["timings"]
            print(f"{name:<28} {r['seconds']:>6.2f}s  cpu {r['cpu_seconds']:>6.2f}s  load {r['load'][0]}->{r['load'][1]}  "
                  # A big run's stage runs in its own process beside the index write (xlang_forked:
                  # its wall time there; xlang_wait: what the write waited for it).
                  f"xlang {t.get('xlang_forked', t.get('xlang', 0)):.2f}s, waited for {t.get('xlang_wait', 0):.2f}s (keys {t.get('xlang_keys', 0)}, candidates {t.get('xlang_candidates', 0)}, "
                  f"verify {t.get('xlang_verify', 0)}; cpu {t.get('xlang_cpu', 0)})  matches {r['matches']}  "
                  f"translated members {r['translated']}", flush=True)
    # The stage adds its own matches and must leave the same-language ones as they were.
    same = {n: r.pop("same_language_matches") for n, r in results.items() if n.startswith("mixed")}
    print("same-language matches identical with the stage on and off:", len({tuple(map(tuple, v)) for v in same.values()}) == 1)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

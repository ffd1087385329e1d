"""Peak memory of ``syndtrack cluster`` when one article is huge (issue 10, item 10).

Builds a database with a few hundred ordinary articles, one article of
``--mb`` megabytes ("word word ..." lines, as a scraped dump or an attack
would be) and a copy of that article's first paragraphs, runs ``syndtrack
cluster`` in a child process and reports the child's own peak RSS (VmHWM,
polled), the wall time, and whether the copy was still clustered.

    python benchmarks/huge_article.py --mb 50
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil


def build(path: Path, mb: int) -> None:
    rnd = random.Random(0)
    words = [f"w{i}x" for i in range(3000)]

    def para(n: int) -> str:
        return " ".join(rnd.choice(words) for _ in range(n)).capitalize() + "."

    lede = "\n".join(para(40) for _ in range(6))
    filler_line = ("word " * 40).strip() + ".\n"
    huge = lede + "\n" + filler_line * (mb * 1024 * 1024 // len(filler_line))
    rows = [{"url": "https://huge.example/dump", "text": huge, "published": "2024-01-01T00:00:00+00:00"},
            {"url": "https://copier.example/lede", "text": lede, "published": "2024-01-02T00:00:00+00:00"}]
    rows += [{"url": f"https://o{i % 10}.example/{i}", "text": "\n".join(para(30) for _ in range(8))} for i in range(300)]
    jsonl = path.with_suffix(".jsonl")
    with jsonl.open("w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    subprocess.run([sys.executable, "-m", "syndtrack", "--db", str(path), "import", str(jsonl)], check=True,
                   capture_output=True)


def peak_of(cmd: list[str]) -> tuple[float, float, int]:
    start = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [proc] + proc.children(recursive=True)
            peak = max(peak, sum(p.memory_info().rss for p in procs))
        except psutil.Error:
            pass
        time.sleep(0.05)
    return peak / 2**20, time.perf_counter() - start, proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "huge.db"
        build(db, args.mb)
        peak, wall, rc = peak_of([sys.executable, "-m", "syndtrack", "--db", str(db), "cluster"])
        import sqlite3

        conn = sqlite3.connect(db)
        copied = conn.execute(
            "select count(*) from cluster_members m join articles a on a.id = m.article_id "
            "where a.url in ('https://huge.example/dump', 'https://copier.example/lede')").fetchone()[0]
        print(f"{args.mb} MB article: cluster exit {rc}, {wall:.1f} s, peak RSS {peak:.0f} MB "
              f"(the process and its workers, polled), huge article and its copy clustered: {copied == 2}")


if __name__ == "__main__":
    main()

"""Time `syndtrack demo` (target: under a minute) and how fast a locked `syndtrack run` gives up.

    python benchmarks/operations_demo.py [--runs 3]

Each demo run is a fresh `python -m syndtrack demo` subprocess in a temporary
folder, so the time includes interpreter start, imports, the site server, the
Scrapy child process, clustering and the HTML report. The locked run holds
`<db>.lock` from this process and times `syndtrack run` until it exits 75.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import filelock

from syndtrack.run import lock_path


def time_demo(folder: Path) -> float:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "syndtrack", "demo"], cwd=folder, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"demo failed: {out.stderr or out.stdout}")
    return took


def time_locked(folder: Path) -> float:
    db = folder / "demo.db"
    with filelock.FileLock(lock_path(db)):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "syndtrack", "--db", str(db), "run", "--no-crawl"], capture_output=True, text=True)
        took = time.perf_counter() - t0
    assert out.returncode == 75, out
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        times = [time_demo(folder) for _ in range(args.runs)]
        locked = [time_locked(folder) for _ in range(3)]
    print(f"syndtrack demo, {args.runs} runs: " + ", ".join(f"{t:.1f}s" for t in times)
          + f"; median {statistics.median(times):.1f}s, max {max(times):.1f}s")
    print("locked syndtrack run exits 75 after: " + ", ".join(f"{t:.2f}s" for t in locked))


if __name__ == "__main__":
    main()

"""Where a firehose record's time goes: per-stage perf_counter totals over a benchmark set.

Stages: reading (inflate + parse), the cheap test (text of the raw page, skeleton,
shingles, look-up), the link test, and extraction of the pages that pass.

    python benchmarks/warc_profile.py --dir /tmp/warc-bench [--records 3000]

The sources file is imported into a scratch database first (untimed), as the benchmark does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, required=True)
    ap.add_argument("--records", type=int, default=3000)
    ap.add_argument("--extract", action="store_true", help="also time extraction of the pages that pass")
    args = ap.parse_args(argv)
    labels = json.loads((args.dir / "labels.json").read_text(encoding="utf-8"))
    db_path = Path(tempfile.mkdtemp()) / "profile.db"
    subprocess.run([sys.executable, "-m", "syndtrack", "--db", str(db_path), "import-warc",
                    str(args.dir / labels["source_file"])], check=True, capture_output=True)

    from crawler.extraction import extract
    from syndtrack.store.db import open_db
    from syndtrack.store.registry import Registry
    from syndtrack.warc import CopyFilter, page_skeleton
    from syndtrack.warc_reader import Record, read_warc

    copy_filter = CopyFilter.load(open_db(db_path), Registry.load(), None)
    spent: Counter = Counter()
    n: Counter = Counter()
    cpu0 = time.process_time()
    t = time.perf_counter()
    for path in (args.dir / f for f in labels["files"]):
        for rec in read_warc(path):
            now = time.perf_counter()
            spent["read"] += now - t
            n["records"] += 1
            if n["records"] > args.records:
                break
            t = now
            if not isinstance(rec, Record) or rec.type != "response" or rec.status != 200 or rec.truncated:
                continue
            if "html" not in (rec.content_type or "").lower():
                continue
            n["html"] += 1
            skel = page_skeleton(rec.body)
            now = time.perf_counter()
            spent["skeleton"] += now - t
            t = now
            text_pass = copy_filter.skeleton_hits(skel) >= copy_filter.min_hits
            now = time.perf_counter()
            spent["look-up"] += now - t
            t = now
            link_pass = not text_pass and copy_filter.check_links(rec.body) is not None
            now = time.perf_counter()
            spent["links"] += now - t
            t = now
            if text_pass or link_pass:
                n["passed"] += 1
                if args.extract:
                    extract(rec.body, rec.url, headers={"content-type": rec.content_type})
                    now = time.perf_counter()
                    spent["extract"] += now - t
                    t = now
        t = time.perf_counter()
    cpu = time.process_time() - cpu0
    records = min(n["records"], args.records)
    out = {"records": records, "html": n["html"], "passed": n["passed"], "cpu_seconds": round(cpu, 2),
           "load": os.getloadavg()[0],
           "ms_per_record": {k: round(1000 * v / records, 3) for k, v in spent.items()},
           "ms_per_html_page": {k: round(1000 * v / max(1, n["html"]), 3) for k, v in spent.items() if k != "read"}}
    if args.extract and n["passed"]:
        out["ms_per_extracted_page"] = round(1000 * spent["extract"] / n["passed"], 1)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

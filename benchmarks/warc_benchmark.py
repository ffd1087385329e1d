"""The firehose benchmark: ``import-warc --filter copies`` against extracting every record.

On the set ``benchmarks/warc_corpus.py`` builds (built here if missing):

1. the state-media sources are imported (not timed: they are the database we filter against);
2. ``syndtrack import-warc --filter copies`` runs over the firehose files in a child
   process: wall time, records/s, CPU and peak RSS of that process (``os.wait4``);
3. the baseline reads the same files with the same reader and runs
   ``trafilatura.extract`` on every HTML response, the first ``--baseline-records``
   records (0: all), for its records/s. Each text it extracts is also checked for
   source fingerprints (untimed): the copies that extracting everything finds, against
   which the filter's recall is measured;
4. recall of the planted copies (by style), then ``syndtrack cluster`` and
   ``outlets discover``: precision@20 of the planted republisher hosts.

Usage::

    python benchmarks/warc_benchmark.py --dir /tmp/warc-bench                 # 20k records
    python benchmarks/warc_benchmark.py --dir /tmp/warc-bench-100k --records 100000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _hwm_mb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out.extend(int(c) for c in f.read().split())
    except OSError:
        pass
    return out


def run_child(args: list[str]) -> dict:
    """Run a command; its wall and CPU time (its children's included) and peak RSS.

    The peak is /proc's VmHWM, polled: ``ru_maxrss`` from ``wait4`` starts at the forking
    parent's peak (this process may have built the corpus: gigabytes). ``peak_rss_mb`` is
    the command's own process; ``peak_rss_tree_mb`` adds the peak of each process it
    started (import-warc's workers): an upper bound, as forked workers share pages.
    """
    import threading

    load_before = round(os.getloadavg()[0], 2)
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0]
    stop = threading.Event()

    child_peaks: dict[int, int] = {}

    def poll() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _hwm_mb(proc.pid))
            for child in _children(proc.pid):
                child_peaks[child] = max(child_peaks.get(child, 0), _hwm_mb(child))
            stop.wait(0.1)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    out = proc.stdout.read().decode("utf-8", "replace")
    peak[0] = max(peak[0], _hwm_mb(proc.pid))  # the process is a zombie at worst: /proc still has it
    stop.set()
    watcher.join()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{out}")
    return {"seconds": round(time.perf_counter() - started, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": peak[0], "peak_rss_tree_mb": peak[0] + sum(child_peaks.values()),
            "load_before": load_before, "load_after": round(os.getloadavg()[0], 2),
            "output": out.strip().splitlines()[-3:]}


def baseline(files: list[Path], limit: int, copy_filter) -> dict:
    import trafilatura

    from crawler.extraction import tuning
    from syndtrack.warc_reader import Record, read_warc

    tuning.uninstall()  # trafilatura as it ships, not with the crawler's faster XPaths (crawler/extraction/tuning.py)

    records = extracted = 0
    spent = 0.0
    positives: set[str] = set()
    started = time.perf_counter()
    cpu_started = time.process_time()
    checking = 0.0  # the untimed part: the copy check of each extracted text
    for path in files:
        for rec in read_warc(path):
            if limit and records >= limit:
                break
            records += 1
            if not isinstance(rec, Record) or rec.type != "response" or rec.status != 200 or rec.truncated:
                continue
            if "html" not in (rec.content_type or "").lower():
                continue
            t = time.perf_counter()
            text = trafilatura.extract(rec.body, url=rec.url)
            spent += time.perf_counter() - t
            extracted += 1
            t = time.perf_counter()
            if text and copy_filter.hits(text) >= copy_filter.min_hits:
                positives.add(rec.url)
            checking += time.perf_counter() - t
    wall = time.perf_counter() - started - checking
    cpu = time.process_time() - cpu_started - checking
    return {"records": records, "extracted": extracted, "trafilatura_seconds": round(spent, 2),
            "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), "cpu_ms_per_record": round(1000 * cpu / records, 2),
            "load_after": round(os.getloadavg()[0], 2), "positives": positives}


def db_state(path: Path) -> dict:
    import gzip
    import hashlib

    from syndtrack.store.db import open_db

    db = open_db(path)
    try:
        articles = sorted(tuple((k, v) for k, v in r.items() if k not in ("id", "first_seen", "updated"))
                          for r in db.query("select * from articles"))
        pages = sorted((r["url"], hashlib.sha1(gzip.decompress(r["html_gz"])).hexdigest(), r["status"], r["fetched"])
                       for r in db.query("select * from pages"))
        hosts = sorted(tuple(r.values()) for r in db.query("select * from warc_hosts"))
        return {"articles": articles, "pages": pages, "warc_hosts": hosts}
    finally:
        db.close()


def on_cluster(folder: Path, labels: dict, files: list[Path], single_db: Path) -> dict:
    """The firehose import through a local 2-worker Dask cluster, against the one-machine database."""
    import shutil

    tmp = folder / "dask"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    sfile = tmp / "scheduler.json"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                               "--port", "0", "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(sfile)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    while not sfile.exists():
        time.sleep(0.2)
    for i in range(2):
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file",
                                       str(sfile), "--nthreads", "1", "--host", "127.0.0.1", "--dashboard-address",
                                       "127.0.0.1:0", "--local-directory", str(tmp / f"w{i}")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        from distributed import Client

        with Client(scheduler_file=str(sfile), timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        db_path = folder / "bench-cluster.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        exe = [sys.executable, "-m", "syndtrack", "--db", str(db_path)]
        run_child([*exe, "import-warc", str(folder / labels["source_file"])])
        run = run_child([*exe, "import-warc", "--filter", "copies", "--scheduler", str(sfile), *map(str, files)])
        run["records_per_second"] = round(labels["counts"]["records"] / run["seconds"], 1)
        single, multi = db_state(single_db), db_state(db_path)
        run["identical"] = {k: single[k] == multi[k] for k in single}
        run["rows"] = {k: len(v) for k, v in multi.items()}
        return run
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, required=True, help="the benchmark set (built here if missing)")
    ap.add_argument("--records", type=int, default=20_000, help="records to build when the set is missing")
    ap.add_argument("--baseline-records", type=int, default=3000,
                    help="records the trafilatura baseline reads (0: all; it runs at ~30 records/s here)")
    ap.add_argument("--json", type=Path, help="write the results here too")
    ap.add_argument("--cluster", action="store_true",
                    help="also run the firehose import on a local Dask cluster (scheduler + 2 workers on 127.0.0.1) "
                         "and compare the database with the one-machine run")
    ap.add_argument("--file-mb", type=int, default=1000, help="file size when the set is built here")
    ap.add_argument("--copy-share", type=float, default=0.03, help="share of records that are planted copies "
                    "when the set is built here")
    args = ap.parse_args(argv)
    if not (args.dir / "labels.json").exists():
        from warc_corpus import build

        build(args.dir, args.records, file_mb=args.file_mb, copy_share=args.copy_share)
    labels = json.loads((args.dir / "labels.json").read_text(encoding="utf-8"))
    files = [args.dir / f for f in labels["files"]]
    db_path = args.dir / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    exe = [sys.executable, "-m", "syndtrack", "--db", str(db_path)]
    result: dict = {"records": labels["counts"]["records"], "files": len(files),
                    "bytes": sum(f.stat().st_size for f in files), "load": os.getloadavg()[0]}
    result["sources"] = run_child([*exe, "import-warc", str(args.dir / labels["source_file"])])
    firehose = run_child([*exe, "import-warc", "--filter", "copies", *map(str, files)])
    firehose["records_per_second"] = round(result["records"] / firehose["seconds"], 1)
    firehose["cpu_ms_per_record"] = round(1000 * firehose["cpu_seconds"] / result["records"], 2)
    result["firehose"] = firehose

    from syndtrack.store.db import open_db
    from syndtrack.store.registry import Registry
    from syndtrack.store.urls import canonical_url
    from syndtrack.warc import CopyFilter

    db = open_db(db_path)
    stored = {r[0] for r in db.execute("select url from articles")}
    planted_total, planted_found = Counter(), Counter()
    for p in labels["planted"]:
        planted_total[p["style"]] += 1
        planted_found[p["style"]] += canonical_url(p["url"]) in stored
    text_styles = [s for s in planted_total if s != "paraphrase"]
    result["recall_planted"] = {s: round(planted_found[s] / planted_total[s], 4) for s in planted_total}
    result["recall_planted_text"] = round(sum(planted_found[s] for s in text_styles) /
                                          max(1, sum(planted_total[s] for s in text_styles)), 4)
    copy_filter = CopyFilter.load(db, Registry.load(), None)
    # The filter's own set of sources is what it was run with: the state-media articles only.
    base = baseline(files, args.baseline_records, copy_filter)
    positives = base.pop("positives")
    base["records_per_second"] = round(base["records"] / base["seconds"], 1)
    result["baseline"] = base
    result["speedup"] = round(firehose["records_per_second"] / base["records_per_second"], 1)
    # Per CPU second: what the machine's load does not change (both sides on one core's worth).
    result["speedup_cpu"] = round(base["cpu_ms_per_record"] / firehose["cpu_ms_per_record"], 1)
    found = {u for u in positives if canonical_url(u) in stored}
    result["recall_vs_extract_all"] = {"copies_found_by_extracting": len(positives), "kept_by_filter": len(found),
                                       "recall": round(len(found) / len(positives), 4) if positives else None}
    db.close()
    result["cluster"] = run_child([*exe, "cluster"])
    out = subprocess.run([*exe, "outlets", "discover", "--limit", "20", "--format", "json"], capture_output=True,
                         text=True, check=True).stdout
    rows = json.loads(out)
    planted_hosts = {h.removeprefix("www.") for h in labels["planted_hosts"]}
    top = [r["host"] for r in rows[:20]]
    hits = [h for h in top if h.removeprefix("www.") in planted_hosts or any(h.endswith("." + p) or p.endswith("." + h)
                                                                             or h == p for p in planted_hosts)]
    result["discover"] = {"top20": top, "planted_in_top20": len(hits),
                          "precision_at_20": round(len(hits) / min(20, max(1, len(top))), 3),
                          "planted_hosts": len(planted_hosts)}
    if args.cluster:
        result["cluster_run"] = on_cluster(args.dir, labels, files, db_path)
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

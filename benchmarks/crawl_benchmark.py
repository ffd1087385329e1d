"""Crawl throughput against extraction alone, on the same pages, in the same run.

Serves real article pages (article-extraction-benchmark, 181 pages, and
fundus-publisher-pages, 258 pages, from ../shared/data) from a local site
server with a sitemap, then:

1. crawl: ``syndtrack.crawl.crawl`` over that site into a fresh SQLite file
   (robots.txt, sitemap, HTTP, decoding, crawler.extraction.extract,
   validation, batched storage with compressed evidence), politeness delays
   off as for any local benchmark; timed end to end (child process start
   included) and by Scrapy's own elapsed time;
2. extraction alone: the same pages, read from disk and decoded the same
   way, through crawler.extraction.extract in a fresh process (as the crawl
   runs in one: both pay their imports and first-call set-up).

Prints pages per second for both, the ratios of wall time and of CPU time
(target: crawl <= 1.25x extraction alone) and peak memory (max RSS) of the crawl process and of the
extraction-alone process, and the crawl's own CPU cost: its CPU less the CPU
that ``extract`` took inside it (the run's ``syndtrack/extract_cpu_seconds``
stat), which does not depend on a second process meeting the same machine
load. ``--repeat N`` serves each page N times under different URLs;
``--rounds N`` runs both N times and keeps the best time of each.

    python benchmarks/crawl_benchmark.py [--data ../shared/data] [--repeat 1] [--rounds 1] [--json out.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from w3lib.encoding import html_to_unicode  # noqa: E402

from crawler.extraction import extract  # noqa: E402
from rss import own_peak_rss_mb  # noqa: E402  (benchmarks/, the script's folder)
from syndtrack.crawl import crawl  # noqa: E402
from syndtrack.store.db import open_db  # noqa: E402
from syndtrack.siteserver import SiteServer  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
HEADER = "text/html; charset=utf-8"  # what the site server sends for .html


def load_pages(data: Path) -> list[bytes]:
    pages = [gzip.decompress(p.read_bytes()) for p in sorted((data / "article-extraction-benchmark" / "html").glob("*.html.gz"))]
    pages += [gzip.decompress(p.read_bytes()) for p in sorted((data / "fundus-publisher-pages").glob("*/*.html.gz"))]
    return pages


def build_site(root: Path, pages: list[bytes], repeat: int) -> list[str]:
    site = root / "bench"
    (site / "a").mkdir(parents=True)
    paths = []
    for r in range(repeat):
        for i, page in enumerate(pages):
            path = f"/a/{r}-{i:04d}.html"
            # The site server rewrites {{site:...}} in .html files; no real page contains it.
            (site / path.lstrip("/")).write_bytes(page)
            paths.append(path)
    urls = "\n".join(f"  <url><loc>{{{{site:bench}}}}{p}</loc></url>" for p in paths)
    (site / "sitemap.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}\n</urlset>\n')
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /private/\nSitemap: {{site:bench}}/sitemap.xml\n")
    return paths


def _children_cpu() -> float:
    # CPU time of finished child processes (the crawl runs in one): unlike wall
    # time, it does not grow when other work shares the machine's two cores.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def extraction_alone(site: Path, base: str) -> tuple[int, float]:
    """Decode and extract every page of the site as the crawl would (run in a child process).

    Returns the articles found and the CPU seconds spent in ``extract`` itself.
    """
    found = 0
    extract_cpu = 0.0
    for page in sorted((site / "a").glob("*.html")):
        _, text = html_to_unicode(HEADER, page.read_bytes())
        started = time.process_time()
        article = extract(text, f"{base}/a/{page.name}", headers={"content-type": HEADER})
        extract_cpu += time.process_time() - started
        if article:
            found += 1
    return found, extract_cpu


def main() -> None:
    if sys.argv[1:2] == ["--alone-worker"]:
        found, extract_cpu = extraction_alone(Path(sys.argv[2]), sys.argv[3])
        print(json.dumps({"found": found, "extract_cpu": extract_cpu, "peak_rss_mb": own_peak_rss_mb()}))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="repeat crawl + extraction alone; keep the best time of each")
    parser.add_argument("--limit", type=int, help="only the first N pages (a quick check)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    pages = load_pages(args.data)[: args.limit]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = build_site(tmp / "sites", pages, args.repeat)
        server = SiteServer(tmp / "sites")
        base = server.start()["bench"]
        try:
            registry = tmp / "bench.toml"
            registry.write_text(f'[outlets.bench]\nname = "Bench"\nurl = "{base}/"\nsitemaps = ["{base}/sitemap.xml"]\n')
            settings = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
                        "LOG_LEVEL": "WARNING"}
            best: dict[str, float] = {}
            for round_ in range(args.rounds):
                # Each round: a fresh database, the crawl, then extraction alone.
                # The best (smallest) time of each over the rounds is kept:
                # other work on a shared machine only ever adds time.
                db_path = tmp / f"bench-{round_}.db"
                cpu_before = _children_cpu()
                start = time.perf_counter()
                result = crawl(db_path, outlets_file=registry, use_default_outlets=False, settings=settings)
                measured = {"crawl_wall": time.perf_counter() - start, "crawl_cpu": _children_cpu() - cpu_before}
                if round_ == 0:  # only crawl processes have ended so far
                    crawl_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
                db = open_db(db_path)
                stats = json.loads(db["crawl_runs"].get(result.run_id)["stats"])
                stored = db["articles"].count
                db.close()
                measured["scrapy_elapsed"] = float(stats["syndtrack/elapsed_seconds"])
                # The crawl's own cost: its CPU less what extraction took inside it.
                measured["crawl_extract_cpu"] = float(stats["syndtrack/extract_cpu_seconds"])
                measured["crawl_own_cpu"] = measured["crawl_cpu"] - measured["crawl_extract_cpu"]
                # Extraction alone runs in a fresh process too, as the crawl does, so
                # both pay their imports and the extraction libraries' first-call set-up.
                cpu_before = _children_cpu()
                start = time.perf_counter()
                worker = subprocess.run([sys.executable, __file__, "--alone-worker", str(tmp / "sites" / "bench"), base],
                                        capture_output=True, text=True, check=True)
                measured["alone"] = time.perf_counter() - start
                measured["alone_cpu"] = _children_cpu() - cpu_before
                report = json.loads(worker.stdout.strip().splitlines()[-1])
                found, alone_rss_mb = report["found"], report["peak_rss_mb"]
                measured["alone_extract_cpu"] = report["extract_cpu"]
                print(f"round {round_ + 1}: " + ", ".join(f"{k} {v:.2f}s" for k, v in measured.items()), flush=True)
                best = {k: min(v, best.get(k, v)) for k, v in measured.items()}
            crawl_wall, crawl_cpu, scrapy_elapsed = best["crawl_wall"], best["crawl_cpu"], best["scrapy_elapsed"]
            alone, alone_cpu = best["alone"], best["alone_cpu"]
            crawl_own_cpu = best["crawl_own_cpu"]
            crawl_extract_cpu, alone_extract_cpu = best["crawl_extract_cpu"], best["alone_extract_cpu"]
        finally:
            server.stop()

    n = len(paths)
    figures = {
        "pages": n,
        "rounds": args.rounds,
        "crawl_status": result.status,
        "crawl_errors": result.errors,
        "articles_stored": stored,
        "articles_extracted_alone": found,
        "crawl_wall_seconds": round(crawl_wall, 2),
        "crawl_scrapy_seconds": round(scrapy_elapsed, 2),
        "extraction_alone_seconds": round(alone, 2),
        "crawl_pages_per_second": round(n / crawl_wall, 1),
        "crawl_pages_per_second_in_scrapy": round(n / scrapy_elapsed, 1),
        "extraction_alone_pages_per_second": round(n / alone, 1),
        "ratio_wall": round(crawl_wall / alone, 3),
        "ratio_in_scrapy": round(scrapy_elapsed / alone, 3),
        "crawl_cpu_seconds": round(crawl_cpu, 2),
        "extraction_alone_cpu_seconds": round(alone_cpu, 2),
        "ratio_cpu": round(crawl_cpu / alone_cpu, 3),
        "crawl_own_cpu_seconds": round(crawl_own_cpu, 2),
        "crawl_own_cpu_ms_per_page": round(1000 * crawl_own_cpu / n, 1),
        "extract_cpu_in_crawl_seconds": round(crawl_extract_cpu, 2),
        "extract_cpu_alone_seconds": round(alone_extract_cpu, 2),
        "crawl_peak_rss_mb": round(crawl_rss_mb, 1),
        "extraction_alone_peak_rss_mb": round(alone_rss_mb, 1),
    }
    for key, value in figures.items():
        print(f"{key:36} {value}")
    verdict = {k: "met" if figures[k] <= 1.25 else "NOT met" for k in ("ratio_wall", "ratio_in_scrapy", "ratio_cpu")}
    print("target: crawl <= 1.25x extraction alone -> " + ", ".join(f"{k}: {v}" for k, v in verdict.items()))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

"""Crawl throughput against extraction alone, on the same pages, in the same run.

Serves real article pages (article-extraction-benchmark, 181 pages, and
fundus-publisher-pages, 258 pages, from ../shared/data) from a local site
server with a sitemap, then:

1. crawl: ``syndtrack.crawl.crawl`` over that site into a fresh SQLite file
   (robots.txt, sitemap, HTTP, decoding, crawler.extraction.extract,
   validation, batched storage with compressed evidence), politeness delays
   off as for any local benchmark; timed end to end (child process start
   included) and by Scrapy's own elapsed time;
2. extraction alone: the same pages, decoded the same way, through
   crawler.extraction.extract in this process.

Prints pages per second for both, the ratios of wall time and of CPU time
(target: crawl <= 1.25x extraction alone) and peak memory (max RSS) of the crawl process and of this
one. ``--repeat N`` serves each page N times under different URLs.

    python benchmarks/crawl_benchmark.py [--data ../shared/data] [--repeat 1] [--json out.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from w3lib.encoding import html_to_unicode  # noqa: E402

from crawler.extraction import extract  # noqa: E402
from syndtrack.crawl import crawl  # noqa: E402
from syndtrack.db import open_db  # noqa: E402
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


def extraction_alone(pages: list[bytes], base: str, paths: list[str]) -> tuple[float, int]:
    found = 0
    start = time.perf_counter()
    for page, path in zip(pages, paths):
        _, text = html_to_unicode(HEADER, page)
        if extract(text, base + path, headers={"content-type": HEADER}):
            found += 1
    return time.perf_counter() - start, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    pages = load_pages(args.data)
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
            cpu_before = _children_cpu()
            start = time.perf_counter()
            result = crawl(tmp / "bench.db", outlets_file=registry, use_default_outlets=False, settings=settings)
            crawl_wall = time.perf_counter() - start
            crawl_cpu = _children_cpu() - cpu_before
            crawl_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            db = open_db(tmp / "bench.db")
            stats = json.loads(db["crawl_runs"].get(result.run_id)["stats"])
            stored = db["articles"].count
            db.close()
            scrapy_elapsed = float(stats["syndtrack/elapsed_seconds"])
            cpu_before = time.process_time()
            alone, found = extraction_alone(pages * args.repeat, base, paths)
            alone_cpu = time.process_time() - cpu_before
            self_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        finally:
            server.stop()

    n = len(paths)
    figures = {
        "pages": n,
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
        "crawl_peak_rss_mb": round(crawl_rss_mb, 1),
        "benchmark_process_peak_rss_mb": round(self_rss_mb, 1),
    }
    for key, value in figures.items():
        print(f"{key:36} {value}")
    verdict = {k: "met" if figures[k] <= 1.25 else "NOT met" for k in ("ratio_wall", "ratio_in_scrapy", "ratio_cpu")}
    print("target: crawl <= 1.25x extraction alone -> " + ", ".join(f"{k}: {v}" for k, v in verdict.items()))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

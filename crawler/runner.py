"""Run one crawl in this process: ``python -m crawler.runner`` reads a JSON spec on stdin.

:func:`syndtrack.crawl.crawl` starts this in a child process, because a
Twisted reactor cannot be restarted: one crawl per process keeps the Python
API callable any number of times.
"""

from __future__ import annotations

import gc
import json
import logging
import sys

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings


def run(spec: dict) -> int:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(spec.get("settings") or {}, priority="cmdline")
    process = CrawlerProcess(settings)
    if settings.get("LOG_LEVEL") not in ("DEBUG", "INFO"):
        # Extraction libraries warn about every page they discard; that is
        # counted in the stats (syndtrack/not_article), not news on stderr.
        for name in ("trafilatura", "htmldate", "readability", "courlan"):
            logging.getLogger(name).setLevel(logging.ERROR)
    kwargs = {"outlet": ",".join(spec["outlets"])} if spec.get("outlets") else {}
    # Everything imported so far lives as long as the process: keep the cyclic
    # GC from walking it again on every collection while pages are extracted.
    gc.collect()
    gc.freeze()
    failures = []
    deferred = process.crawl("outlets", **kwargs)
    deferred.addErrback(lambda failure: failures.append(failure) and None)
    process.start()
    for failure in failures:
        print(f"crawl failed: {failure.getErrorMessage()}", file=sys.stderr)
    return 1 if failures else 0


def main() -> None:
    spec = json.loads(sys.stdin.read())
    sys.exit(run(spec))


if __name__ == "__main__":
    main()

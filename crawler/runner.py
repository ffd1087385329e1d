"""Run one crawl in this process: ``python -m crawler.runner`` reads a JSON spec on stdin.

:func:`syndtrack.crawl.crawl` starts this in a child process, because a
Twisted reactor cannot be restarted: one crawl per process keeps the Python
API callable any number of times.
"""

from __future__ import annotations

import ctypes
import gc
import json
import logging
import os
import signal
import sys

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings


# Download failures are stored in crawl_errors, and `syndtrack crawl` prints one line
# per failed outlet from there; on stderr Scrapy would print each failed URL with a
# 60-line Twisted traceback (an offline machine: one per outlet, robots.txt and feed).
_DOWNLOAD_LOGGERS = ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt",
                     "scrapy.core.scraper", "scrapy.core.engine")
_DOWNLOAD_ERRORS = ("Error downloading", "Gave up retrying")


def _one_line_errors(record: logging.LogRecord) -> bool:
    """Quiet stderr: drop download failures, and any other error without its traceback
    (a --log-file or -v keeps everything)."""
    if getattr(record, "failed_url", False):
        return False
    if record.name.startswith(_DOWNLOAD_LOGGERS) and str(record.msg).startswith(_DOWNLOAD_ERRORS):
        return False
    if record.exc_info:
        kind = record.exc_info[0].__name__ if record.exc_info[0] else "error"
        record.msg = f"{record.getMessage()} ({kind}; -v or --log-file for the traceback)"
        record.args = None
        record.exc_info = record.exc_text = None
    return True


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
    if settings.get("LOG_LEVEL") not in ("DEBUG", "INFO"):
        # After crawl(): creating the crawler replaces Scrapy's root handler.
        for handler in logging.getLogger().handlers:
            handler.addFilter(_one_line_errors)
    deferred.addErrback(lambda failure: failures.append(failure) and None)
    process.start()
    for failure in failures:
        print(f"crawl failed: {failure.getErrorMessage()}", file=sys.stderr)
    return 1 if failures else 0


# prctl(2) option: the signal the kernel sends us when our parent dies.
PR_SET_PDEATHSIG = 1
# An orphaned crawl stops gracefully for this long, then Scrapy is told to stop
# at once. Its graceful stop waits for every download in flight (up to
# DOWNLOAD_TIMEOUT); a crawl that outlives its run should not linger holding
# the run lock. A forced stop leaves its crawl_runs row 'running': the next
# crawl marks it failed (syndtrack.crawl.fail_dead_runs).
ORPHAN_GRACE_SECONDS = 5


def die_with_parent(parent_pid: int | None) -> None:
    """Stop the crawl, as SIGTERM would, once the process that started us is gone.

    ``syndtrack run`` holds the run lock; a crawl outliving a kill -9 of it
    would go on writing while the next scheduled run crawls the same
    database. The kernel's parent-death signal needs no polling and cannot be
    missed. It comes as SIGHUP, which Scrapy leaves alone, and not straight
    as SIGTERM: the kernel sends it each time we are handed from an exiting
    thread of the parent to the next one, and Scrapy takes a second SIGTERM
    as "stop now, store nothing". So SIGHUP turns into one SIGTERM, once the
    parent process (not just a thread of it) is gone: Scrapy stops
    gracefully, stores what it holds and closes its crawl_runs row; a second
    SIGTERM follows after ORPHAN_GRACE_SECONDS. Until it has exited the crawl
    keeps the run lock, whose descriptor it inherited
    (syndtrack.run), so no run starts beside it. Linux only; elsewhere the
    inherited lock alone keeps runs apart (the crawl then runs to its end).
    """
    if parent_pid is None:
        return
    stopping = False

    def stop(signum, frame):
        os.kill(os.getpid(), signal.SIGTERM)

    def orphaned(signum, frame):
        nonlocal stopping
        if os.getppid() != parent_pid and not stopping:
            stopping = True
            stop(signum, frame)
            signal.signal(signal.SIGALRM, stop)
            signal.alarm(ORPHAN_GRACE_SECONDS)

    signal.signal(signal.SIGHUP, orphaned)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGHUP, 0, 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"prctl(PR_SET_PDEATHSIG): {os.strerror(err)}")
    # The parent may have died before prctl: we would never get the signal.
    if os.getppid() != parent_pid:
        print(f"crawl not started: its parent process {parent_pid} is gone", file=sys.stderr)
        sys.exit(1)


def main() -> None:
    spec = json.loads(sys.stdin.read())
    die_with_parent(spec.get("parent_pid"))
    sys.exit(run(spec))


if __name__ == "__main__":
    main()

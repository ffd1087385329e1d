"""What a run shows while it works: progress on a terminal, plain log lines otherwise.

Used by ``syndtrack run`` and ``syndtrack demo``.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
import time
from datetime import datetime

import click


class CrawlProgress:
    """Shows how far a crawl running in another process has got.

    The crawl runs in a child process, so we watch what it writes: a status
    line redrawn in place on a terminal, nothing extra otherwise (the run's
    plain log lines are enough for journald and cron mail).
    """

    def __init__(self, db_path: str, stream=None):
        self.db_path = db_path
        self.stream = stream or sys.stderr
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.started = time.monotonic()
        self.base = self._counts() or (0, 0)
        self.width = 0

    def _counts(self) -> tuple[int, int] | None:
        """(URLs this crawl has checked, articles in the database), as stored so far."""
        try:
            conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=1)
            try:
                # The crawler records every URL it checks in crawl_urls, batch by
                # batch, with the run's id: unchanged pages (304) count too.
                checked = conn.execute(
                    "select count(*) from crawl_urls where run_id = "
                    "(select max(id) from crawl_runs where status = 'running')"
                ).fetchone()[0]
                articles = conn.execute("select count(*) from articles").fetchone()[0]
                return checked, articles
            finally:
                conn.close()
        except sqlite3.Error:
            return None

    def _loop(self) -> None:
        spinner = "|/-\\"
        i = 0
        while not self.stop_event.wait(0.5):
            counts = self._counts() or (0, self.base[1])
            elapsed = time.monotonic() - self.started
            line = f"{spinner[i % 4]} crawling: {counts[0]} URLs checked, {counts[1] - self.base[1]} new articles ({elapsed:.0f}s)"
            self.width = max(self.width, len(line))
            self.stream.write("\r" + line.ljust(self.width))
            self.stream.flush()
            i += 1

    def __enter__(self):
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        if self.thread:
            self.thread.join()
        self.stream.write("\r" + " " * self.width + "\r")
        self.stream.flush()


class ClusterProgress:
    """A click progress bar per clustering stage, fed by ``progress(done, total, stage=...)``."""

    def __init__(self):
        self.bar = None
        self.stage = None

    def __call__(self, done: int, total: int | None = None, *args, stage: str | None = None, **kwargs) -> None:
        if self.bar is None or stage != self.stage:
            self.close()
            self.stage = stage
            label = f"clustering: {stage}" if stage else "clustering"
            self.bar = click.progressbar(length=max(total or 0, 1), label=label, file=sys.stderr)
            self.bar.__enter__()
        if total and self.bar.length != total:
            self.bar.length = total
        self.bar.update(max(done - self.bar.pos, 0))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def plain_log(message: str) -> None:
    stamp = datetime.now().astimezone().replace(microsecond=0).isoformat()
    click.echo(f"{stamp} syndtrack run: {message}", err=True)


class RunDisplay:
    """What a run shows on stderr: progress on a terminal, plain log lines otherwise.

    Pass ``display.log`` and ``display.cluster_progress`` to :func:`syndtrack.run.run`
    and call ``close()`` afterwards. ``plain=False`` drops the plain log lines
    (for ``--quiet``, or callers that print their own).
    """

    def __init__(self, db_path: str, *, progress: bool, plain: bool = True):
        self.db_path = db_path
        self.progress = progress
        self.plain = plain and not progress
        self.cluster_progress = ClusterProgress() if progress else None
        self.crawl_watch: CrawlProgress | None = None

    def log(self, message: str) -> None:
        if self.progress and message == "crawl started":
            self.crawl_watch = CrawlProgress(self.db_path).__enter__()
        elif message.startswith("crawl "):
            self._stop_watch()
        if self.plain:
            plain_log(message)

    def _stop_watch(self) -> None:
        if self.crawl_watch is not None:
            self.crawl_watch.__exit__(None, None, None)
            self.crawl_watch = None

    def close(self) -> None:
        self._stop_watch()
        if self.cluster_progress is not None:
            self.cluster_progress.close()

"""Everything a crawl writes to SQLite: articles, evidence, URL state, errors, the run row.

One :class:`CrawlRecorder` per crawl, shared by the spider (which asks what
is known about a URL), the item pipeline (which hands it articles) and the
error handlers. Writes are buffered and land in batches, each in one
transaction, so a crash loses at most one batch and never half-writes a row.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import sys
import time
from typing import Any, Callable, Mapping, TypeVar

from scrapy import signals

from syndtrack.store.articles import ArticleStore, StoreCounts
from syndtrack.store.dates import utcnow
from syndtrack.store.db import open_db, write_transaction
from syndtrack.store.urls import BadURL, canonical_url

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Answers that say an article was taken down, not that the fetch failed.
GONE_STATUSES = (404, 410)
STATE_COLUMNS = ("url", "outlet", "kind", "status", "etag", "last_modified", "links", "first_seen", "last_checked", "last_changed")


class CrawlRecorder:
    @classmethod
    def of(cls, crawler) -> "CrawlRecorder":
        """The recorder of this crawl, created on first use."""
        recorder = getattr(crawler, "syndtrack_recorder", None)
        if recorder is None:
            recorder = cls(crawler)
            crawler.syndtrack_recorder = recorder
        return recorder

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.db_path = settings.get("SYNDTRACK_DB")
        self.run_id = settings.getint("SYNDTRACK_RUN_ID") or None
        self.batch_size = settings.getint("SYNDTRACK_BATCH_SIZE", 50)
        self.progress = settings.getbool("SYNDTRACK_PROGRESS")
        self.busy_timeout = settings.getfloat("SYNDTRACK_DB_BUSY_TIMEOUT", 30.0)
        self.write_retries = settings.getint("SYNDTRACK_DB_WRITE_RETRIES", 4)
        self.retry_backoff = settings.getfloat("SYNDTRACK_DB_RETRY_BACKOFF", 5.0)
        self.retry_backoff_max = settings.getfloat("SYNDTRACK_DB_RETRY_BACKOFF_MAX", 60.0)
        self.db = None
        self.store: ArticleStore | None = None
        self.counts = StoreCounts()
        self.errors = 0
        self._articles: list[dict[str, Any]] = []
        self._evidence: dict[str, dict[str, Any]] = {}
        self._states: dict[str, dict[str, Any]] = {}
        self._error_rows: list[dict[str, Any]] = []
        # Stored articles whose URL answered 404/410 (gone) or answered again (back).
        self._gone: set[str] = set()
        self._back: set[str] = set()
        self.known: dict[str, dict[str, Any]] = {}
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @property
    def stats(self):
        # Scrapy sets crawler.stats only when the crawl starts.
        return self.crawler.stats

    # -- lifecycle -----------------------------------------------------------

    def open(self, registry: Mapping[str, Mapping[str, Any]], slugs: list[str]) -> None:
        from syndtrack.store.registry import sync_outlets

        if self.db is not None:
            return
        self.db = open_db(self.db_path)
        self.db.conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        self.store = ArticleStore(self.db)
        # This process is the one that must close the run: the next run marks
        # the row failed if this pid is gone while the row still says running.
        process = {"pid": os.getpid(), "host": socket.gethostname()}

        def start():
            sync_outlets(self.db, registry)
            with write_transaction(self.db):
                if self.run_id is None:
                    self.run_id = self.db["crawl_runs"].insert(
                        {"started": utcnow(), "outlets": json.dumps(slugs), "status": "running", **process}
                    ).last_pk
                else:
                    self.db["crawl_runs"].update(self.run_id, {"outlets": json.dumps(slugs), "status": "running", **process})

        self._retry_locked(start)
        # The whole URL state in memory: fine for a machine's worth of outlets;
        # the scale path moves it to scrapy-redis' seen-set (DESIGN.md).
        placeholders = ",".join("?" * len(slugs)) or "''"
        for row in self.db.query(
            f"select url, outlet, kind, status, etag, last_modified, links, first_seen, last_checked "
            f"from crawl_urls where outlet in ({placeholders})",
            slugs,
        ):
            self.known[row["url"]] = row
        logger.info("run %s: %d outlets, %d known URLs", self.run_id, len(slugs), len(self.known))

    def close(self, spider, reason: str) -> None:
        if self.db is None:
            return
        self.flush()
        started = self.stats.get_value("start_time")
        if started is not None:
            # CoreStats sets elapsed_time_seconds after this handler has run.
            from datetime import datetime, timezone

            self.stats.set_value("syndtrack/elapsed_seconds", round((datetime.now(timezone.utc) - started).total_seconds(), 3))
        stats = self.stats.get_stats()
        ok = stats.get("syndtrack/responses_ok", 0)
        status = "finished" if reason == "finished" and (ok > 0 or self.errors == 0) else "failed"
        self.stats.set_value("syndtrack/status", status)
        row = {
            "finished": utcnow(),
            "pages_fetched": stats.get("downloader/response_count", 0),
            "articles_new": self.counts.new,
            "articles_updated": self.counts.updated,
            "articles_unchanged": self.counts.unchanged,
            "errors": self.errors,
            "status": status,
            "reason": None if status == "finished" else f"crawl closed ({reason})",
            "stats": json.dumps(stats, default=str, sort_keys=True),
        }

        def finish():
            # What flush() had to leave buffered because the lock was still held.
            if self._gone or self._back:
                self._flush_gone()
            if self._states or self._error_rows:
                self._flush_rows()
            with write_transaction(self.db):
                self.db["crawl_runs"].update(self.run_id, row)

        try:
            self._retry_locked(finish)
        except sqlite3.OperationalError as exc:
            if not _is_locked(exc):
                raise
            # Left "running": the parent (syndtrack.crawl) or the next run marks it failed.
            logger.error("crawl run %s: could not record its end: %s", self.run_id, exc)
        self._say(f"crawl run {self.run_id} {status} ({reason})")
        self.db.close()
        self.db = None

    # -- what the spider asks and tells ---------------------------------------

    def state(self, url: str) -> dict[str, Any] | None:
        return self._states.get(url) or self.known.get(url)

    def remember(self, url: str, outlet: str, kind: str, *, status: int | None = None, etag: str | None = None,
                 last_modified: str | None = None, links: list | None = None, changed: bool = True) -> None:
        """Record what a response told us about ``url`` (lands with the next batch)."""
        now = utcnow()
        old = self.state(url) or {}
        row = {
            "url": url,
            "outlet": outlet,
            "kind": kind,
            "status": status,
            "etag": etag if etag is not None else old.get("etag"),
            "last_modified": last_modified if last_modified is not None else old.get("last_modified"),
            "links": json.dumps(links) if links is not None else old.get("links"),
            "first_seen": old.get("first_seen") or now,
            "last_checked": now,
            "last_changed": now if changed or not old else old.get("last_changed"),
            "run_id": self.run_id,
        }
        self._states[url] = row
        if len(self._states) >= self.batch_size * 4:
            self.flush()

    def not_modified(self, url: str, outlet: str, kind: str, status: int = 304) -> None:
        self.remember(url, outlet, kind, status=status, changed=False)
        if kind == "article":
            self._mark_back(url)
            self.counts.unchanged += 1
            self.stats.inc_value("syndtrack/articles/not_modified")

    def error(self, url: str, outlet: str | None, reason: str, status: int | None = None, kind: str = "error",
              *, flush: bool = True) -> None:
        """Count, log and record one failed URL; nothing stored is touched."""
        self.errors += 1
        self.stats.inc_value("syndtrack/errors")
        self.stats.inc_value(f"syndtrack/errors/{kind}")
        # A download that failed (an outlet offline, refusing, erroring) is summed up per outlet
        # by `syndtrack crawl` from crawl_errors, so quiet stderr drops its line (crawler.runner).
        download = kind in ("connection", "timeout", "other") or kind.startswith("http_")
        logger.warning("%s: %s%s: %s", outlet or "-", url, f" [{status}]" if status else "", reason,
                       extra={"failed_url": download})
        self._error_rows.append(
            {"run_id": self.run_id, "url": url, "outlet": outlet, "status": status, "reason": reason, "at": utcnow()}
        )
        if status in GONE_STATUSES:
            self._gone.add(url)
        if flush and len(self._error_rows) >= self.batch_size:
            self.flush()

    def add_article(self, row: dict[str, Any], evidence: dict[str, Any], state: dict[str, Any]) -> None:
        evidence = {**evidence, "run_id": self.run_id}
        self._articles.append(row)
        self._evidence[row["url"]] = evidence
        self._mark_back(row["url"])
        self.remember(**state)
        if len(self._articles) >= self.batch_size:
            self.flush()

    # -- writing ---------------------------------------------------------------

    def flush(self) -> None:
        """Write what is buffered; a database held locked by another writer is waited for, then retried.

        Articles that still cannot be stored are counted as errors (one log
        line and one ``crawl_errors`` row each) and their URL state is
        forgotten, so the next crawl fetches them again. URL state and error
        rows stay buffered for the next flush instead: they lose nothing by waiting.
        """
        if self.db is None:
            return
        try:
            if self._articles:
                self._store_articles()
            if self._gone or self._back:
                self._retry_locked(self._flush_gone)
            if self._states or self._error_rows:
                self._retry_locked(self._flush_rows)
        except sqlite3.OperationalError as exc:
            if not _is_locked(exc):
                raise
            # Still locked: the rest waits for the next flush (or close).
        self._say(
            f"{self.stats.get_value('downloader/response_count', 0)} pages fetched; articles: "
            f"{self.counts.new} new, {self.counts.updated} updated, {self.counts.unchanged} unchanged; "
            f"{self.errors} errors"
        )

    def _store_articles(self) -> None:
        articles, evidence = self._articles, self._evidence
        self._articles, self._evidence = [], {}
        try:
            counts = self._retry_locked(lambda: self.store.store_batch(articles, evidence=evidence))
        except sqlite3.OperationalError as exc:
            if not _is_locked(exc):
                raise
            reason = f"not stored: database locked by another writer ({exc}) after {self.write_retries} retries"
            for row in articles:
                # A stored state would make the next crawl ask "not modified?" and skip it.
                self._states.pop(row["url"], None)
                self.stats.inc_value("syndtrack/articles/not_stored")
                self.error(row["url"], row.get("outlet"), reason, kind="db_locked", flush=False)
            raise
        self.counts.add(counts)
        for name in ("new", "updated", "unchanged"):
            self.stats.inc_value(f"syndtrack/articles/{name}", getattr(counts, name))

    def _flush_rows(self) -> None:
        with write_transaction(self.db):
            if self._states:
                self.db["crawl_urls"].upsert_all(list(self._states.values()), pk="url")
            if self._error_rows:
                self.db["crawl_errors"].insert_all(self._error_rows)
        self.known.update(self._states)
        self._states, self._error_rows = {}, []

    def _retry_locked(self, write: Callable[[], T]) -> T:
        """Run ``write`` (one whole transaction), again after a backoff while the database is locked.

        SQLite's busy timeout already waits for the lock; these retries add
        room for a writer that holds it longer (a ``syndtrack cluster``
        writing its results). Sleeping blocks the crawl: that is the point,
        nothing should be fetched faster than it can be stored.
        """
        attempt = 0
        while True:
            try:
                return write()
            except sqlite3.OperationalError as exc:
                if not _is_locked(exc) or attempt >= self.write_retries:
                    raise
                delay = min(self.retry_backoff * 2**attempt, self.retry_backoff_max)
                attempt += 1
                self.stats.inc_value("syndtrack/db/locked_retries")
                logger.info("database locked (%s); writing again in %.1fs", exc, delay)
                time.sleep(delay)

    def _mark_back(self, url: str) -> None:
        self._back.add(url)
        self._gone.discard(url)

    def _flush_gone(self) -> None:
        """Stamp stored articles whose URL is gone; clear the stamp of those that answered again."""
        gone = {_canonical(u) for u in self._gone} - {None}
        back = {_canonical(u) for u in self._back} - {None}
        now = utcnow()
        with write_transaction(self.db):
            for url in gone:
                cursor = self.db.execute("update articles set gone = ? where url = ? and gone is null", [now, url])
                if cursor.rowcount:
                    self.stats.inc_value("syndtrack/articles/gone")
                    logger.warning("stored article is gone: %s", url)
            for url in back - gone:
                self.db.execute("update articles set gone = null where url = ? and gone is not null", [url])
        self._gone, self._back = set(), set()

    def _say(self, line: str) -> None:
        logger.info(line)
        if self.progress:
            print(f"crawl: {line}", file=sys.stderr, flush=True)


def _is_locked(exc: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY (another connection holds the lock) or SQLITE_LOCKED, extended codes included."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _canonical(url: str) -> str | None:
    try:
        return canonical_url(url)
    except BadURL:
        return None

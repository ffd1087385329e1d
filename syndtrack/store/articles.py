"""The article store: validate records and upsert them into ``articles``.

Both ways in (``syndtrack import`` and the crawler's item pipeline) go through
:func:`validate_article` and :class:`ArticleStore`, so a URL is canonicalised,
a date is normalised and a changed text keeps its previous revision the same
way whichever path brought the article.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from sqlite_utils import Database

from syndtrack.store.dates import BadDate, normalize_date, utcnow
from syndtrack.store.db import write_transaction
from syndtrack.store.urls import BadURL, canonical_url, url_host

# Columns a record may set; anything else in a record is ignored.
ARTICLE_COLUMNS = (
    "url", "outlet", "title", "text", "published", "modified", "author", "language",
    "site_name", "description", "credit", "attribution", "source_url", "fetched", "origin",
)
# A change in any of these makes a new revision; a refetch that only changes
# ``fetched`` does not.
REVISION_FIELDS = ("title", "text", "published", "modified")


class BadArticle(ValueError):
    """A record that cannot be stored; the message says why."""


def validate_article(record: Mapping[str, Any], *, origin: str = "import") -> dict[str, Any]:
    """Check one record and return the row to store. Raises :class:`BadArticle`."""
    if not isinstance(record, Mapping):
        raise BadArticle(f"expected a JSON object, got {type(record).__name__}")
    url = record.get("url")
    if url is None or url == "":
        raise BadArticle("missing 'url'")
    if not isinstance(url, str):
        raise BadArticle(f"'url' must be a string, got {type(url).__name__}")
    try:
        url = canonical_url(url)
    except BadURL as exc:
        raise BadArticle(str(exc)) from None
    text = record.get("text")
    if text is not None and not isinstance(text, str):
        raise BadArticle(f"'text' must be a string, got {type(text).__name__}")
    text = _without_nul(text or "").strip()
    if not text:
        raise BadArticle("missing or empty 'text'")
    row: dict[str, Any] = {"url": url, "text": text}
    for key in ARTICLE_COLUMNS:
        if key in ("url", "text") or record.get(key) in (None, ""):
            continue
        value = record[key]
        if isinstance(value, str):
            value = _without_nul(value)
        if key in ("published", "modified"):
            try:
                value = normalize_date(value, key)
            except BadDate as exc:
                raise BadArticle(str(exc)) from None
        elif key == "attribution" and not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False)
        elif key == "author" and isinstance(value, (list, tuple)):
            value = "; ".join(str(v) for v in value)
        elif not isinstance(value, str):
            raise BadArticle(f"'{key}' must be a string")
        row[key] = value
    row.setdefault("outlet", url_host(url))
    row.setdefault("origin", origin)
    row["content_hash"] = content_hash(row)
    return row


def _without_nul(value: str) -> str:
    # SQLite stores NUL fine, but the C string APIs behind FTS5, sqlite3's
    # CLI and many readers stop at the first one: the text after it vanishes.
    return value.replace("\x00", "") if "\x00" in value else value


def content_hash(row: Mapping[str, Any]) -> str:
    h = hashlib.sha256()
    for key in REVISION_FIELDS:
        h.update((row.get(key) or "").encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:32]


@dataclass
class StoreCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[int] = field(default_factory=list, repr=False)

    def add(self, other: "StoreCounts") -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged


class ArticleStore:
    """Upserts validated rows into ``articles`` in batches, one transaction each."""

    def __init__(self, db: Database):
        self.db = db

    def store_batch(self, rows: list[dict[str, Any]], *, evidence: Mapping[str, Mapping] | None = None) -> StoreCounts:
        """Store rows from :func:`validate_article`; returns what happened to them.

        ``evidence`` maps a row's URL to page data (``html``, ``status``, ``etag``,
        ``last_modified``, ``content_type``, ``fetched``, ``run_id``) kept in ``pages``.
        Within a batch the last row for a URL wins.
        """
        counts = StoreCounts()
        if not rows:
            return counts
        by_url: dict[str, dict[str, Any]] = {}
        for row in rows:
            by_url[row["url"]] = row
        now = utcnow()
        pages: list[dict[str, Any]] = []
        with write_transaction(self.db):
            existing = self._existing(list(by_url))
            for url, row in by_url.items():
                old = existing.get(url)
                if old is None:
                    row = {**row, "first_seen": now, "updated": now}
                    row.setdefault("fetched", now)
                    article_id = self.db["articles"].insert(row).last_pk
                    counts.new += 1
                elif old["content_hash"] == row["content_hash"]:
                    article_id = old["id"]
                    counts.unchanged += 1
                else:
                    article_id = old["id"]
                    self._keep_revision(old, now)
                    row = {**row, "updated": now}
                    row.setdefault("fetched", now)
                    self.db["articles"].update(article_id, row)
                    counts.updated += 1
                counts.ids.append(article_id)
                page = (evidence or {}).get(url)
                if page and page.get("html") and (old is None or old["content_hash"] != row["content_hash"]):
                    pages.append(self._page_row(article_id, url, page, now))
            if pages:
                # One statement for the batch's evidence instead of one insert
                # (and one savepoint) per page.
                self.db["pages"].insert_all(pages)
        return counts

    def _existing(self, urls: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        # SQLite's default limit on host parameters is 999 on old builds.
        for start in range(0, len(urls), 500):
            chunk = urls[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.db.query(f"select * from articles where url in ({marks})", chunk):
                found[r["url"]] = r
        return found

    def _keep_revision(self, old: Mapping[str, Any], now: str) -> None:
        self.db["article_revisions"].insert(
            {
                "article_id": old["id"],
                "title": old["title"],
                "text": old["text"],
                "published": old["published"],
                "modified": old["modified"],
                "content_hash": old["content_hash"],
                "fetched": old["fetched"],
                "replaced": now,
            }
        )

    @staticmethod
    def _page_row(article_id: int, url: str, page: Mapping[str, Any], now: str) -> dict[str, Any]:
        html = page["html"]
        if isinstance(html, str):
            html = html.encode("utf-8")
        return {
            "url": page.get("url", url),
            "article_id": article_id,
            "run_id": page.get("run_id"),
            "fetched": page.get("fetched", now),
            "status": page.get("status"),
            "etag": page.get("etag"),
            "last_modified": page.get("last_modified"),
            "content_type": page.get("content_type"),
            # Level 1, not 6: the crawl's largest cost of its own was level 6
            # at 6 ms a page (the 439 benchmark pages); level 1 takes 2 ms and
            # stores 19 % more (26.4 MB instead of 22.1 MB for 116 MB of HTML).
            # Any level reads back the same with gzip.decompress.
            "html_gz": gzip.compress(html, compresslevel=1),
        }


def store_articles(db: Database, records: Iterable[Mapping[str, Any]], *, origin: str = "import") -> StoreCounts:
    """Validate and store records in one batch (raises on the first bad one)."""
    rows = [validate_article(r, origin=origin) for r in records]
    return ArticleStore(db).store_batch(rows)


def article_id_by_url(db: Database, url: str) -> int | None:
    """The id of the article stored at ``url`` (canonicalised as stored), None when none is.

    Raises :class:`~syndtrack.store.urls.BadURL` when ``url`` is not an absolute http(s) URL."""
    row = db.execute("SELECT id FROM articles WHERE url = ?", [canonical_url(url)]).fetchone()
    return row[0] if row else None

"""``syndtrack import``: stream a JSONL file of articles into the database.

Lines are read one at a time and stored in batches, so memory stays flat
however long the file is. A bad line is reported (line number and reason) and
skipped; with ``strict=True`` the whole import runs in one transaction and the
first bad line rolls it back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable, IO, Iterator

from sqlite_utils import Database

from syndtrack.store.articles import ArticleStore, BadArticle, StoreCounts, validate_article
from syndtrack.store.db import write_transaction
from syndtrack.store.registry import load_outlets, store_outlets
from syndtrack.store.urls import url_host

BATCH_SIZE = 1000


@dataclass
class BadLine:
    lineno: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.lineno}: {self.reason}"


@dataclass
class ImportResult:
    counts: StoreCounts = field(default_factory=StoreCounts)
    bad: int = 0
    lines: int = 0

    @property
    def landed(self) -> int:
        return self.counts.new + self.counts.updated + self.counts.unchanged

    def summary(self) -> str:
        c = self.counts
        return f"{c.new} new, {c.updated} updated, {c.unchanged} unchanged, {self.bad} bad"


class StrictImportError(Exception):
    """Raised in strict mode on the first bad line; nothing was stored."""


def parse_lines(fp: IO) -> Iterator[tuple[int, dict | None, dict | None, BadLine | None]]:
    """Yield ``(lineno, row, evidence, bad)`` for each non-blank line of ``fp``.

    ``fp`` may be a binary stream (what the CLI passes) or a text one. Bytes are
    decoded line by line, so a line of invalid UTF-8 is one bad line with its
    number instead of an exception that ends the import.
    """
    for lineno, raw in enumerate(fp, start=1):
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield lineno, None, None, BadLine(lineno, f"invalid UTF-8 at byte {exc.start + 1}")
                continue
        else:
            line = raw
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield lineno, None, None, BadLine(lineno, f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            yield lineno, None, None, BadLine(lineno, "invalid JSON: nested too deeply")
            continue
        except ValueError as exc:  # e.g. an integer past Python's digit limit
            yield lineno, None, None, BadLine(lineno, f"invalid JSON: {exc}")
            continue
        try:
            row = validate_article(record, origin="import")
        except BadArticle as exc:
            yield lineno, None, None, BadLine(lineno, str(exc))
            continue
        html = record.get("html") if isinstance(record.get("html"), str) else None
        yield lineno, row, ({"html": html} if html else None), None


def import_jsonl(
    db: Database,
    fp: IO[str],
    *,
    strict: bool = False,
    batch_size: int = BATCH_SIZE,
    on_bad: Callable[[BadLine], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    outlets_file: str | None = None,
) -> ImportResult:
    """Import JSONL from the stream ``fp``; returns counts of what happened.

    Each article's outlet is resolved through the registry (the database's
    outlets, the default registry, and ``outlets_file`` over both; see
    :meth:`syndtrack.store.registry.Registry.outlet_for`), and every outlet an
    article names is written to the ``outlets`` table, so views and filters
    treat imported articles as crawled ones. ``on_progress`` is called after
    each batch with the number of lines read.
    """
    store = ArticleStore(db)
    result = ImportResult()
    rows: list[dict] = []
    batch_urls: set[str] = set()
    evidence: dict[str, dict] = {}
    registry, _ = load_outlets(db, outlets_file)
    present = set(registry)
    new_outlets: dict[str, dict] = {}

    def flush() -> None:
        if new_outlets:
            store_outlets(db, new_outlets.values(), replace=False)
            present.update(new_outlets)
            new_outlets.clear()
        result.counts.add(store.store_batch(rows, evidence=evidence))
        rows.clear()
        batch_urls.clear()
        evidence.clear()
        if on_progress:
            on_progress(result.lines)

    def run() -> None:
        for lineno, row, page, bad in parse_lines(fp):
            result.lines = lineno
            if bad is not None:
                result.bad += 1
                if on_bad:
                    on_bad(bad)
                if strict:
                    raise StrictImportError(f"{bad} (--strict: nothing imported)")
                continue
            given = row.get("outlet")
            if given == url_host(row["url"]):
                given = None  # validate_article's default: the host, which says nothing more than the URL
            outlet = registry.outlet_for(row["url"], given, row.get("site_name"))
            row["outlet"] = outlet["slug"]
            if outlet["slug"] not in present:
                new_outlets[outlet["slug"]] = outlet
            if row["url"] in batch_urls:
                # The same URL twice in one batch: store what we have first so
                # the later line is compared against the earlier one.
                flush()
            rows.append(row)
            batch_urls.add(row["url"])
            if page:
                evidence[row["url"]] = page
            if len(rows) >= batch_size:
                flush()
        flush()

    if strict:
        with write_transaction(db):
            run()
    else:
        run()
    return result

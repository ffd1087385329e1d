"""``import-warc --scheduler``: the same ingestion over many machines, with Dask distributed.

Dask, not Ray or Spark: the work is a plain Python function per file (read, filter,
extract) whose inputs are a registry and a numpy array, which is what Dask's
futures and ``scatter`` are made for; it installs from PyPI with no JVM and runs the
same code on a laptop, an SSH-started cluster, Kubernetes or a batch scheduler
(dask-jobqueue). A CC-NEWS day is a few hundred 1 GB files: one task per file is
coarse enough that scheduling costs nothing.

- **Workers filter and extract** (:func:`process_file`, which is
  :func:`syndtrack.warc.iter_pages`, the single-machine code) and send back the
  kept rows with their evidence. They never open the database: SQLite has one
  writer, and a worker that dies mid-task must leave nothing half-written.
- **One writer** (this process) stores each file's result in file order, through
  the same :class:`ArticleStore` as every other way in: keyed by canonical URL,
  so a result written twice changes nothing, and the file's host counts replace
  the previous ones. A task whose worker died or raised is run again by Dask
  (``retries``); since only a finished task's result is written, a retry cannot
  duplicate anything.
- The registry and the source fingerprints are sent to every worker once
  (``scatter(broadcast=True)``), not with each task.

Workers read the WARC paths themselves: they must see the same files (a shared
file system, or the same machine).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from sqlite_utils import Database

from syndtrack.store.registry import Registry
from syndtrack.warc import (BATCH_SIZE, CopyFilter, PageWriter, Skipped, WarcResult, _record_file, _sync_outlets,
                            iter_pages, warc_key)

# Skipped records reported back per file: enough to find the damage, bounded so a
# file of a million robots.txt records does not travel back record by record.
MAX_REPORTED = 10_000


@dataclass
class FileResult:
    path: str
    key: str
    name: str
    size: int
    pages: list[tuple[dict, dict]] = field(default_factory=list)
    hosts: dict[str, list[int]] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)
    records: int = 0
    reported: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0


def process_file(path: str, registry: Registry, copy_filter: CopyFilter | None) -> FileResult:
    """One file, read, filtered and extracted on a worker: no database involved."""
    started = time.perf_counter()
    p = Path(path)
    out = FileResult(path, warc_key(p), p.name, p.stat().st_size)
    result = WarcResult()

    def report(skipped: Skipped) -> None:
        if len(out.reported) < MAX_REPORTED:
            out.reported.append(skipped)

    out.pages = list(iter_pages(p, registry, copy_filter, result, out.hosts, out.skipped, report))
    out.records, out.kept = result.records, result.kept
    out.seconds = time.perf_counter() - started
    return out


def write_file_result(db: Database, fr: FileResult, registry: Registry, *, filtered: bool,
                      batch_size: int = BATCH_SIZE) -> WarcResult:
    """Store one worker's result: the one writer's job, idempotent."""
    result = WarcResult(files=1, records=fr.records, skipped=Counter(fr.skipped), kept=Counter(fr.kept))
    writer = PageWriter(db, result, batch_size)
    for row, page in fr.pages:
        writer.add(row, page)
    writer.flush()
    _sync_outlets(db, registry, fr.hosts)
    _record_file(db, fr.key, fr.name, fr.size, fr.hosts, fr.skipped, filtered)
    return result


def import_warc_dask(
    db: Database,
    paths: Iterable[Path],
    client,
    *,
    registry: Registry | None = None,
    copy_filter: CopyFilter | None = None,
    retries: int = 3,
    task: Callable = process_file,
    on_skip: Callable[[Skipped], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> WarcResult:
    """Import ``paths`` through the Dask ``client``'s workers; this process is the one writer."""
    registry = registry or Registry.load()
    paths = [Path(p).resolve() for p in paths]
    started = time.perf_counter()
    shared_registry = client.scatter(registry, broadcast=True)
    shared_filter = client.scatter(copy_filter, broadcast=True) if copy_filter is not None else None
    futures = [client.submit(task, str(p), shared_registry, shared_filter, retries=retries, pure=False,
                             key=f"import-warc-{warc_key(p)}") for p in paths]
    total = WarcResult()
    done_bytes = 0
    # In file order, not as they finish: when two files carry one URL, the record read
    # first must win (its fetched date and evidence), as on one machine. The workers
    # keep going meanwhile; finished results wait in their memory, not the writer's.
    for future in futures:
        fr = future.result()
        future.release()  # the kept pages of a file can be tens of MB: let the worker drop them
        part = write_file_result(db, fr, registry, filtered=copy_filter is not None)
        for skipped in fr.reported:
            if on_skip:
                on_skip(skipped)
        total.files += 1
        total.records += part.records
        total.stored += part.stored
        total.skipped.update(part.skipped)
        total.kept.update(part.kept)
        total.counts.add(part.counts)
        done_bytes += fr.size
        if on_progress:
            on_progress(total.records, done_bytes)
    total.seconds = time.perf_counter() - started
    return total

"""``import-warc --scheduler``: the same ingestion over many machines, with Dask distributed.

Dask, not Ray or Spark: the work is a plain Python function per piece of a file (read,
filter, extract) whose inputs are a registry and a numpy array, which is what Dask's
futures and ``scatter`` are made for; it installs from PyPI with no JVM and runs the
same code on a laptop, an SSH-started cluster, Kubernetes or a batch scheduler
(dask-jobqueue).

- **Tasks are byte ranges** of the WARC.gz files (:data:`RANGE_BYTES`, 16 MB: ~1,000
  CC-NEWS records), read with :func:`syndtrack.warc_reader.read_warc` from a range's
  start to its end, as the single-machine workers do: a day of unequal files spreads
  evenly over the workers, and a task's result (its kept pages, with their HTML) stays
  tens of MB whatever the files' size and share of copies. A plain WARC is one task.
- **Workers filter and extract** (:func:`process_range`, which is
  :func:`syndtrack.warc.iter_pages`, the single-machine code) and send back the
  kept rows with their evidence. They never open the database: SQLite has one
  writer, and a worker that dies mid-task must leave nothing half-written.
- **One writer** (this process) stores the results in file order, through the same
  :class:`ArticleStore` as every other way in: keyed by canonical URL, so a result
  written twice changes nothing; a file's host counts, summed over its ranges, replace
  the previous ones once its last range is written. A task whose worker died or raised
  is run again by Dask (``retries``); since only a finished task's result is written, a
  retry cannot duplicate anything.
- The registry and the source fingerprints are sent to every worker once
  (``scatter(broadcast=True)``), not with each task.

Workers read the WARC paths themselves: they must see the same files (a shared
file system, or the same machine); this process reads each file's size and first bytes.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from sqlite_utils import Database

from syndtrack.store.registry import Registry
from syndtrack.warc import (BATCH_SIZE, CopyFilter, PageWriter, Skipped, WarcResult, _byte_ranges, _record_file,
                            _sync_outlets, iter_pages, warc_key)
from syndtrack.warc_reader import is_gzip

# Skipped records reported back per task: enough to find the damage, bounded so a
# file of a million robots.txt records does not travel back record by record.
MAX_REPORTED = 10_000
RANGE_BYTES = 16 << 20


@dataclass
class FileResult:
    """What a worker found in one byte range of a file (or in the whole file)."""

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


def process_range(path: str, start: int, end: int | None, registry: Registry,
                  copy_filter: CopyFilter | None) -> FileResult:
    """One byte range of a WARC.gz file (or a whole file: 0, None), read, filtered and
    extracted on a worker: no database involved."""
    started = time.perf_counter()
    p = Path(path)
    out = FileResult(path, warc_key(p), p.name, p.stat().st_size)
    result = WarcResult()

    def report(skipped: Skipped) -> None:
        if len(out.reported) < MAX_REPORTED:
            out.reported.append(skipped)

    out.pages = list(iter_pages(p, registry, copy_filter, result, out.hosts, out.skipped, report,
                                byte_range=(start, end)))
    out.records, out.kept = result.records, result.kept
    out.seconds = time.perf_counter() - started
    return out


def file_ranges(path: Path, size: int = RANGE_BYTES) -> list[tuple[int, int | None]]:
    """The tasks of one file: its byte ranges if it is a WARC.gz file, else the whole file."""
    return _byte_ranges(path, size) if is_gzip(path) else [(0, None)]


def write_file_result(db: Database, fr: FileResult, registry: Registry, *, filtered: bool, last: bool,
                      hosts: dict[str, list[int]], skipped: Counter, batch_size: int = BATCH_SIZE) -> WarcResult:
    """Store one worker's result: the one writer's job, idempotent. A file's ranges come one
    after the other and add their host and skip counts to ``hosts`` and ``skipped``, which
    are stored as the file's with its ``last`` range."""
    result = WarcResult(files=1 if last else 0, records=fr.records, skipped=Counter(fr.skipped),
                        kept=Counter(fr.kept))
    writer = PageWriter(db, result, batch_size)
    for row, page in fr.pages:
        writer.add(row, page)
    writer.flush()
    for outlet, (seen, kept) in fr.hosts.items():
        counts = hosts.setdefault(outlet, [0, 0])
        counts[0] += seen
        counts[1] += kept
    skipped.update(fr.skipped)
    if last:
        _sync_outlets(db, registry, hosts)
        _record_file(db, fr.key, fr.name, fr.size, hosts, skipped, filtered)
    return result


def import_warc_dask(
    db: Database,
    paths: Iterable[Path],
    client,
    *,
    registry: Registry | None = None,
    copy_filter: CopyFilter | None = None,
    retries: int = 3,
    range_bytes: int = RANGE_BYTES,
    task: Callable = process_range,
    on_skip: Callable[[Skipped], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> WarcResult:
    """Import ``paths`` through the Dask ``client``'s workers; this process is the one writer.

    ``task(path, start, end, registry, copy_filter)`` is run for each byte range of
    ``range_bytes`` (:func:`process_range`; tests wrap it)."""
    registry = registry or Registry.load()
    paths = [Path(p).resolve() for p in paths]
    started = time.perf_counter()
    shared_registry = client.scatter(registry, broadcast=True)
    shared_filter = client.scatter(copy_filter, broadcast=True) if copy_filter is not None else None
    tasks = [(p, r) for p in paths for r in file_ranges(p, range_bytes)]
    futures = [client.submit(task, str(p), start, end, shared_registry, shared_filter, retries=retries, pure=False,
                             key=f"import-warc-{warc_key(p)}-{start}") for p, (start, end) in tasks]
    total = WarcResult()
    done_bytes = 0
    hosts: dict[str, list[int]] = {}
    skipped: Counter = Counter()
    # In file order, not as they finish: when two files carry one URL, the record read
    # first must win (its fetched date and evidence), as on one machine. The workers
    # keep going meanwhile; finished results wait in their memory, not the writer's.
    for (path, (start, end)), future in zip(tasks, futures):
        fr = future.result()
        future.release()  # the kept pages of a range can be tens of MB: let the worker drop them
        last = end is None
        part = write_file_result(db, fr, registry, filtered=copy_filter is not None, last=last, hosts=hosts,
                                 skipped=skipped)
        for reported in fr.reported:
            if on_skip:
                on_skip(reported)
        total.files += part.files
        total.records += part.records
        total.stored += part.stored
        total.skipped.update(part.skipped)
        total.kept.update(part.kept)
        total.counts.add(part.counts)
        if last:
            hosts, skipped = {}, Counter()
            done_bytes += fr.size
        if on_progress:
            on_progress(total.records, done_bytes if last else done_bytes + (end or fr.size))
    total.seconds = time.perf_counter() - started
    return total

"""A full run's index rows, written ahead into a scratch file by a forked process.

Writing the index is the longest step that runs on one core: on the dense 100k corpus its
rows took 10 of the write stage's 16 s (4.3 million ``dedupe_fingerprints`` postings 6.6 s,
most of it the sqlite3 module binding each row, a plain rowid table taking 4.5 s of the 6.5;
877,149 ``dedupe_outlet_lines`` counts 1.9 s; 100,000 ``dedupe_articles`` rows 1.5 s), while
the other core sat idle. The rows are known once the scan has fingerprinted every article
(and counted every outlet's lines), but they cannot go into the database then: the run
would hold the write lock through the candidates and the verification (~25 s more), and
crawls writing at the same time give up after the 30 s busy timeout. So a forked process writes them, in key order, into a scratch
SQLite file beside the database (no journal, no sync: it is thrown away) while this process
finds the candidates and verifies, and the write transaction copies them in, a table at a
time, with ``INSERT ... SELECT``: SQLite's own loop, ~2 s for the postings.

Only full runs of :data:`~syndtrack.clustering.settings.STAGED_INDEX_MIN` articles or
more (an incremental run writes a few thousand rows) with a file database and ``fork``. If
the process fails, the write stage inserts the rows itself, as it does for every other run:
the same functions make the rows either way (:func:`article_rows`, :func:`outlet_line_rows`,
:func:`sorted_postings`).
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import sqlite3
from pathlib import Path

import numpy as np

from syndtrack.clustering.settings import POSTINGS_SLICE, STAGED_INDEX_MIN
from syndtrack.clustering.workers import fork_friendly
from syndtrack.store.rows import blob

log = logging.getLogger(__name__)

SCHEMA = "staged"  # the scratch file's name in the run's connection while it is attached


def sorted_postings(dirty: dict) -> tuple[np.ndarray, np.ndarray]:
    """Every (hash, article id) posting of the dirty articles, in key order (hash, then article):
    inserted in that order, the index's B-tree only appends."""
    H = np.concatenate([d.fingerprints for d in dirty.values()])
    ids = np.fromiter(dirty, dtype=np.int32, count=len(dirty))
    A = np.repeat(ids, [len(d.fingerprints) for d in dirty.values()])
    order = np.lexsort((A, H))
    H = H[order]  # one copy at a time: each is hundreds of MB at 1M articles
    A = A[order]
    return H, A


ARTICLE_COLUMNS = "article_id, content_hash, outlet, fingerprints, line_keys, credits, wrapper, roundup"


def article_rows(dirty: dict):
    """The ``dedupe_articles`` row of each dirty article: what it looked like when indexed."""
    for aid, d in dirty.items():
        yield (aid, d.content_hash, d.outlet, blob(d.fingerprints, np.int64),
               blob(np.fromiter(d.keys, dtype=np.uint32, count=len(d.keys)), np.uint32),
               json.dumps(d.scan.credits, ensure_ascii=False) if d.scan.credits else None, int(d.scan.wrapper),
               int(d.scan.roundup))


def outlet_line_rows(line_delta: dict) -> list[tuple[str, int, int]]:
    """A full run's ``dedupe_outlet_lines`` rows, in key order (outlet, line key)."""
    return sorted((o, k, n) for o, d in line_delta.items() for k, n in d.items() if n > 0)


def insert_postings(conn: sqlite3.Connection, table: str, H: np.ndarray, A: np.ndarray) -> None:
    # In slices: .tolist() of millions of postings at once costs ~70 bytes each
    # (300 MB at 100k articles), the peak of the whole run.
    for start in range(0, len(H), POSTINGS_SLICE):
        conn.executemany(
            f"insert or ignore into {table} (hash, article_id) values (?, ?)",
            zip(H[start : start + POSTINGS_SLICE].tolist(), A[start : start + POSTINGS_SLICE].tolist()),
        )


# Each staged table, as the write stage's own inserts write it (the same conflict handling).
_COPIED = {
    "dedupe_outlet_lines": ("insert", "outlet, key, n"),
    "dedupe_articles": ("insert or replace", ARTICLE_COLUMNS),
    "dedupe_fingerprints": ("insert or ignore", "hash, article_id"),
}


class StagedIndex:
    def __init__(self, path: Path, process) -> None:
        self.path = path
        self.process = process
        self.attached = False

    @classmethod
    def start(cls, run) -> "StagedIndex | None":
        """Fork the process that writes the run's index rows; None when this run does not stage them."""
        if not run.full or len(run.dirty) < STAGED_INDEX_MIN or not run.path:
            return None
        path = Path(f"{run.path}.index-{os.getpid()}")
        try:
            ctx = multiprocessing.get_context("fork")
            with fork_friendly():
                # Not a daemon: a run inside a daemon process (a pool's worker) may not start one.
                process = ctx.Process(target=_write_scratch, args=(run.dirty, run.line_delta, str(path)),
                                      name="syndtrack-index", daemon=False)
                process.start()
        except Exception as exc:  # no fork on this platform, no process to be had: the write stage does it
            log.info("index rows written in the write stage (%s)", exc)
            return None
        return cls(path, process)

    def attach(self, conn: sqlite3.Connection) -> bool:
        """Wait for the process and attach its file (outside any transaction: SQLite attaches
        no database inside one); False when it failed, and the write stage inserts the rows."""
        self.process.join()
        if self.process.exitcode != 0 or not self.path.exists():
            log.warning("staging the index rows failed (exit code %s); writing them directly",
                        self.process.exitcode)
            return False
        conn.execute(f"attach database ? as {SCHEMA}", (str(self.path),))
        self.attached = True
        return True

    def copy_into(self, conn: sqlite3.Connection, table: str) -> None:
        """Inside the write transaction: one table's staged rows into the index, in the order written."""
        verb, columns = _COPIED[table]
        conn.execute(f"{verb} into {table} ({columns}) select {columns} from {SCHEMA}.{table} order by rowid")

    def discard(self, conn: sqlite3.Connection) -> None:
        """Detach and delete the scratch file (and stop the process, if the run failed before the wait)."""
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        if self.attached:
            conn.execute(f"detach database {SCHEMA}")
            self.attached = False
        self.path.unlink(missing_ok=True)


def _write_scratch(dirty: dict, line_delta: dict, path: str) -> None:
    """In the forked process: the index rows, in key order, into rowid tables of a new file."""
    try:
        Path(path).unlink(missing_ok=True)
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("pragma journal_mode = off")
        conn.execute("pragma synchronous = off")
        conn.execute("create table dedupe_outlet_lines (outlet text not null, key integer not null, n integer not null)")
        conn.execute(f"create table dedupe_articles ({ARTICLE_COLUMNS})")
        conn.execute("create table dedupe_fingerprints (hash integer not null, article_id integer not null)")
        conn.execute("begin")
        conn.executemany("insert into dedupe_outlet_lines (outlet, key, n) values (?, ?, ?)", outlet_line_rows(line_delta))
        conn.executemany(f"insert into dedupe_articles ({ARTICLE_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?)",
                         article_rows(dict(sorted(dirty.items()))))
        if dirty:
            insert_postings(conn, "dedupe_fingerprints", *sorted_postings(dirty))
        conn.execute("commit")
        conn.close()
    except BaseException:  # the parent falls back to writing the rows itself
        log.exception("staging the index rows")
        os._exit(1)
    os._exit(0)  # no atexit handlers or finalizers of the parent's objects in the child

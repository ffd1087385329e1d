"""Reading dedupe's fingerprint index (``dedupe_fingerprints`` and ``dedupe_fingerprints_recent``,
``dedupe_articles``).

``syndtrack cluster`` fills the index and looks new articles up in it;
``syndtrack trace`` looks an outside text up in it. Both read it here, so the
queries that keep the lookups fast (range seeks on the primary key) are written once.
An article's postings are in one of two tables: incremental runs add theirs to the
small ``dedupe_fingerprints_recent``, and a run merges it into ``dedupe_fingerprints``
when it grows (:func:`syndtrack.clustering.stage_write._merge_recent`).
"""

from __future__ import annotations

import sqlite3
from collections import Counter

import numpy as np

_SLICE = 500  # hashes or ids bound per query
POSTINGS_TABLES = ("dedupe_fingerprints", "dedupe_fingerprints_recent")


class FingerprintIndex:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._tables: list[str] | None = None

    def tables(self) -> list[str]:
        """The postings tables this database has (a database opened without its migrations may
        predate the recent table)."""
        if self._tables is None:
            have = {r[0] for r in self.conn.execute("select name from sqlite_master where type = 'table'")}
            self._tables = [t for t in POSTINGS_TABLES if t in have]
        return self._tables

    def exists(self) -> bool:
        return "dedupe_fingerprints" in self.tables()

    def postings(self, hashes) -> tuple[np.ndarray, np.ndarray]:
        """Every (hash, article id) posting of ``hashes``, as two int64 arrays.

        (A join with a temp table of the hashes looks natural, but SQLite's planner
        then scans the whole index; IN lists of 500 seek.)
        """
        wanted = np.unique(np.asarray(hashes, dtype=np.int64)).tolist()
        rows: list[tuple[int, int]] = []
        for start in range(0, len(wanted), _SLICE):
            chunk = wanted[start : start + _SLICE]
            for table in self.tables():
                rows.extend(self.conn.execute(
                    f"select hash, article_id from {table} where hash in ({','.join('?' * len(chunk))})", chunk))
        if not rows:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        arr = np.array(rows, dtype=np.int64)
        return arr[:, 0], arr[:, 1]

    def shared_counts(self, hashes) -> Counter:
        """How many of ``hashes`` each indexed article holds."""
        return Counter(self.postings(hashes)[1].tolist())

    def sizes(self, article_ids) -> dict[int, int]:
        """Each indexed article's number of fingerprints."""
        ids = list(article_ids)
        out: dict[int, int] = {}
        for start in range(0, len(ids), _SLICE):
            chunk = ids[start : start + _SLICE]
            out.update(self.conn.execute(
                f"select article_id, length(fingerprints) / 8 from dedupe_articles "
                f"where article_id in ({','.join('?' * len(chunk))})", chunk))
        return out

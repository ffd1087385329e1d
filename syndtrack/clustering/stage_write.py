"""Stage 6, write: everything the run computed, in one ``BEGIN IMMEDIATE`` transaction.

In: the run's state (``run.dirty``, ``run.removed``, ``run.old``,
``run.line_delta``, ``run.generation``, ``run.queue_seq``), the same-language matches, and
a function returning the rest (translated and headline matches; it adds them to the first),
called once the index rows and those matches are written (the cross-language stage of a
big run is still computing them meanwhile: ``XlangStage.start``). Out: the index (``dedupe_articles``, ``dedupe_fingerprints``,
``dedupe_outlet_lines``), ``matches`` and, through
:func:`syndtrack.clustering.stage_assemble.recluster`, the clusters and stories;
returns the number of clusters written. A run another one overtook (the
generation in ``dedupe_meta`` moved) raises :class:`ClusterError` and writes nothing.
A big full run's index rows were written ahead into a scratch file
(:mod:`syndtrack.clustering.staged_index`, ``run.staged``) and are copied in from there.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Callable

import numpy as np

from syndtrack.clustering.result import ClusterError
from syndtrack.store.rows import chunks, unblob
from syndtrack.clustering.settings import PARAMS, RECENT_POSTINGS_MIN, RECENT_POSTINGS_SHARE, WRITE_CACHE_KIB
from syndtrack.clustering.staged_index import article_rows, insert_postings, outlet_line_rows, sorted_postings, ARTICLE_COLUMNS
from syndtrack.clustering.stage_assemble import old_stories, recluster
from syndtrack.store.dates import utcnow
from syndtrack.store.fingerprint_index import POSTINGS_TABLES


def write(run, matches: dict, later_matches: Callable[[], dict]) -> int:
    conn = run.conn
    if conn.in_transaction:
        conn.commit()  # nothing of ours is pending: only reads happened so far
    # A full rebuild writes millions of index rows: with SQLite's default 2 MB page
    # cache, dirty pages spill to the WAL and get re-read while the B-trees grow.
    cache_size = conn.execute("pragma cache_size").fetchone()[0]
    conn.execute(f"pragma cache_size = {WRITE_CACHE_KIB}")
    # Index rows written ahead (staged_index): attached now, since SQLite attaches no file
    # inside a transaction; copied in by the transaction.
    run.staged_ready = run.staged is not None and run.staged.attach(conn)
    try:
        return _transaction(run, matches, later_matches)
    finally:
        conn.execute(f"pragma cache_size = {int(cache_size)}")

def _transaction(run, matches: dict, later_matches: Callable[[], dict]) -> int:
    conn = run.conn
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise ClusterError(f"cannot write the clusters: {exc}") from None
    try:
        meta = dict(conn.execute("select key, value from dedupe_meta").fetchall())
        if int(meta.get("generation") or 0) != run.generation:
            raise ClusterError("another cluster run finished while this one was computing; run it again")
        rebuilt = _write_all(run, matches, later_matches)
        t = time.perf_counter()
        conn.execute("delete from dedupe_queue where seq <= ?", (run.queue_seq,))
        conn.execute("insert or replace into dedupe_meta (key, value) values ('params', ?)", (json.dumps(PARAMS),))
        conn.execute("insert or replace into dedupe_meta (key, value) values ('generation', ?)", (str(run.generation + 1),))
        conn.execute("COMMIT")
        run.timings["write_commit"] = round(time.perf_counter() - t, 3)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return rebuilt

def _write_all(run, matches: dict, later_matches: Callable[[], dict]) -> int:
    conn = run.conn
    t_index = time.perf_counter()
    now = utcnow()
    gone = set(run.dirty) | set(run.removed)
    seeds: set[int] = set(gone)
    if run.full:
        # Story ids outlive a rebuild: the new stories keep the ids their articles had.
        run.old_story_of, run.old_story_created = old_stories(run, None)
        for table in (*POSTINGS_TABLES, "dedupe_articles", "dedupe_outlet_lines", "cluster_members", "clusters",
                      "stories", "matches"):
            conn.execute(f"delete from {table}")
    else:
        # Take the old state of dirty and removed articles out of the index.
        old_rows = []
        for aid, (_, fps, _) in run.old.items():
            old_rows.extend((int(h), aid) for h in unblob(fps, np.int64).tolist())
        for table in POSTINGS_TABLES:
            conn.executemany(f"delete from {table} where hash = ? and article_id = ?", old_rows)
        gone_list = sorted(gone)
        for chunk in chunks(gone_list, 500):
            marks = ",".join("?" * len(chunk))
            for a, b in conn.execute(f"select a_id, b_id from matches where a_id in ({marks}) or b_id in ({marks})", chunk + chunk):
                seeds.update((a, b))
            conn.execute(f"delete from matches where a_id in ({marks}) or b_id in ({marks})", chunk + chunk)
        for chunk in chunks(run.removed, 500):
            marks = ",".join("?" * len(chunk))
            conn.execute(f"delete from dedupe_articles where article_id in ({marks})", chunk)
    # Outlet line counts.
    if run.staged_ready:
        run.staged.copy_into(conn, "dedupe_outlet_lines")
    elif run.full:
        conn.executemany("insert into dedupe_outlet_lines (outlet, key, n) values (?, ?, ?)", outlet_line_rows(run.line_delta))
    else:
        for outlet, d in run.line_delta.items():
            conn.executemany(
                "insert into dedupe_outlet_lines (outlet, key, n) values (?, ?, ?) "
                "on conflict (outlet, key) do update set n = n + excluded.n",
                [(outlet, k, n) for k, n in d.items() if n],
            )
        conn.execute("delete from dedupe_outlet_lines where n <= 0")
    # The dirty articles' new state and fingerprints.
    if run.staged_ready:
        run.staged.copy_into(conn, "dedupe_articles")
        run.staged.copy_into(conn, "dedupe_fingerprints")
    else:
        conn.executemany(f"insert or replace into dedupe_articles ({ARTICLE_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?)",
                         article_rows(run.dirty))
        if run.dirty:
            insert_postings(conn, "dedupe_fingerprints" if run.full else "dedupe_fingerprints_recent",
                            *sorted_postings(run.dirty))
        if not run.full:
            _merge_recent(run)
    # The cross-language keys (a forked stage sends them once computed, before it verifies).
    run.xlang.write_keys()
    t = time.perf_counter()
    run.timings["write_index"] = round(t - t_index, 3)
    # The same-language matches and the headline keys before the wait for the rest: a forked
    # cross-language stage may still be verifying (the rows and their order are the same).
    _insert_matches(conn, matches, now)
    run.headlines.write_keys()
    later = later_matches()
    t = time.perf_counter()
    _insert_matches(conn, later, now)
    run.headlines.write_kinds()
    for a, b in matches:
        seeds.update((a, b))
    run.timings["write_matches"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    rebuilt = recluster(run, seeds, now)
    run.xlang.write(now)
    run.timings["write_clusters"] = round(time.perf_counter() - t, 3)
    return rebuilt


def _insert_matches(conn, matches: dict, now: str) -> None:
    conn.executemany(
        "insert or replace into matches (a_id, b_id, score, coverage_a, coverage_b, passages, created) values (?, ?, ?, ?, ?, ?, ?)",
        ((a, b, m.score, m.coverage_a, m.coverage_b, json.dumps(m.passages), now) for (a, b), m in matches.items()),
    )


def _merge_recent(run) -> None:
    """Move the recent postings into ``dedupe_fingerprints`` once they pass
    :data:`RECENT_POSTINGS_SHARE` of it: read in key order, they are inserted the way a
    full run writes them, each leaf page of the big table dirtied once for all of them."""
    conn = run.conn
    recent = conn.execute("select count(*) from dedupe_fingerprints_recent").fetchone()[0]
    if recent <= RECENT_POSTINGS_MIN:
        return
    merged = conn.execute("select count(*) from dedupe_fingerprints").fetchone()[0]
    if recent <= RECENT_POSTINGS_SHARE * merged:
        return
    t = time.perf_counter()
    conn.execute("insert or ignore into dedupe_fingerprints (hash, article_id) "
                 "select hash, article_id from dedupe_fingerprints_recent order by hash, article_id")
    conn.execute("delete from dedupe_fingerprints_recent")
    run.timings["merge_recent"] = round(time.perf_counter() - t, 3)

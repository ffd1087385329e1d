"""``syndtrack cluster``: find republications in ``articles`` and cluster them.

This module is the database side of :mod:`dedupe` (which is pure and never
touches SQLite). One run:

1. finds the *dirty* articles: new ones, changed ones (their ``content_hash``
   differs from the one fingerprinted) and, when an outlet's boilerplate
   changed, that outlet's articles carrying the lines concerned;
2. scans them (:func:`dedupe.normalize.scan`), updates the outlet line counts
   (``dedupe_outlet_lines``) and drops each outlet's recurring lines (short ones
   anywhere, long ones at the top or bottom of the body);
3. fingerprints them and looks the fingerprints up in the persisted index
   (``dedupe_fingerprints``: one row per fingerprint and article), so only the
   dirty articles are compared, against everything already there;
4. verifies the candidate pairs (:func:`dedupe.align.align`) and stores the
   matches with their aligned passages;
5. re-assembles the clusters of every group of matches the run touched
   (:func:`dedupe.assemble.assemble`), with origin, relation, lag, coverage,
   score, credited and same_outlet per member.

``full=True`` empties the dedupe tables first, so every article is dirty; the
result is the same as the incremental runs that led to the same articles.

All the work is computed from reads; the writes happen at the end in one
``BEGIN IMMEDIATE`` transaction, so a crawler writing articles meanwhile is
only held up for the write itself, a failed run leaves nothing half-done, and a
generation counter in ``dedupe_meta`` makes a run that another one overtook fail
cleanly instead of writing stale results. Articles a crawler adds meanwhile are
simply dirty for the next run. Big runs scan, fingerprint and verify in forked
worker processes (see ``PARALLEL_MIN``).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import sqlite3
import time
from array import array
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
from sqlite_utils import Database

from dedupe import fingerprint as fp
from dedupe.align import align
from dedupe.assemble import HEADLINE, Edge, Node, assemble, origin_order
from dedupe.stories import group_versions, holds_together, joins_versions, stable_ids
from dedupe.credit import OutletNames, credit_status, credits_origin, host_of, origin_names
from dedupe.normalize import LONG_LINE, MAX_TEXT, Scan, is_cjk, is_long_key, scan, units
from syndtrack.store.dates import is_precise, timestamp, utcnow
from syndtrack.store.registry import Registry
from syndtrack.headline_stage import HeadlineStage
from syndtrack.xlang_stage import VERSION as XLANG_VERSION, XlangStage

# A short line found on this many of an outlet's articles is that outlet's boilerplate.
BOILERPLATE_MIN = 4
# A long line (dedupe.normalize.LONG_LINE: at the top or bottom of the body) needs this many:
# a disclaimer or rights notice recurs on most of an outlet's articles, a re-run story's
# paragraph on a few.
BOILERPLATE_LONG_MIN = 10
# A candidate pair is aligned only when the fingerprints it shares are at least this
# share of the smaller article's: copies share most of theirs, articles that merely
# quote the same sentence share a handful. Edited copies (a word in twenty changed)
# still keep about 70% of their fingerprints.
MIN_SHARED_SHARE = 0.08
FINGERPRINT_CHUNK = 20  # articles hashed per numpy batch: small batches stay in the CPU caches (20 beat 100 by a third)
WRITE_CACHE_KIB = -262144  # SQLite page cache while writing (negative: KiB), 256 MB
SCAN_TASK = 100  # articles scanned and fingerprinted per worker task
VERIFY_WINDOW = 2000  # candidate pairs whose sentence units are held in memory at once
POSTINGS_SLICE = 200_000  # fingerprint postings converted to Python and inserted at once
# Anything that changes which fingerprints or matches are computed: a stored index
# built with other values is rebuilt.
# Version 6: obfuscation undone in normalisation (Traditional Chinese, injected
# romanisation, look-alike letters, keyword headers) and the 200,000-character cap.
# Version 7: stories and the credit status of every member, filled by the rebuild.
# Version 8: headline members (syndtrack.headline_stage), round-ups apart (dedupe.roundup).
# Version 9: short reuse accepted only as a carried lead or passage (dedupe.align.SHORT_REUSE);
# paraphrased copies (dedupe.align.PARA_TOKEN).
PARAMS = {"version": 9, "k": fp.K, "w": fp.W, "w_cjk": fp.W_CJK, "max_links": fp.MAX_LINKS, "stop": fp.STOP,
          "min_shared": fp.MIN_SHARED, "boilerplate_min": BOILERPLATE_MIN, "boilerplate_long_min": BOILERPLATE_LONG_MIN,
          "min_shared_share": MIN_SHARED_SHARE, "xlang": XLANG_VERSION}

Progress = Callable[..., None]


class ClusterError(Exception):
    """Clustering could not complete; nothing was written."""


@dataclass
class ClusterResult:
    articles_processed: int  # dirty articles fingerprinted and compared in this run
    matches: int  # pairs verified and stored in this run
    clusters: int  # clusters in the database after the run
    members: int  # cluster_members rows after the run
    candidates: int = 0  # candidate pairs aligned in this run
    clusters_rebuilt: int = 0  # clusters (re)written in this run
    removed: int = 0  # articles gone from ``articles`` since the last run
    full: bool = False
    seconds: float = 0.0
    timings: dict = field(default_factory=dict, repr=False)
    # Why a run that was not asked to be full rebuilt everything (None otherwise).
    rebuilt_because: str | None = None

    def summary(self) -> str:
        mode = "full rebuild" if self.full else "incremental"
        if self.rebuilt_because:
            mode = f"{mode}: {self.rebuilt_because}"
        from syndtrack.output import plural as n

        return (
            f"{n(self.articles_processed, 'article', 'articles')} processed ({mode}), "
            f"{n(self.candidates, 'candidate pair', 'candidate pairs')}, {n(self.matches, 'match', 'matches')}, "
            f"{n(self.clusters_rebuilt, 'cluster', 'clusters')} rebuilt; "
            f"now {n(self.clusters, 'cluster', 'clusters')} with {n(self.members, 'member', 'members')} ({self.seconds:.1f}s)"
        )


def cluster(db: Database, *, full: bool = False, progress: Progress | None = None) -> ClusterResult:
    """Cluster what is new since the last run (everything with ``full=True``); see the module docstring."""
    return _Run(db, full=full, progress=progress).run()


# ---------------------------------------------------------------------------------------------


def _boilerplate_min(key: int) -> int:
    return BOILERPLATE_LONG_MIN if is_long_key(key) else BOILERPLATE_MIN


def learned_boilerplate(conn: sqlite3.Connection, outlet: str) -> set[int]:
    """The line keys the stored counts make the outlet's boilerplate (the SQL twin of
    _boilerplate_min): what clustering leaves out of the outlet's articles, and what
    ``syndtrack trace`` leaves out of them too, so both compare the same text."""
    # `n >= 4` is the partial index's own condition (migration m012): BOILERPLATE_MIN
    # and BOILERPLATE_LONG_MIN are at least that (tested).
    sql = ("select key from dedupe_outlet_lines indexed by idx_dedupe_outlet_lines_boilerplate "
           "where outlet = ? and n >= 4 and n >= (case when key >= ? then ? else ? end)")
    return {r[0] for r in conn.execute(sql, (outlet, LONG_LINE, BOILERPLATE_LONG_MIN, BOILERPLATE_MIN))}


def _blob(values: np.ndarray, dtype) -> bytes:
    return np.ascontiguousarray(values, dtype=dtype).tobytes()


def _unblob(data: bytes | None, dtype) -> np.ndarray:
    return np.frombuffer(data or b"", dtype=dtype)


def _site(url: str | None) -> str | None:
    """A cache key for what the host of ``url`` depends on: an http(s) URL's part
    before its third slash holds its whole network location."""
    return url.split("/", 3)[2] if url and url.startswith(("http://", "https://")) else url


_PARENTHESIS = re.compile(r"\(([^()]{2,80})\)")


def _chunks(items: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Scanning, fingerprinting and verifying are pure and independent per article or
# pair, so big runs spread them over forked worker processes (the children
# inherit the run's state; each opens its own connection to read texts).
# SYNDTRACK_CLUSTER_WORKERS=1 keeps everything in this process.
PARALLEL_MIN = 2000
_RUN = None


def _workers() -> int:
    try:
        return max(1, int(os.environ.get("SYNDTRACK_CLUSTER_WORKERS") or min(2, os.cpu_count() or 1)))
    except ValueError:
        return 1


class _Workers:
    """A fork pool when worth it, else a plain loop behind the same ``map``."""

    def __init__(self, big: bool):
        self.n = _workers() if big else 1
        self.pool = None

    def __enter__(self):
        if self.n > 1:
            try:
                self.pool = multiprocessing.get_context("fork").Pool(self.n)
            except (ValueError, OSError):
                self.pool = None
        return self

    def map(self, func, items: list, chunksize: int = 1) -> list:
        if self.pool is None:
            return [func(x) for x in items]
        return self.pool.map(func, items, chunksize)

    def imap(self, func, items: list):
        """Results in order as they come, without waiting for a whole batch."""
        if self.pool is None:
            return (func(x) for x in items)
        return self.pool.imap(func, items, 1)

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.terminate() if exc[0] else self.pool.close()
            self.pool.join()


def _scan_rows(rows):
    """Scan a batch of rows and fingerprint what they keep, in the same worker.

    Fingerprinting here spares sending every skeleton back to this process and
    out again. Only an article with short lines can lose text to its outlet's
    boilerplate later (``Scan.without``); it keeps its skeleton and is
    fingerprinted again if it does. The others' fingerprints are final, so their
    skeleton (the bulk of a scan's memory) is dropped at once.
    """
    found = [scan(text or "", title=title) for _, _, title, text, _ in rows]
    prints = [
        values
        for start in range(0, len(found), FINGERPRINT_CHUNK)
        for values in fp.fingerprint_batch([f.skeleton for f in found[start : start + FINGERPRINT_CHUNK]])
    ]
    out = []
    for (aid, outlet, _, _, chash), f, values in zip(rows, found, prints):
        if not f.short:
            f.skeleton = ""
        out.append((aid, outlet, chash, f, values))
    return out


def _worker_run():
    run = _RUN
    if multiprocessing.parent_process() is not None and not getattr(run, "_child_db", False):
        # A forked child: never touch the parent's SQLite connection.
        run.conn = sqlite3.connect(run.path)
        run._child_db = True
    return run


def _scan_ids(ids):
    run = _worker_run()
    rows = sorted(run._read_articles(ids))
    return _scan_rows(rows)


def _verify_window(batch):
    return _worker_run().verify_window(batch)


def _edge(score: float, coverage_a: float, coverage_b: float, kind: str | None) -> Edge:
    return Edge(score, coverage_a, coverage_b, HEADLINE if kind == HEADLINE else "text")


@dataclass
class _Dirty:
    outlet: str
    title: str | None
    content_hash: str | None
    scan: Scan
    keys: array = field(default_factory=lambda: array("q"))  # short-line keys before boilerplate was dropped, sorted
    fingerprints: np.ndarray | None = None


class _Run:
    def __init__(self, db: Database, *, full: bool, progress: Progress | None):
        self.db = db
        self.conn = db.conn
        self.path = db.execute("pragma database_list").fetchone()[2]
        self.full = full
        self.progress = progress
        self.t0 = time.perf_counter()
        self.timings: dict[str, float] = {}
        self._tick = self.t0
        self._outlet_cache: dict = {}
        self._outlet_names: OutletNames | None = None
        self._groups: dict[str, set[str]] = {}
        # Stories of the articles being re-clustered, read before their clusters are deleted.
        self.old_story_of: dict[int, int] = {}
        self.old_story_created: dict[int, str] = {}
        self._names_cache: dict = {}

    def _lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._tick, 3)
        self._tick = now

    def _report(self, done: int, total: int, stage: str) -> None:
        if self.progress is not None:
            self.progress(done, total, stage=stage)

    def _q(self, sql: str, params=()) -> list[tuple]:
        return self.conn.execute(sql, params).fetchall()

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> ClusterResult:
        meta = dict(self._q("select key, value from dedupe_meta"))
        stored_params = json.loads(meta.get("params") or "null")
        self.rebuilt_because = None
        if stored_params != PARAMS:
            if stored_params is not None and not self.full:
                # Once after an upgrade that changed what is fingerprinted or matched: say
                # so, since this run takes as long as the first one did.
                self.rebuilt_because = "the index was built by another version of syndtrack's matching, rebuilt once"
            self.full = True  # an index built with other parameters cannot be extended
        self.generation = int(meta.get("generation") or 0)
        self.outlets = self._outlets()

        dirty = self._find_dirty()
        self._lap("find_dirty")
        self._scan(dirty)
        self._lap("scan")
        self._boilerplate(dirty)
        self._lap("boilerplate")
        self._fingerprint()
        self._lap("fingerprint")
        pairs = self._candidates()
        self._lap("candidates")
        matches = self._verify(pairs)
        self._lap("verify")
        self.xlang = XlangStage(self)  # translated copies: syndtrack/xlang_stage.py
        matches.update(self.xlang.find(matches))
        self._lap("xlang")
        self.headlines = HeadlineStage(self)  # pages with a story's headline and no text: syndtrack/headline_stage.py
        matches.update(self.headlines.find(matches))
        self._lap("headlines")
        rebuilt = self._write(matches)
        self._lap("write")
        clusters, members = self._q("select (select count(*) from clusters), (select count(*) from cluster_members)")[0]
        return ClusterResult(
            articles_processed=len(self.dirty),
            matches=len(matches),
            clusters=clusters,
            members=members,
            candidates=len(pairs),
            clusters_rebuilt=rebuilt,
            removed=len(self.removed),
            full=self.full,
            seconds=round(time.perf_counter() - self.t0, 3),
            timings=self.timings,
            rebuilt_because=self.rebuilt_because,
        )

    def _outlets(self) -> Registry:
        # The outlets this database was crawled with (the user's own registry
        # included) win; the default registry answers for everything else, such
        # as an imported article whose outlet is a host like english.news.cn.
        rows = [dict(r) for r in self.db["outlets"].rows] if self.db["outlets"].exists() else []
        return Registry.from_rows(rows, base=Registry.load())

    # -- 1. what changed ---------------------------------------------------------------------

    def _find_dirty(self) -> list[int]:
        # What the triggers of migration m011 queued so far; the write removes exactly
        # these entries, so whatever is written during this run waits for the next.
        self.queue_seq = self._q("select coalesce(max(seq), 0) from dedupe_queue")[0][0]
        if self.full:
            self.known: dict[int, tuple] = {}
            self.removed: list[int] = []
            # By outlet: an outlet's boilerplate is settled once its last article is
            # scanned, so its skeletons need not wait for every other outlet's (_scan).
            rows = self._q("select id, coalesce(outlet, '') from articles order by coalesce(outlet, ''), id")
            self.outlet_ends = [n for n in range(1, len(rows) + 1) if n == len(rows) or rows[n][1] != rows[n - 1][1]]
            return [r[0] for r in rows]
        queued = [r[0] for r in self._q("select distinct article_id from dedupe_queue where seq <= ?", (self.queue_seq,))]
        rows, self.removed = [], []
        for chunk in _chunks(queued, 500):
            marks = ",".join("?" * len(chunk))
            # Written and then written back, or already indexed: not dirty.
            rows += self._q(
                f"select a.id from articles a left join dedupe_articles d on d.article_id = a.id "
                f"where a.id in ({marks}) and (d.article_id is null or d.content_hash is not a.content_hash)", chunk
            )
            self.removed += [r[0] for r in self._q(
                f"select d.article_id from dedupe_articles d left join articles a on a.id = d.article_id "
                f"where d.article_id in ({marks}) and a.id is null", chunk
            )]
        return sorted(r[0] for r in rows)

    # -- 2. scan and boilerplate ---------------------------------------------------------------

    def _read_articles(self, ids: list[int], columns: str = "id, outlet, title, text, content_hash"):
        # Only what scan() compares is read: one giant article cannot take the memory.
        columns = columns.replace("text", f"substr(text, 1, {MAX_TEXT})")
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            yield from self._q(f"select {columns} from articles where id in ({marks})", chunk)

    def _scan(self, ids: list[int]) -> None:
        self.dirty: dict[int, _Dirty] = {}
        self.line_delta: dict[str, dict[int, int]] = {}
        self.boilerplate: dict[str, set[int]] = {}
        total = len(ids)
        global _RUN
        _RUN = self  # what forked workers read their state from
        try:
            # Each task is a list of ids that the worker reads itself: sending every
            # article's text through this process and a pipe cost more than scanning it.
            ends = iter(self.outlet_ends if self.full else ())
            end, start = next(ends, None), 0
            with _Workers(total >= PARALLEL_MIN and bool(self.path)) as pool:
                n = 0
                for part in pool.imap(_scan_ids, [ids[i : i + SCAN_TASK] for i in range(0, total, SCAN_TASK)]):
                    for aid, outlet, chash, found, values in part:
                        self.dirty[aid] = _Dirty(outlet or "", None, chash, found, fingerprints=values)
                    n += len(part)
                    while end is not None and end <= n:
                        self._finish_outlet(ids[start:end])
                        start, end = end, next(ends, None)
                    self._report(n, total, "scan")
        finally:
            _RUN = None
        self._report(total, total, "scan")

    def _finish_outlet(self, aids: list[int]) -> None:
        """A full run: all of one outlet's articles are scanned, so its boilerplate is
        known. Drop it from their scans, fingerprint the ones that lost lines, and free
        their skeletons (the bulk of a scan's memory: ~3 KB an article, 3 GB at 1M)."""
        items = [self.dirty[aid] for aid in aids]
        counts: dict[int, int] = {}
        for item in items:
            item.keys = item.scan.keys()
            for k in item.keys:
                counts[k] = counts.get(k, 0) + 1
        outlet = items[0].outlet
        bp = {k for k, c in counts.items() if c >= _boilerplate_min(k)}
        self.line_delta[outlet], self.boilerplate[outlet] = counts, bp
        redo = []
        for item in items:
            if bp:
                kept = item.scan.without(bp)
                if kept is not item.scan:
                    item.scan = kept
                    redo.append(item)
                    continue
            item.scan.skeleton = ""
        for start in range(0, len(redo), FINGERPRINT_CHUNK):
            chunk = redo[start : start + FINGERPRINT_CHUNK]
            for item, values in zip(chunk, fp.fingerprint_batch([i.scan.skeleton for i in chunk])):
                item.fingerprints, item.scan.skeleton = values, ""

    def _old_state(self, ids: list[int]) -> dict[int, tuple[str, bytes, bytes]]:
        """What the index holds for ``ids``: outlet, fingerprints, line keys."""
        out = {}
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for aid, outlet, fps, keys in self._q(
                f"select article_id, outlet, fingerprints, line_keys from dedupe_articles where article_id in ({marks})", chunk
            ):
                out[aid] = (outlet or "", fps, keys)
        return out

    def _boilerplate(self, dirty_ids: list[int]) -> None:
        """Update the outlet line counts; outlets whose boilerplate changed get their articles re-done."""
        if self.full:
            self.old = {}
            return  # done outlet by outlet while scanning (_finish_outlet)
        self.old = self._old_state(list(self.dirty) + self.removed)
        delta: dict[str, dict[int, int]] = {}
        for aid, (outlet, _, keys) in self.old.items():
            d = delta.setdefault(outlet, {})
            for k in _unblob(keys, np.uint32).tolist():
                d[k] = d.get(k, 0) - 1
        for aid, item in self.dirty.items():
            d = delta.setdefault(item.outlet, {})
            item.keys = item.scan.keys()
            for k in item.keys:
                d[k] = d.get(k, 0) + 1
        self.line_delta = delta
        self.boilerplate: dict[str, set[int]] = {}
        changed: dict[str, set[int]] = {}
        for outlet, d in delta.items():
            current = {} if self.full else self._line_counts(outlet, list(d))
            bp = set() if self.full else self._learned_boilerplate(outlet)
            for k, change in d.items():
                before = current.get(k, 0)
                after = before + change
                need = _boilerplate_min(k)
                if (before >= need) != (after >= need):
                    changed.setdefault(outlet, set()).add(k)
                    if after >= need:
                        bp.add(k)
                    else:
                        bp.discard(k)
            self.boilerplate[outlet] = bp
        if not self.full:
            extra = self._carriers(changed)
            if extra:
                for aid, outlet, title, text, chash in self._read_articles(extra):
                    found = scan(text or "", title=title)
                    self.dirty[aid] = _Dirty(outlet or "", title, chash, found, found.keys())
                self.old.update(self._old_state(extra))
        for item in self.dirty.values():
            bp = self.boilerplate.get(item.outlet)
            if bp:
                kept = item.scan.without(bp)
                if kept is not item.scan:
                    item.scan, item.fingerprints = kept, None  # lines dropped: fingerprint again

    def _line_counts(self, outlet: str, keys: list[int]) -> dict[int, int]:
        out = {}
        for chunk in _chunks(keys, 500):
            marks = ",".join("?" * len(chunk))
            out.update(self._q(f"select key, n from dedupe_outlet_lines where outlet = ? and key in ({marks})", [outlet, *chunk]))
        return out

    def _carriers(self, changed: dict[str, set[int]]) -> list[int]:
        """Indexed articles of each outlet carrying a line whose boilerplate status changed."""
        out = []
        for outlet, keys in changed.items():
            wanted = np.fromiter(keys, dtype=np.uint32)
            for aid, blob in self._q("select article_id, line_keys from dedupe_articles where outlet = ?", (outlet,)):
                if aid not in self.dirty and np.isin(_unblob(blob, np.uint32), wanted).any():
                    out.append(aid)
        return out

    # -- 3. fingerprints and candidates -----------------------------------------------------------

    def _fingerprint(self) -> None:
        """Fingerprints of the articles the scan did not finish (boilerplate dropped, re-scanned carriers)."""
        ids = [aid for aid, d in self.dirty.items() if d.fingerprints is None]
        for d in self.dirty.values():
            if d.fingerprints is not None:
                d.scan.skeleton = ""  # not needed any more; it is the bulk of the memory
        chunks = list(_chunks(ids, FINGERPRINT_CHUNK))
        with _Workers(len(ids) >= PARALLEL_MIN) as pool:
            for group in _chunks(chunks, 40):
                batches = [[self.dirty[i].scan.skeleton for i in chunk] for chunk in group]
                for chunk, prints in zip(group, pool.map(fp.fingerprint_batch, batches)):
                    for aid, values in zip(chunk, prints):
                        self.dirty[aid].fingerprints = values
                        self.dirty[aid].scan.skeleton = ""  # not needed any more; it is the bulk of the memory

    def _candidates(self) -> list[tuple[int, int, int]]:
        dirty_ids = np.fromiter(self.dirty, dtype=np.int64, count=len(self.dirty))
        counts = {aid: len(d.fingerprints) for aid, d in self.dirty.items()}
        hashes = [d.fingerprints for d in self.dirty.values()]
        # Article ids as int32 (they fit): the owner of every posting, tens of millions at 1M.
        owners = [np.repeat(dirty_ids.astype(np.int32), [len(h) for h in hashes])]
        if not self.full and len(dirty_ids):
            wanted = np.unique(np.concatenate(hashes)) if hashes else np.empty(0, dtype=np.int64)
            h, a = self._postings(wanted)
            keep = ~np.isin(a, dirty_ids) & ~np.isin(a, np.array(self.removed, dtype=np.int64))
            hashes.append(h[keep])
            owners.append(a[keep].astype(np.int32))
        if not hashes:
            return []
        H = np.concatenate(hashes)
        A = np.concatenate(owners)
        del hashes, owners
        lo, hi, shared = fp.candidate_pairs(H, A, dirty=None if self.full else dirty_ids)
        del H, A
        if len(lo) == 0:
            return []
        missing = sorted((set(lo.tolist()) | set(hi.tolist())) - set(counts))
        for chunk in _chunks(missing, 500):
            marks = ",".join("?" * len(chunk))
            counts.update(self._q(f"select article_id, length(fingerprints) / 8 from dedupe_articles where article_id in ({marks})", chunk))
        known = np.fromiter(counts, dtype=np.int64, count=len(counts))
        size = np.zeros(int(max(known.max(initial=0), lo.max(), hi.max())) + 1, dtype=np.int64)
        size[known] = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
        smaller = np.minimum(size[lo], size[hi])
        # Rounded: a short article (under ~19 fingerprints, ~1,100 characters) needs one shared
        # fingerprint, not two; one already means a shared 32-character shingle, and the
        # Clough & Stevenson answers that reuse a third of a short source share just one.
        keep = shared >= np.round(MIN_SHARED_SHARE * smaller)
        return list(zip(lo[keep].tolist(), hi[keep].tolist(), shared[keep].tolist()))

    def _postings(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (hash, article) posting of the ``wanted`` fingerprints: primary-key range seeks.

        (A join with a temp table of the hashes looks natural, but SQLite's planner
        then scans the whole index; IN lists of 500 seek.)
        """
        rows: list[tuple[int, int]] = []
        for chunk in _chunks(wanted.tolist(), 500):
            marks = ",".join("?" * len(chunk))
            rows.extend(self._q(f"select hash, article_id from dedupe_fingerprints where hash in ({marks})", chunk))
        if not rows:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        arr = np.array(rows, dtype=np.int64)
        return arr[:, 0], arr[:, 1]

    # -- 4. verification --------------------------------------------------------------------------

    def _cleaned(self, ids: set[int]) -> dict:
        """Sentence units of ``ids``: dirty ones from their scan, others re-scanned from ``articles``."""
        out = {}
        todo = sorted(ids)
        for aid, outlet, title, text in self._read_articles(todo, "id, outlet, title, text"):
            item = self.dirty.get(aid)
            if item is not None:
                found = item.scan
            else:
                bp = self._outlet_boilerplate(outlet or "")
                found = scan(text or "", title=title, boilerplate=bp)
            out[aid] = units(text or "", found)
        return out

    def _outlet_boilerplate(self, outlet: str) -> set[int]:
        if outlet not in self.boilerplate:
            self.boilerplate[outlet] = self._learned_boilerplate(outlet)
        return self.boilerplate[outlet]

    def _learned_boilerplate(self, outlet: str) -> set[int]:
        return learned_boilerplate(self.conn, outlet)

    def _verify(self, pairs: list[tuple[int, int, int]]) -> dict[tuple[int, int], object]:
        matches = {}
        total = len(pairs)
        # Pairs sorted by their first article, units built a window at a time, so
        # memory holds the units of a window's articles rather than the corpus.
        pairs.sort()
        windows = [pairs[start : start + VERIFY_WINDOW] for start in range(0, total, VERIFY_WINDOW)]
        global _RUN
        _RUN = self  # what forked workers read their state from
        try:
            with _Workers(total >= PARALLEL_MIN and bool(self.path)) as pool:
                done = 0
                for window, found in zip(windows, pool.imap(_verify_window, windows)):
                    matches.update(found)
                    done += len(window)
                    self._report(done, total, "verify")
        finally:
            _RUN = None
        self._report(total, total, "verify")
        return matches

    def verify_window(self, batch: list[tuple[int, int, int]]) -> dict:
        cleaned = self._cleaned({x for x, _, _ in batch} | {y for _, y, _ in batch})
        found = {}
        for a, b, _ in batch:
            m = align(cleaned[a], cleaned[b]) if a in cleaned and b in cleaned else None
            if m is not None:
                found[(a, b)] = m
        return found

    # -- 5. writes and cluster assembly -------------------------------------------------------------

    def _write(self, matches: dict) -> int:
        conn = self.conn
        if conn.in_transaction:
            conn.commit()  # nothing of ours is pending: only reads happened so far
        # A full rebuild writes millions of index rows: with SQLite's default 2 MB page
        # cache, dirty pages spill to the WAL and get re-read while the B-trees grow.
        cache_size = conn.execute("pragma cache_size").fetchone()[0]
        conn.execute(f"pragma cache_size = {WRITE_CACHE_KIB}")
        try:
            return self._write_transaction(matches)
        finally:
            conn.execute(f"pragma cache_size = {int(cache_size)}")

    def _write_transaction(self, matches: dict) -> int:
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise ClusterError(f"cannot write the clusters: {exc}") from None
        try:
            meta = dict(conn.execute("select key, value from dedupe_meta").fetchall())
            if int(meta.get("generation") or 0) != self.generation:
                raise ClusterError("another cluster run finished while this one was computing; run it again")
            rebuilt = self._write_all(matches)
            conn.execute("delete from dedupe_queue where seq <= ?", (self.queue_seq,))
            conn.execute("insert or replace into dedupe_meta (key, value) values ('params', ?)", (json.dumps(PARAMS),))
            conn.execute("insert or replace into dedupe_meta (key, value) values ('generation', ?)", (str(self.generation + 1),))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return rebuilt

    def _write_all(self, matches: dict) -> int:
        conn = self.conn
        now = utcnow()
        gone = set(self.dirty) | set(self.removed)
        seeds: set[int] = set(gone)
        if self.full:
            # Story ids outlive a rebuild: the new stories keep the ids their articles had.
            self.old_story_of, self.old_story_created = self._old_stories(None)
            for table in ("dedupe_fingerprints", "dedupe_articles", "dedupe_outlet_lines", "cluster_members", "clusters",
                          "stories", "matches"):
                conn.execute(f"delete from {table}")
        else:
            # Take the old state of dirty and removed articles out of the index.
            old_rows = []
            for aid, (_, fps, _) in self.old.items():
                old_rows.extend((int(h), aid) for h in _unblob(fps, np.int64).tolist())
            conn.executemany("delete from dedupe_fingerprints where hash = ? and article_id = ?", old_rows)
            gone_list = sorted(gone)
            for chunk in _chunks(gone_list, 500):
                marks = ",".join("?" * len(chunk))
                for a, b in conn.execute(f"select a_id, b_id from matches where a_id in ({marks}) or b_id in ({marks})", chunk + chunk):
                    seeds.update((a, b))
                conn.execute(f"delete from matches where a_id in ({marks}) or b_id in ({marks})", chunk + chunk)
            for chunk in _chunks(self.removed, 500):
                marks = ",".join("?" * len(chunk))
                conn.execute(f"delete from dedupe_articles where article_id in ({marks})", chunk)
        # Outlet line counts.
        if self.full:
            rows = [(o, k, n) for o, d in self.line_delta.items() for k, n in d.items() if n > 0]
            conn.executemany("insert into dedupe_outlet_lines (outlet, key, n) values (?, ?, ?)", rows)
        else:
            for outlet, d in self.line_delta.items():
                conn.executemany(
                    "insert into dedupe_outlet_lines (outlet, key, n) values (?, ?, ?) "
                    "on conflict (outlet, key) do update set n = n + excluded.n",
                    [(outlet, k, n) for k, n in d.items() if n],
                )
            conn.execute("delete from dedupe_outlet_lines where n <= 0")
        # The dirty articles' new state and fingerprints.
        conn.executemany(
            "insert or replace into dedupe_articles (article_id, content_hash, outlet, fingerprints, line_keys, credits, wrapper, "
            "roundup) values (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (aid, d.content_hash, d.outlet, _blob(d.fingerprints, np.int64),
                 _blob(np.fromiter(d.keys, dtype=np.uint32, count=len(d.keys)), np.uint32),
                 json.dumps(d.scan.credits, ensure_ascii=False) if d.scan.credits else None, int(d.scan.wrapper),
                 int(d.scan.roundup))
                for aid, d in self.dirty.items()
            ),
        )
        if self.dirty:
            H = np.concatenate([d.fingerprints for d in self.dirty.values()])
            ids = np.fromiter(self.dirty, dtype=np.int32, count=len(self.dirty))
            A = np.repeat(ids, [len(d.fingerprints) for d in self.dirty.values()])
            order = np.lexsort((A, H))  # inserting in key order keeps the B-tree appends cheap
            H = H[order]  # one copy at a time: each is hundreds of MB at 1M articles
            A = A[order]
            del order
            # In slices: .tolist() of millions of postings at once costs ~70 bytes each
            # (300 MB at 100k articles), the peak of the whole run.
            for start in range(0, len(H), POSTINGS_SLICE):
                conn.executemany(
                    "insert or ignore into dedupe_fingerprints (hash, article_id) values (?, ?)",
                    zip(H[start : start + POSTINGS_SLICE].tolist(), A[start : start + POSTINGS_SLICE].tolist()),
                )
        conn.executemany(
            "insert or replace into matches (a_id, b_id, score, coverage_a, coverage_b, passages, created) values (?, ?, ?, ?, ?, ?, ?)",
            (
                (a, b, m.score, m.coverage_a, m.coverage_b, json.dumps(m.passages), now)
                for (a, b), m in matches.items()
            ),
        )
        self.headlines.write()
        for a, b in matches:
            seeds.update((a, b))
        rebuilt = self._recluster(seeds, now)
        self.xlang.write(now)
        return rebuilt

    def _recluster(self, seeds: set[int], now: str) -> int:
        conn = self.conn
        edges: dict[tuple[int, int], Edge] = {}
        if self.full:
            for a, b, s, ca, cb, kind in conn.execute("select a_id, b_id, score, coverage_a, coverage_b, kind from matches"):
                edges[(a, b)] = _edge(s, ca, cb, kind)
            nodes_ids = {x for e in edges for x in e}
        else:
            # Everything connected to a seed through matches or through an old cluster.
            nodes_ids: set[int] = set()
            frontier = set(seeds)
            while frontier:
                nodes_ids |= frontier
                found: set[int] = set()
                batch = sorted(frontier)
                for chunk in _chunks(batch, 400):
                    marks = ",".join("?" * len(chunk))
                    for a, b, s, ca, cb, kind in conn.execute(
                        f"select a_id, b_id, score, coverage_a, coverage_b, kind from matches where a_id in ({marks}) "
                        f"union select a_id, b_id, score, coverage_a, coverage_b, kind from matches where b_id in ({marks})",
                        chunk + chunk,
                    ):
                        edges[(a, b)] = _edge(s, ca, cb, kind)
                        found.update((a, b))
                    # Through the old story (it holds the old cluster): its versions are re-grouped together.
                    for (m,) in conn.execute(
                        f"select m.article_id from cluster_members m join clusters c on c.id = m.cluster_id "
                        f"where c.story_id in (select c2.story_id from cluster_members m2 join clusters c2 "
                        f"on c2.id = m2.cluster_id where m2.article_id in ({marks}))",
                        chunk,
                    ):
                        found.add(m)
                frontier = found - nodes_ids
            self.old_story_of, self.old_story_created = self._old_stories(sorted(nodes_ids))
            old_clusters = set()
            for chunk in _chunks(sorted(nodes_ids), 500):
                marks = ",".join("?" * len(chunk))
                old_clusters.update(r[0] for r in conn.execute(f"select distinct cluster_id from cluster_members where article_id in ({marks})", chunk))
            for chunk in _chunks(sorted(old_clusters), 500):
                marks = ",".join("?" * len(chunk))
                conn.execute(f"delete from cluster_members where cluster_id in ({marks})", chunk)
                conn.execute(f"delete from clusters where id in ({marks})", chunk)
            for chunk in _chunks(sorted(self.old_story_created), 500):
                conn.execute(f"delete from stories where id in ({','.join('?' * len(chunk))})", chunk)
        if not edges:
            return 0
        info = self._node_info(sorted({x for e in edges for x in e}))
        nodes = {aid: Node(aid, r["outlet"], r["ts"], r["state_media"], r["url"], r["precise"], r["credits"], r["group"],
                           r["roundup"])
                 for aid, r in info.items()}
        edges = {k: e for k, e in edges.items() if k[0] in nodes and k[1] in nodes}
        clusters = assemble(nodes, edges)
        clusters.sort(key=lambda c: c.origin_id)
        story_of = self._write_stories(clusters, nodes, edges, now)
        rows = []
        for i, c in enumerate(clusters):
            origin = info[c.origin_id]
            cid = conn.execute(
                "insert into clusters (origin_id, size, created, updated, story_id) values (?, ?, ?, ?, ?)",
                (c.origin_id, len(c.members), now, now, story_of[i]),
            ).lastrowid
            key = (origin["outlet"], origin["registry_slug"], origin["site_name"], _site(origin["url"]))
            if key not in self._names_cache:  # read-only below, so origins of one outlet share them
                self._names_cache[key] = origin_names(
                    outlet=origin["outlet"], name=origin["outlet_name"], owner=origin["owner"],
                    site_name=origin["site_name"], url=origin["url"], more_hosts=origin["hosts"],
                    aliases=origin["aliases"],
                )
            names, hosts = self._names_cache[key]
            # The origin's own credit or dateline ("BEIJING, May 3 (Xinhua) --"): a copy without one stripped it.
            credits_itself = credits_origin(origin["evidence"], [], names, hosts)
            origin_group = self._group_slugs(origin["registry_slug"])
            for m in c.members:
                if m.relation == "origin":
                    credited = status = None
                else:
                    mi = info[m.article_id]
                    others = mi["credits"] - origin_group
                    status = credit_status(mi["evidence"], mi["links"], names, hosts, others=others,
                                           origin_credits_itself=credits_itself)
                    credited = int(status == "credited")
                # A headline member shares no text: its score and coverage are unknown, not 0
                # (averages of coverage per outlet leave it out).
                text = m.relation != HEADLINE
                rows.append((cid, m.article_id, m.relation, m.score if text else None,
                             round(m.coverage, 4) if text else None, credited,
                             m.lag_seconds, int(m.same_outlet), status))
        conn.executemany(
            "insert into cluster_members (cluster_id, article_id, relation, score, coverage, credited, lag_seconds, "
            "same_outlet, credit_status) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return len(clusters)

    def _named_outlets(self) -> OutletNames:
        """Every registry outlet's names and hosts, matched in one pass (built on first use)."""
        if self._outlet_names is None:
            self._outlet_names = OutletNames(self.outlets.names(), self.outlets.hosts())
        return self._outlet_names

    def _group_slugs(self, slug: str | None) -> set[str]:
        """An outlet and its media group's other outlets: crediting a sibling is crediting the group."""
        if not slug:
            return set()
        if slug not in self._groups:
            outlet = self.outlets.get(slug)
            self._groups[slug] = {o["slug"] for o in self.outlets.group(outlet)} | {slug} if outlet else {slug}
        return self._groups[slug]

    def _old_stories(self, article_ids: list[int] | None) -> tuple[dict[int, int], dict[int, str]]:
        """Before the clusters of ``article_ids`` (all, when None) are rebuilt: each
        clustered article's story, and each of those stories' creation time."""
        sql = "select m.article_id, c.story_id from cluster_members m join clusters c on c.id = m.cluster_id"
        story_of: dict[int, int] = {}
        if article_ids is None:
            story_of.update(self.conn.execute(sql + " where c.story_id is not null"))
        else:
            for chunk in _chunks(article_ids, 500):
                marks = ",".join("?" * len(chunk))
                story_of.update(self.conn.execute(sql + f" where m.article_id in ({marks}) and c.story_id is not null", chunk))
        created: dict[int, str] = {}
        for chunk in _chunks(sorted(set(story_of.values())), 500):
            marks = ",".join("?" * len(chunk))
            created.update(self.conn.execute(f"select id, created from stories where id in ({marks})", chunk))
        return story_of, created

    def _write_stories(self, clusters: list, nodes: dict[int, Node], edges: dict, now: str) -> list[int]:
        """Group ``clusters`` (versions) into stories, write them, and return each cluster's story id.

        A story keeps the id its articles had before (dedupe.stories.stable_ids)."""
        cluster_of = {m.article_id: i for i, c in enumerate(clusters) for m in c.members}
        links = [
            (a, b) for (a, b), e in edges.items()
            if cluster_of.get(a) is not None and cluster_of.get(b) is not None and cluster_of[a] != cluster_of[b]
            and joins_versions(e.coverage_a, e.coverage_b, nodes[a].published, nodes[b].published)
        ]
        links = [pair for pair in links if holds_together(self._passages(pair))]
        groups = group_versions(cluster_of, links)
        articles = [[m.article_id for i in g for m in clusters[i].members] for g in groups]
        kept = stable_ids(articles, self.old_story_of)
        story_of = [0] * len(clusters)
        for g, members, sid in zip(groups, articles, kept):
            first = min((nodes[clusters[i].origin_id] for i in g), key=origin_order)
            created = self.old_story_created.get(sid, now) if sid is not None else now
            sid = self.conn.execute(
                "insert into stories (id, origin_id, versions, size, outlets, created, updated) values (?, ?, ?, ?, ?, ?, ?)",
                (sid, first.id, len(g), len(members), len({nodes[a].outlet for a in members}), created, now),
            ).lastrowid
            for i in g:
                story_of[i] = sid
        return story_of

    def _passages(self, pair: tuple[int, int]) -> list[list[int]]:
        row = self.conn.execute("select passages from matches where a_id = ? and b_id = ?", pair).fetchone()
        return json.loads(row[0]) if row and row[0] else []

    def _outlet_of(self, outlet: str | None, url: str | None) -> dict:
        """The registry's word on an article's outlet, with the names and hosts that credit it.

        Cached per outlet and URL host: parsing every article's URL was a third of the write stage.
        """
        key = (outlet, _site(url))
        cache = self._outlet_cache
        if key not in cache:
            o = self.outlets.resolve(outlet) or self.outlets.resolve(url)
            if o is None:
                cache[key] = {"slug": None, "name": None, "owner": None, "state_media": False,
                              "aliases": (), "hosts": [host_of(url)] if url else []}
            else:
                names, hosts = self.outlets.credit_names(o)
                if o["url"]:
                    hosts.add(host_of(o["url"]))
                cache[key] = {"slug": o["slug"], "name": o["name"], "owner": o["owner"],
                              "state_media": o["state_media"], "aliases": tuple(sorted(names)),
                              "hosts": sorted(hosts)}
        return cache[key]

    def _node_info(self, ids: list[int]) -> dict[int, dict]:
        out = {}
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for aid, outlet, url, published, site_name, credit, attribution, source_url, text, credits, roundup in self.conn.execute(
                "select a.id, a.outlet, a.url, a.published, a.site_name, a.credit, a.attribution, a.source_url, "
                "substr(a.text, 1, 300) || ' ' || substr(a.text, -300), d.credits, d.roundup "
                f"from articles a left join dedupe_articles d on d.article_id = a.id where a.id in ({marks})",
                chunk,
            ):
                o = self._outlet_of(outlet, url)
                # From the body's first and last lines only what sits in parentheses, the
                # way datelines credit ("BEIJING, May 5 (Xinhua) --", "(AP)"): an outlet
                # named "Wired" or "Time" must not be credited by the word in a sentence.
                evidence = [credit or "", *_PARENTHESIS.findall(text or "")]
                if text and is_cjk(text):
                    evidence.append(text)  # "新华社北京5月5日电": Chinese datelines use no parentheses
                links = [source_url] if source_url else []
                if credits:
                    evidence.extend(json.loads(credits))
                if attribution:
                    try:
                        cues = json.loads(attribution)
                    except ValueError:
                        cues = []
                    for cue in cues if isinstance(cues, list) else []:
                        if isinstance(cue, dict):
                            evidence.append(str(cue.get("text") or ""))
                            if cue.get("href"):
                                links.append(str(cue["href"]))
                evidence_text = "\n".join(evidence)
                group = frozenset(self._group_slugs(o["slug"]))
                out[aid] = {
                    "outlet": outlet, "url": url, "ts": timestamp(published), "state_media": o["state_media"],
                    "precise": is_precise(published), "group": group, "roundup": bool(roundup),
                    # Whom it credits, its own group left out: for the origin order (dedupe.assemble).
                    "credits": frozenset(self._named_outlets().named(evidence_text, links) - group),
                    "site_name": site_name, "outlet_name": o["name"], "owner": o["owner"],
                    "registry_slug": o["slug"], "aliases": o["aliases"],
                    "evidence": evidence_text, "links": links, "hosts": o["hosts"],
                }
        return out

"""``syndtrack cluster``: find republications in ``articles`` and cluster them.

This package is the database side of :mod:`dedupe` (which is pure and never
touches SQLite). One run goes through six stages, each a module with a
documented input and output; they share the run's state (:class:`_Run`):

1. index (:mod:`.stage_index`): the *dirty* articles (new ones, changed ones,
   and the carriers of lines whose boilerplate status changed), scanned
   (:func:`dedupe.normalize.scan`) and fingerprinted;
2. boilerplate (:mod:`.stage_boilerplate`): the outlet line counts
   (``dedupe_outlet_lines``) updated, each outlet's recurring lines dropped;
3. candidates (:mod:`.stage_candidates`): the dirty articles' fingerprints looked
   up in the persisted index (``dedupe_fingerprints``), so only they are compared,
   against everything already there;
4. verify (:mod:`.stage_verify`): the candidate pairs aligned
   (:func:`dedupe.align.align`); then translated copies (:mod:`syndtrack.xlang_stage`),
   which a big run computes in a forked process while the index is written;
5. write (:mod:`.stage_write`): index, then the translated copies and the pages with a
   story's headline (:mod:`syndtrack.headline_stage`), matches and, through
6. assemble (:mod:`.stage_assemble`), the clusters of every group of matches the
   run touched (:func:`dedupe.assemble.assemble`) and their stories.

``full=True`` empties the dedupe tables first, so every article is dirty; the
result is the same as the incremental runs that led to the same articles.

All the work is computed from reads; the writes happen at the end in one
``BEGIN IMMEDIATE`` transaction, so a crawler writing articles meanwhile is
only held up for the write itself, a failed run leaves nothing half-done, and a
generation counter in ``dedupe_meta`` makes a run that another one overtook fail
cleanly instead of writing stale results. Articles a crawler adds meanwhile are
simply dirty for the next run. Big runs scan, fingerprint and verify in forked
worker processes (:mod:`.workers`).
"""

from __future__ import annotations

import gc
import json
import time
from typing import Callable

from sqlite_utils import Database

from syndtrack.clustering import stage_boilerplate, stage_candidates, stage_index, stage_verify, stage_write
from syndtrack.clustering.result import ClusterError, ClusterResult
from syndtrack.clustering.settings import BOILERPLATE_LONG_MIN, BOILERPLATE_MIN, MIN_SHARED_SHARE, PARAMS
from syndtrack.clustering.stage_boilerplate import learned_boilerplate
from syndtrack.clustering.staged_index import StagedIndex
from syndtrack.store.registry import Registry
from syndtrack.headline_stage import HeadlineStage
from syndtrack.xlang_stage import XlangStage

__all__ = ["cluster", "ClusterResult", "ClusterError", "PARAMS", "learned_boilerplate", "BOILERPLATE_MIN",
           "BOILERPLATE_LONG_MIN", "MIN_SHARED_SHARE"]

Progress = Callable[..., None]


def cluster(db: Database, *, full: bool = False, progress: Progress | None = None) -> ClusterResult:
    """Cluster what is new since the last run (everything with ``full=True``); see the module docstring."""
    frozen = gc.get_freeze_count()
    gc.callbacks.append(_freeze_survivors)
    try:
        return _Run(db, full=full, progress=progress).run()
    finally:
        gc.callbacks.remove(_freeze_survivors)
        if not frozen:
            gc.unfreeze()  # what the run froze is the caller's to collect again


def _freeze_survivors(phase: str, info: dict) -> None:
    """What survives a full collection during a run mostly lives to its end (the run's
    state): frozen (gc.freeze), the next full collections stop walking it again. On the
    dense 100k corpus full collections took 2.0-2.1 of this process's 2.5-2.6 s of
    collecting. Only reference cycles among frozen objects wait for the run's end."""
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()


class _Run:
    """One run's state, which the stages read and fill (each stage's module says which parts)."""

    def __init__(self, db: Database, *, full: bool, progress: Progress | None):
        self.db = db
        self.conn = db.conn
        self.path = db.execute("pragma database_list").fetchone()[2]
        self.full = full
        self.progress = progress
        self.t0 = time.perf_counter()
        self.timings: dict[str, float] = {}
        self._tick = self.t0
        # Caches of the assemble stage (registry lookups per outlet, host and group).
        self.outlet_cache: dict = {}
        self.outlet_names = None
        self.groups: dict[str, set[str]] = {}
        self.names_cache: dict = {}
        # Stories of the articles being re-clustered, read before their clusters are deleted.
        self.old_story_of: dict[int, int] = {}
        self.old_story_created: dict[int, str] = {}
        self.dirty: dict = {}
        self.removed: list[int] = []
        self.boilerplate: dict[str, set[int]] = {}
        self.line_delta: dict[str, dict[int, int]] = {}
        self.old: dict = {}
        self.node_cache: dict[int, dict] = {}  # stage_assemble.node_info
        self.verify_stats = {"candidates": 0, "aligned": 0}
        self.staged = None  # syndtrack.clustering.staged_index, in a big full run

    def _lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._tick, 3)
        self._tick = now

    def report(self, done: int, total: int, stage: str) -> None:
        if self.progress is not None:
            self.progress(done, total, stage=stage)

    def q(self, sql: str, params=()) -> list[tuple]:
        return self.conn.execute(sql, params).fetchall()

    def run(self) -> ClusterResult:
        meta = dict(self.q("select key, value from dedupe_meta"))
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

        dirty = stage_index.find_dirty(self)
        self._lap("find_dirty")
        stage_index.scan_all(self, dirty)
        self._lap("scan")
        stage_boilerplate.update_boilerplate(self)
        self._lap("boilerplate")
        stage_index.fingerprint_rest(self)
        self._lap("fingerprint")
        # A big full run's index rows, written ahead beside the candidates and the verification.
        self.staged = StagedIndex.start(self)
        try:
            return self._match_and_write()
        finally:
            if self.staged is not None:
                self.staged.discard(self.conn)

    def _match_and_write(self) -> ClusterResult:
        pairs = stage_candidates.candidates(self)
        self._lap("candidates")
        matches = stage_verify.verify(self, pairs)
        self._lap("verify")
        self.xlang = XlangStage(self)  # translated copies: syndtrack/xlang_stage.py
        translated = self.xlang.start(matches)  # a big run's goes on beside the index write
        self._lap("xlang")
        self.headlines = HeadlineStage(self)  # pages with a story's headline and no text: syndtrack/headline_stage.py

        def later_matches() -> dict:
            # Called by the write once the index and the same-language matches are written: the
            # translated copies (waited for), then the headline pages, which must know every
            # text match. Added to ``matches``; returned too, for the write.
            t = time.perf_counter()
            later = translated()
            self.timings["xlang_wait"] = round(time.perf_counter() - t, 3)
            matches.update(later)
            t = time.perf_counter()
            found = self.headlines.find(matches)
            self.timings["headline_pairs"] = round(time.perf_counter() - t, 3)
            matches.update(found)
            return {**later, **found}

        try:
            self.headlines.prepare()  # its keys need no match: read while a forked xlang stage works
            self._lap("headline_keys")
            rebuilt = stage_write.write(self, matches, later_matches)
        finally:
            self.xlang.abandon()  # a forked stage is done by now, unless the write failed
        self._lap("write")
        clusters, members = self.q("select (select count(*) from clusters), (select count(*) from cluster_members)")[0]
        return ClusterResult(
            articles_processed=len(self.dirty),
            matches=len(matches),
            clusters=clusters,
            members=members,
            candidates=len(pairs),
            aligned=self.verify_stats["aligned"],
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

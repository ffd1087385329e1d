"""The cross-language stage of ``syndtrack cluster``: translated copies.

The database side of :mod:`dedupe.xlang`, kept apart from
:mod:`syndtrack.clustering`, which calls it from three places: :meth:`XlangStage.start`
after the same-language verification (its matches join the run's matches before
the clusters are assembled, so cluster assembly and stories treat them like any
other; a big run computes them in a forked process while the index is written),
:meth:`XlangStage.write_keys` inside the run's write transaction once the index is
written, and :meth:`XlangStage.write` after the clusters are assembled.

1. Every dirty article gets a language (``dedupe.xlang.language``: the script of
   its text) and, when a backend bridges that language to English (English
   itself included), at most ~34 language-neutral keys, stored in
   ``dedupe_xkeys`` (key hash, article, weight). A copy of an earlier article
   (a same-language match of this run covers 80% of it) is not keyed; it is
   aligned with that article's translations instead (:meth:`XlangStage._propagate`).
2. Candidates: the dirty articles' keys are looked up in the stored index and
   among themselves; only articles of *another* language count. A key held by more
   than :data:`STOP` articles links nothing (stock words, years), a pair needs
   :data:`MIN_KEY_SCORE` of shared weight, and each article keeps its
   :data:`MAX_PARTNERS` best partners, so the cost stays linear.
3. Each candidate pair is verified by ordered sentence alignment
   (:func:`dedupe.xlang.align_translation`); the match is stored in ``matches``
   with ``kind = 'translated'`` and its aligned sentence pairs as passages.
4. After assembly, a cluster member whose language differs from its origin's
   gets the relation ``translated``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import resource
import sqlite3
import threading
import time
import traceback
from collections import deque
from typing import Callable

import numpy as np

from dedupe.align import PARAPHRASE_SCORE, Match
from syndtrack.store.dates import timestamp
from syndtrack.store.rows import chunks
from dedupe.xlang import (DATELINE_REACH, KEY_TEXT, PRE_MIN, align_translation, bag_overlap, preload_keys,
                          default_backend, features, keys_arrays, language, word_bag)

log = logging.getLogger(__name__)

VERSION = 15  # part of clustering.PARAMS: a change rebuilds the index once (2: Chinese numerals, 480-character Chinese keys;
# 3: romanisation stripped before keying, dateline and strong-pair rules, 6 partners; 4: reworded copies keyed;
# 5: a sentence split or merged in translation does not cut the aligned run, dedupe.xlang._split;
# 6: a run of LONG_RUN pairs passes at LONG_MIN_SCORE; 7: ordinal days read as dates, "Dec 4th";
# 8: keys from the wire dateline on, 日电 no name, sentence-initial capitals no names;
# 9: name keys only words CC-CEDICT never writes in lower case; 10: gaps between anchors filled, dedupe.xlang._fill;
# 11: name keys from 4-character Chinese words; English keys from the dateline of every agency of dedupe.roundup.AGENCIES;
# 12: the first look counts the part of a Chinese text a shorter English one can reach, dedupe.xlang.REACH_SLACK;
# 13: a run needs 4 sentence pairs, dedupe.xlang.MIN_RUN_PAIRS; 14: a run whose strong pairs are all formula lines is none;
# 15: a Chinese sentence does not end at a semicolon, dedupe.xlang.text._ZH_END)
STOP = 150  # articles holding one key, beyond which it links nothing
MIN_KEY_SCORE = 7.0  # shared key weight for a pair to be verified (verification is the gate). The first real pages' translations
# scored 7.8 and up; of the 31 of the larger set 5 score less (0-5.4: excerpts that share little at their tops), but 5.0
# multiplied the speed corpus's verification by 4.6 (docs/evaluation.md)
MAX_PARTNERS = 6  # best-scoring partners per dirty article that are verified (3 lost 2 of the speed corpus's 50 translations found; 5 lost a real page pair crowded out by other years' New Year messages)
MAX_LAG = 30 * 86400.0  # seconds between published times (when both are known) for a pair to be compared
VERIFY_TEXT = 60_000  # characters of each text aligned


def enabled() -> bool:
    """SYNDTRACK_XLANG=0 turns the stage off (measurements; a database known to be one language)."""
    return os.environ.get("SYNDTRACK_XLANG", "1") != "0"


class XlangStage:
    def __init__(self, run) -> None:
        self.run = run
        self.conn = run.conn
        self._backend = None
        self.langs: dict[int, str | None] = {}
        self.keys = _Keys()  # this run's keys: (key hash, article, weight) rows
        self.found: dict[tuple[int, int], Match] = {}
        self.backfilled: set[int] = set()  # stored articles keyed late, when a second language arrived
        self.backfill_langs: dict[int, str | None] = {}
        self.keyed: set[int] = set()  # keyed this run (an empty key list included): not waiting any more
        self.copies: set[int] = set()  # copies of an earlier article in this run: not keyed (see find)
        self.copy_of: dict[int, set[int]] = {}
        self.when: dict[int, tuple[float, int]] = {}  # origin order (_when)
        self.candidates = 0
        self._features: dict[int, object] = {}  # English articles' verification features, per process
        self._bags: dict[int, object] = {}  # and their bags of stems (dedupe.xlang.word_bag)
        self.enabled = enabled()
        self._child = None  # (process, pipe) of a stage running in a forked process (start)
        self._keys_done: Callable[[], None] = lambda: None  # called when keying is done (_find_forked sends the keys)
        self._key_part: Callable[[tuple], None] = lambda part: None  # each keyed batch's rows, as computed (_find_forked)
        self._parts: list[tuple] = []  # the rows received from a forked stage (write_keys)
        self._done_keying = False  # a forked stage's keys message came (write_keys)
        self._forked = False  # True in the process _find_forked runs in

    @property
    def backend(self):
        if self._backend is None:
            self._backend = default_backend()  # only when a pair is verified
        return self._backend

    def _bridged(self, lang: str | None) -> bool:
        # The languages the default backend bridges (English is the pivot).
        return lang == "en" or lang == "zh"

    # -- 1-3: find --------------------------------------------------------------------------

    def start(self, matches: dict) -> Callable[[], dict[tuple[int, int], Match]]:
        """Begin :meth:`find`; returns the function that waits for its matches.

        In a big run with two languages the stage runs in a forked process (:func:`_find_forked`)
        while this one writes the index (``stage_write``): that write keeps one core busy and
        leaves the other idle, and this stage is most of what a second language costs. Its
        matches are the same as :meth:`find`'s here (tests/test_xlang_cost.py compares the
        databases): the child reads the state the run started from (WAL: nothing of this run
        is committed before the wait), and the headline stage, which reads the translated
        matches, runs after the wait. Otherwise (small runs, one language, one worker, no WAL) the
        stage runs here and now, before the write transaction."""
        if not self.enabled:
            return dict
        self._t_start = time.perf_counter()
        self._cpu_start = _cpu()
        self._read_languages()
        if not self._two_languages():
            self.run.timings["xlang_keys"] = round(time.perf_counter() - self._t_start, 3)
            return dict
        from syndtrack.clustering.workers import worker_count

        # Without WAL the child's reads and the write would lock each other out (a spilled
        # write cache needs an exclusive lock, held until the commit that waits for the child).
        if len(self.run.dirty) >= CONCURRENT_MIN and worker_count() >= 2 and getattr(self.run, "path", None) \
                and self.conn.execute("pragma journal_mode").fetchone()[0].lower() == "wal" and self._fork(matches):
            return self._adopt
        found = self.find(matches)
        return lambda: found

    def _fork(self, matches: dict) -> bool:
        """Start :func:`_find_forked` in a child process; False when no fork can be had."""
        from syndtrack.clustering.workers import fork_friendly

        try:
            ctx = multiprocessing.get_context("fork")
            receive, send = ctx.Pipe(duplex=False)
            child = ctx.Process(target=_find_forked, args=(self, matches, send), name="syndtrack-xlang", daemon=False)
            with fork_friendly():
                child.start()
        except (ValueError, OSError) as exc:  # no fork on this platform, or no process to be had
            log.info("cross-language stage in this process (%s)", exc)
            return False
        send.close()
        self._child = (child, receive)
        return True

    def _adopt(self) -> dict[tuple[int, int], Match]:
        """Wait for the forked stage (:meth:`start`) and take over its state, as if :meth:`find` ran here."""
        while not self._done_keying and not self._child[1].closed:
            self._receive()  # the keys, when write_keys did not read them
        self._receive()
        return self.found

    def _receive(self) -> None:
        """Take the forked stage's next message (its keys, then the rest) into this object's state."""
        child, receive = self._child
        if receive.closed:
            return
        try:
            try:
                status, payload = receive.recv()
            except EOFError:
                child.join()
                raise RuntimeError(f"the cross-language stage's process ended without a result (exit code {child.exitcode})") from None
            if status not in ("keys", "part"):
                child.join()
        except BaseException:
            receive.close()
            if child.is_alive():  # interrupted while waiting: it has no one to report to
                child.terminate()
                child.join()
            raise
        if status == "error":
            receive.close()
            exc, trace = payload
            log.error("the cross-language stage failed in its process:\n%s", trace)
            raise exc
        if status == "ok":
            receive.close()
        if status == "part":
            self._parts.append(payload)
            return
        for name, value in payload.items():
            if name == "timings":
                self.run.timings.update(value)
            else:
                setattr(self, name, value)

    def abandon(self) -> None:
        """Stop a forked stage whose run failed before it waited for it (it would compute, then
        block on a pipe nobody reads, and hold up the exit of this process, which joins it)."""
        if self._child is not None:
            child, receive = self._child
            receive.close()
            if child.is_alive():
                child.terminate()
            child.join()

    def _state(self, names: tuple[str, ...]) -> dict:
        """What :meth:`write_keys`, :meth:`write` and the assembly read of this stage, for :func:`_find_forked`."""
        timings = {k: v for k, v in self.run.timings.items() if k.startswith("xlang_")}
        timings["xlang_forked"] = round(time.perf_counter() - self._t_start, 3)
        return {"timings": timings, **{k: getattr(self, k) for k in names}}

    def _read_languages(self) -> None:
        dirty = sorted(self.run.dirty)
        # Languages first (read by the scan: one regex scan of each article's head): keying costs about as
        # much as the rest of clustering, so nothing is keyed while the database holds one
        # bridged language only (an English-only database pays ~0.2 s per 20k articles,
        # not +140 %). When a second language arrives, the articles stored unkeyed are
        # keyed then, once (keys IS NULL in dedupe_xlang).
        # Read while scanning (stage_index); the others (none in a plain run) from their heads.
        unread = []
        for aid in dirty:
            lang = self.run.dirty[aid].lang
            if lang == "":
                unread.append(aid)
            else:
                self.langs[aid] = lang
        for chunk in chunks(unread):
            marks = ",".join("?" * len(chunk))
            for aid, head in self.conn.execute(
                    f"select id, substr(text, 1, 2000) from articles where id in ({marks})", chunk):
                self.langs[aid] = language(head or "")
        self.run.timings["xlang_lang"] = round(time.perf_counter() - self._t_start, 3)

    def find(self, matches: dict) -> dict[tuple[int, int], Match]:
        """Stages 1-3 of the module docstring, after :meth:`start` read the languages."""
        from syndtrack.clustering.workers import Workers

        dirty = sorted(self.run.dirty)
        # A dirty article that mostly reuses an earlier article's text (a same-language match
        # of this run) is not keyed: a translation of it is a translation of that article, is
        # matched with it and joins its cluster, where the copy is.
        self.copies = self._copies(matches)
        to_key = [a for a in dirty if self._bridged(self.langs.get(a)) and a not in self.copies]
        if not self.run.full:
            waiting = {a for (a,) in self.conn.execute(
                "select article_id from dedupe_xlang where keys is null and lang in ('en', 'zh')")} - set(dirty)
            self.backfilled = waiting
            to_key += sorted(waiting)
        self.keyed = set(to_key)
        preload_keys()  # the keying tables (cached arrays), loaded once here, shared by the forked workers
        self.run.timings["xlang_load"] = round(time.perf_counter() - self._t_start, 3)
        # Forked beside the index write (start), the stage keys in its own process: the write
        # holds one core, and a pool would put three processes on two cores and warm its
        # caches twice (keys 2.3-2.5 -> 1.9-2.1 CPU s at 20k articles); the verification
        # workers forked later inherit the warm caches.
        with Workers(self.run, 0 if self._forked else len(to_key)) as pool:
            tasks = [to_key[i : i + KEY_TASK] for i in range(0, len(to_key), KEY_TASK)]
            parts = []
            for aids, langs, part in pool.imap(_key_ids, tasks):
                for aid, lang in zip(aids, langs):
                    if aid in self.backfilled:
                        self.backfill_langs[aid] = lang
                    else:
                        self.langs[aid] = lang
                parts.append(part)
                self._key_part(part)
            self.keys = _Keys.joined(parts)
        self._keys_done()
        t0 = time.perf_counter()
        self.run.timings["xlang_keys"] = round(t0 - self._t_start, 3)
        cpu_keys = _cpu()
        self.run.timings["xlang_keys_cpu"] = round(cpu_keys - self._cpu_start, 3)
        # A run may key nothing and still have copies to align with their original's stored
        # translations (_propagate): an English copy of a stored translated article, alone.
        pairs = self._candidates() if self.keys else []
        self.candidates = len(pairs)
        t1 = time.perf_counter()
        self.run.timings["xlang_candidates"] = round(t1 - t0, 3)
        cpu_verify = _cpu()
        self.found = self._verify(pairs, matches)
        t2 = time.perf_counter()
        self.found.update(self._propagate(self.found, matches))
        self.run.timings["xlang_propagate"] = round(time.perf_counter() - t2, 3)
        self.run.timings["xlang_verify"] = round(time.perf_counter() - t1, 3)
        # CPU seconds of the stage (this process and its workers): the machine may be shared.
        self.run.timings["xlang_verify_cpu"] = round(_cpu() - cpu_verify, 3)
        self.run.timings["xlang_cpu"] = round(_cpu() - self._cpu_start, 3)
        return self.found

    def _copies(self, matches: dict) -> set[int]:
        """Dirty articles of which a same-language match covers :data:`COPY_COVER` in the
        same words (a score of PARAPHRASE_SCORE or more) and whose partner comes first
        (earlier published; unknown dates last; then the smaller id): each chain of them ends
        at an article that is keyed. Sets ``copy_of`` (copy -> those partners)."""
        self._when(x for p in matches for x in p)
        when = self.when
        dirty = self.run.dirty
        self.copy_of: dict[int, set[int]] = {}
        for (a, b), m in matches.items():
            if a not in when or b not in when:
                continue
            if m.score < PARAPHRASE_SCORE:
                continue  # reworded (another translation, a rewrite): other words, keyed itself
            for x, y, cover in ((a, b, m.coverage_a), (b, a, m.coverage_b)):
                if x in dirty and cover >= COPY_COVER and when[y] < when[x]:
                    self.copy_of.setdefault(x, set()).add(y)
        return set(self.copy_of)

    def _when(self, ids) -> None:
        """Origin order of these articles (published time, unknown last, then id) into ``self.when``."""
        ids = sorted(set(ids) - self.when.keys())
        for chunk in chunks(ids):
            marks = ",".join("?" * len(chunk))
            for aid, published in self.conn.execute(f"select id, published from articles where id in ({marks})", chunk):
                t = _ts(published)
                self.when[aid] = (float("inf") if t is None else t, aid)

    def _propagate(self, found: dict, matches: dict) -> dict[tuple[int, int], Match]:
        """The copies left unkeyed, verified against their original's translations.

        Cluster assembly joins an article to an origin it matches itself, so a copy of a
        translated article needs its own match with the origin's translation (its match with
        the translated article, a member, is kept but joins it to no origin). Those pairs are aligned
        here: from each translated pair (Y, T), every copy of Y (this run's, and the stored
        articles whose stored same-language match shows them a copy of Y), and their copies in
        turn, against T. And a dirty copy of a stored Y against Y's stored translations."""
        gone = set(self.run.dirty) | set(self.run.removed)
        copies_of: dict[int, set[int]] = {}
        for x, ys in self.copy_of.items():
            for y in ys:
                copies_of.setdefault(y, set()).add(x)
        level = {(y, t) for a, b in found for y, t in ((a, b), (b, a))}
        stored_y = sorted({y for ys in self.copy_of.values() for y in ys} - gone)
        for chunk in chunks(stored_y, 400):
            marks = ",".join("?" * len(chunk))
            for a, b in self.conn.execute(f"select a_id, b_id from matches where kind = 'translated' and "
                                          f"(a_id in ({marks}) or b_id in ({marks}))", chunk + chunk):
                if a not in gone and b not in gone:
                    level |= {(a, b), (b, a)}
        seen = set(found) | set(matches)
        out: dict[tuple[int, int], Match] = {}
        while level:
            ys = sorted({y for y, _ in level} - gone)
            # Stored copies of these (their stored match with y: y first, covering the copy).
            rows = []
            for chunk in chunks(ys, 400):
                marks = ",".join("?" * len(chunk))
                rows += self.conn.execute(f"select a_id, b_id, coverage_a, coverage_b from matches where kind is null and "
                                          f"score >= ? and (a_id in ({marks}) or b_id in ({marks}))",
                                          [PARAPHRASE_SCORE] + chunk + chunk).fetchall()
            self._when(x for r in rows for x in r[:2])
            for a, b, ca, cb in rows:
                for x, y, cover in ((a, b, ca), (b, a, cb)):
                    if x not in gone and y in self.when and x in self.when and (cover or 0) >= COPY_COVER \
                            and self.when[y] < self.when[x]:
                        copies_of.setdefault(y, set()).add(x)
            todo = []
            for y, t in level:
                for x in copies_of.get(y, ()):
                    p = (min(x, t), max(x, t))
                    if x != t and p not in seen:
                        seen.add(p)
                        todo.append((x, t))
            if todo:
                out.update(self._verify([(min(x, t), max(x, t)) for x, t in todo], matches))
            level = set(todo)  # and the copies of those copies
        return out

    def _two_languages(self) -> bool:
        """Whether the dirty articles and (incrementally) the stored ones hold two bridged languages."""
        mine = {lang for lang in self.langs.values() if self._bridged(lang)}
        if len(mine) > 1:
            return True
        if not mine or self.run.full:
            return False
        (lang,) = mine
        row = self.conn.execute("select 1 from dedupe_xlang where lang != ? and lang in ('en', 'zh') limit 1",
                                (lang,)).fetchone()
        return row is not None

    def _candidates(self) -> list[tuple[int, int]]:
        gone = set(self.run.dirty) | set(self.run.removed)
        keys = self.keys
        lang_of = {**self.langs, **self.backfill_langs}
        if not self.run.full:
            old_rows = []
            old_ids = set()
            for chunk in chunks(np.unique(keys.hash).tolist(), 500):
                marks = ",".join("?" * len(chunk))
                for k, aid, w in self.conn.execute(
                        f"select key, article_id, weight from dedupe_xkeys where key in ({marks})", chunk):
                    if aid not in gone:
                        old_rows.append((k, aid, w))
                        old_ids.add(aid)
            for chunk in chunks(sorted(old_ids)):
                marks = ",".join("?" * len(chunk))
                lang_of.update(self.conn.execute(f"select article_id, lang from dedupe_xlang where article_id in ({marks})", chunk))
            if old_rows:
                k, a, w = zip(*old_rows)
                keys = _Keys(np.r_[keys.hash, np.array(k, dtype=np.int64)], np.r_[keys.aid, np.array(a, dtype=np.int64)],
                             np.r_[keys.weight, np.array(w, dtype=np.float64)])
        return _best_pairs(keys, lang_of, self.keys.articles())

    def _verify(self, pairs: list[tuple[int, int]], matches: dict) -> dict[tuple[int, int], Match]:
        pairs = [p for p in pairs if p not in matches]
        if not pairs:
            return {}
        from syndtrack.clustering.workers import Workers

        # The backend (the dictionaries, cached arrays) is loaded here first and shared by the
        # forked workers.
        self.backend  # noqa: B018
        lang_of = {**self.langs, **self.backfill_langs}
        found: dict[tuple[int, int], Match] = {}
        with Workers(self.run, len(pairs), min_size=VERIFY_PARALLEL_MIN) as pool:
            cost = self._text_lengths({x for p in pairs for x in p}) if pool.n > 1 else {}
            for part in pool.imap(_verify_pairs, _verify_tasks(pairs, lang_of, pool.n, cost)):
                found.update(part)
        return found

    def _text_lengths(self, ids) -> dict[int, int]:
        out = {}
        for chunk in chunks(sorted(ids)):
            marks = ",".join("?" * len(chunk))
            out.update(self.conn.execute(f"select id, min(length(text), {VERIFY_TEXT}) from articles where id in ({marks})", chunk))
        return out

    def verify_pairs(self, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], Match]:
        """Align these candidate pairs (in a worker, or here for a small run)."""
        ids = sorted({x for p in pairs for x in p})
        info = {}
        for chunk in chunks(ids):
            marks = ",".join("?" * len(chunk))
            # run.conn, not self.conn: a forked worker has opened its own.
            for aid, text, published in self.run.conn.execute(
                    f"select id, substr(text, 1, {VERIFY_TEXT}), published from articles where id in ({marks})", chunk):
                info[aid] = (text or "", _ts(published))
        lang_of = {**self.langs, **self.backfill_langs}
        # A first look at each pair (dedupe.xlang.PRE_MIN) spares segmenting and aligning most
        # of those that only shared a few keys; the English bags are kept like the features.
        bags: dict[int, object] = {}
        for x in ids:
            if x in info:
                bags[x] = self._bags.get(x) or word_bag(info[x][0], lang_of.get(x) or language(info[x][0]))
                if lang_of.get(x) == "en" and len(self._bags) < KEEP_FEATURES:
                    self._bags[x] = bags[x]
        # English features are kept across this worker's tasks (an English article is a
        # candidate of several Chinese ones, in other tasks); a task's own are dropped after it.
        kept = self._features
        feats: dict[int, object] = {}
        found = {}
        for a, b in pairs:
            if a not in info or b not in info:
                continue
            ta, pa = info[a]
            tb, pb = info[b]
            if pa is not None and pb is not None and abs(pa - pb) > MAX_LAG:
                continue
            la = lang_of.get(a) or language(ta)
            lb = lang_of.get(b) or language(tb)
            if la == lb or not (self._bridged(la) and self._bridged(lb)):
                continue
            if bag_overlap(bags[a], bags[b]) < PRE_MIN:
                continue
            for x, tx, lx in ((a, ta, la), (b, tb, lb)):
                if x not in feats:
                    feats[x] = kept.get(x) or features(tx, lx, self.backend)
                    if lx == "en" and len(kept) < KEEP_FEATURES:
                        kept[x] = feats[x]
            m = align_translation(ta, la, tb, lb, self.backend, fa=feats[a], fb=feats[b])
            if m is not None:
                found[(a, b)] = m
        return found

    # -- 4: write (inside the run's transaction, after the clusters are assembled) ---------------

    def write_keys(self) -> None:
        """The keys and languages, inside the run's transaction once the index is written. A forked
        stage sends its key rows a batch at a time as it computes them (:func:`_find_forked`),
        then the rest of what is written here: the rows that came while the index was written,
        then each as it comes, go in while the stage is still keying."""
        if not self.enabled:
            return
        waited = 0.0
        self._clear_keys()
        if self._child is None:
            self._insert_keys(self.keys)
        else:
            written = 0
            while True:
                t = time.perf_counter()
                self._receive()
                waited += time.perf_counter() - t
                for part in self._parts[written:]:
                    self._insert_keys(_Keys(*part))
                written = len(self._parts)
                if self._done_keying or self._child[1].closed:
                    break
            self.keys = _Keys.joined(self._parts)
            self._parts = []
        self._write_languages()
        self.run.timings["xlang_keys_wait"] = round(waited, 3)

    def _clear_keys(self) -> None:
        """The dirty and removed articles' old keys out (all of them in a full run)."""
        conn = self.conn
        if self.run.full:
            conn.execute("delete from dedupe_xkeys")
            conn.execute("delete from dedupe_xlang")
            return
        for chunk in chunks(sorted(set(self.run.dirty) | set(self.run.removed))):
            marks = ",".join("?" * len(chunk))
            old = []
            for aid, blob in conn.execute(f"select article_id, keys from dedupe_xlang where article_id in ({marks})", chunk):
                if blob:
                    old.extend((int(k), aid) for k in np.frombuffer(blob, dtype=np.int64).tolist())
            conn.executemany("delete from dedupe_xkeys where key = ? and article_id = ?", old)
            conn.execute(f"delete from dedupe_xlang where article_id in ({marks})", chunk)

    def _insert_keys(self, k: "_Keys") -> None:
        order = np.lexsort((k.aid, k.hash))  # in key order, as the table is
        self.conn.executemany("insert or ignore into dedupe_xkeys (key, article_id, weight) values (?, ?, ?)",
                              zip(k.hash[order].tolist(), k.aid[order].tolist(), k.weight[order].tolist()))

    def _write_languages(self) -> None:
        """Each article's language and its keys as a blob (``dedupe_xlang``), once all are keyed."""
        conn = self.conn
        blobs = self.keys.blobs()
        empty = np.array([], dtype=np.int64).tobytes()
        conn.executemany("update dedupe_xlang set keys = ? where article_id = ?",
                         ((blobs.get(a, empty), a) for a in self.backfilled))
        conn.executemany(
            "insert into dedupe_xlang (article_id, lang, keys) values (?, ?, ?)",
            # keys NULL: not keyed yet (one language so far), waiting for a second one; a copy
            # left unkeyed (find) waits for nothing.
            ((a, l, blobs.get(a, empty) if a in self.keyed or a in self.copies else None) for a, l in self.langs.items() if l),
        )

    def write(self, now: str) -> None:
        """The translated matches and members, inside the run's transaction after the clusters are assembled."""
        if not self.enabled:
            return
        conn = self.conn
        conn.executemany("update matches set kind = 'translated' where a_id = ? and b_id = ?", list(self.found))
        # A member in another language than its origin is a translated copy, however it got
        # there (matched the origin directly, or a translation of a copy of it).
        conn.execute(
            "update cluster_members set relation = 'translated' where relation != 'origin' and cluster_id in "
            "(select id from clusters where updated = ?) and exists ("
            " select 1 from clusters c join dedupe_xlang lo on lo.article_id = c.origin_id"
            " join dedupe_xlang lm on lm.article_id = cluster_members.article_id"
            " where c.id = cluster_members.cluster_id and lo.lang != lm.lang)",
            (now,),
        )


KEY_TASK = 500  # articles keyed per worker task
# Share of an article a same-language match with an earlier one must cover for it to be left
# unkeyed (a copy or an excerpt of that one, not a longer text built around it).
COPY_COVER = 0.8
VERIFY_TASK = 40  # candidate pairs per worker task (more when a group of one article's pairs is longer)
PAIR_COST = 600  # a pair's share of a task's cost, in characters of text read into features
KEEP_FEATURES = 20_000  # English articles' features kept per worker (~20 kB each)
VERIFY_PARALLEL_MIN = 200  # pairs from which verification is spread over the workers
CONCURRENT_MIN = 2000  # dirty articles from which the stage runs beside the index write (start)


def _verify_tasks(pairs: list[tuple[int, int]], lang_of: dict, workers: int,
                  text_len: dict[int, int]) -> list[list[tuple[int, int]]]:
    """The pairs in tasks: each non-English article's pairs in one task, so that its segmentation
    (the costly part) is done once; with several workers, one task each, cut in the pair
    graph's breadth-first order, so that an English article's features and bag are mostly
    computed by one worker, not by each (alternating small tasks had 2 of 5 English articles
    of the 20k speed corpus in both workers, this cut 1 in 20). The tasks are of about equal
    cost: the length of each text they read and :data:`PAIR_COST` a pair."""
    rank = _graph_order(pairs, lang_of)
    pairs = sorted(pairs, key=lambda p: (rank[_glossed(p, lang_of)], p))
    if workers == 1:
        cost, size = [1.0] * len(pairs), VERIFY_TASK
    else:
        cost, seen = [], set()
        for p in pairs:
            # Each text's length the first time it comes (its features), and a share per pair.
            cost.append(PAIR_COST + sum(text_len.get(x, 0) for x in p if x not in seen))
            seen.update(p)
        size = sum(cost) / workers
    tasks, task, spent = [], [], 0.0
    for i, p in enumerate(pairs):
        task.append(p)
        spent += cost[i]
        if spent >= size and (i + 1 == len(pairs) or _glossed(pairs[i + 1], lang_of) != _glossed(p, lang_of)):
            tasks.append(task)
            task, spent = [], 0.0
    if task:
        tasks.append(task)
    return tasks


def _graph_order(pairs: list[tuple[int, int]], lang_of: dict) -> dict[int, int]:
    """The non-English articles of the pairs in breadth-first order over the pairs (each
    connected group from its smallest id): neighbours in it share English partners."""
    adj: dict[int, list[int]] = {}
    for a, b in pairs:
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, []).append(a)
    rank: dict[int, int] = {}
    seen: set[int] = set()
    for start in sorted({_glossed(p, lang_of) for p in pairs}):
        if start in seen:
            continue
        seen.add(start)
        queue = deque([start])
        while queue:
            x = queue.popleft()
            if lang_of.get(x) != "en":
                rank[x] = len(rank)
            for y in sorted(adj[x]):
                if y not in seen:
                    seen.add(y)
                    queue.append(y)
    return rank


def _glossed(pair: tuple[int, int], lang_of: dict) -> int:
    """The pair's article that is not English: the one whose segmentation costs."""
    return pair[1] if lang_of.get(pair[0]) == "en" else pair[0]


def _find_forked(stage: XlangStage, matches: dict, send) -> None:
    """:meth:`XlangStage.find` in the process :meth:`XlangStage.start` forked: its own connection
    (a forked child never uses its parent's), its own workers; its key rows sent back a batch
    at a time while it keys (the parent writes them once its index is written), then the rest
    of its state."""
    outbox = _Outbox(send)
    try:
        stage._cpu_start = _cpu()
        stage._forked = True
        stage.run.conn = stage.conn = sqlite3.connect(stage.run.path)
        stage._key_part = lambda part: outbox.put(("part", part))

        def keys_done() -> None:
            stage._done_keying = True
            outbox.put(("keys", stage._state(_KEYS_STATE)))
            outbox.close()  # sent: no thread is left when the verification forks its workers

        stage._keys_done = keys_done
        stage.find(matches)
        outbox.close()  # (a run with nothing to key)
        send.send(("ok", stage._state(_FOUND_STATE)))
    except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent, which raises it
        trace = traceback.format_exc()
        outbox.close()
        try:
            send.send(("error", (exc, trace)))
        except Exception:  # an exception that does not pickle
            send.send(("error", (RuntimeError(f"{type(exc).__name__}: {exc}"), trace)))
    finally:
        send.close()


class _Outbox:
    """Messages to the parent, sent by a thread: the parent reads the key rows only once its
    index is written, and keying must not wait for it meanwhile. :meth:`close` returns once
    all are sent."""

    def __init__(self, send) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, args=(send,), name="syndtrack-xlang-send", daemon=True)
        self._thread.start()

    def _run(self, send) -> None:
        while (message := self._queue.get()) is not None:
            try:
                send.send(message)
            except (OSError, ValueError):  # the parent stopped reading (its run failed): it ends this process
                return

    def put(self, message: tuple) -> None:
        self._queue.put(message)

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


_KEYS_STATE = ("langs", "backfilled", "backfill_langs", "keyed", "copies", "_done_keying")  # what write_keys reads (the rows came as parts)
_FOUND_STATE = ("found", "candidates")


def _verify_pairs(run, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], Match]:
    return run.xlang.verify_pairs(pairs)


def _key_ids(run, ids: list[int]) -> list[tuple[int, str | None, list]]:
    """Language and keys of these articles, read by the worker itself (a forked child
    opens its own connection; see syndtrack.clustering.workers)."""
    known = run.xlang.langs  # the dirty articles' languages, read before the workers were forked
    marks = ",".join("?" * len(ids))
    aids, langs, heads = [], [], []
    for aid, head in run.conn.execute(f"select id, substr(text, 1, {KEY_TEXT + DATELINE_REACH}) from articles where id in ({marks})", ids):
        aids.append(aid)
        langs.append(known[aid] if aid in known else language(head or ""))
        heads.append(head or "")
    parts = []
    for lang in ("en", "zh"):  # each language's articles in one batch, keyed in numpy
        mine = [i for i, x in enumerate(langs) if x == lang]
        which, hashes, weights = keys_arrays([heads[i] for i in mine], lang)
        # Arrays, not lists of tuples: they cross the process boundary and go to numpy anyway.
        parts.append((hashes, np.array([aids[i] for i in mine], dtype=np.int64)[which], weights))
    return aids, langs, tuple(np.concatenate([p[i] for p in parts]) for i in range(3))


class _Keys:
    """Rows (key hash, article, weight) of the articles keyed in a run, as three arrays."""

    def __init__(self, hash=None, aid=None, weight=None) -> None:  # noqa: A002 - the column's name
        self.hash = np.zeros(0, dtype=np.int64) if hash is None else hash
        self.aid = np.zeros(0, dtype=np.int64) if aid is None else aid
        self.weight = np.zeros(0, dtype=np.float64) if weight is None else weight

    @classmethod
    def joined(cls, parts: list[tuple]) -> "_Keys":
        """The rows of several batches ((hash, aid, weight) arrays each), in their order."""
        return cls(*(np.concatenate([p[i] for p in parts]) for i in range(3))) if parts else cls()

    def __len__(self) -> int:
        return len(self.hash)

    def articles(self) -> set[int]:
        return set(np.unique(self.aid).tolist())

    def blobs(self) -> dict[int, bytes]:
        """Each article's key hashes as the int64 blob dedupe_xlang.keys stores."""
        order = np.argsort(self.aid, kind="stable")
        aid, hashes = self.aid[order], self.hash[order]
        starts = np.flatnonzero(np.r_[True, aid[1:] != aid[:-1]]) if len(aid) else np.zeros(0, dtype=np.int64)
        ends = np.r_[starts[1:], len(aid)]
        return {int(aid[s]): hashes[s:e].tobytes() for s, e in zip(starts.tolist(), ends.tolist())}


def _best_pairs(rows: _Keys, lang_of: dict, dirty: set[int]) -> list[tuple[int, int]]:
    """The pairs to verify: English x other-language articles sharing keys of at least
    :data:`MIN_KEY_SCORE` weight, at least one of them dirty, each dirty article's
    :data:`MAX_PARTNERS` best.

    In numpy: the same sums as a loop over each key's postings, which took a second for
    20,000 articles. A key's weight is the same in every article that holds it."""
    if not len(rows):
        return []
    # Keys held by 2 to STOP articles link them; the others link nothing.
    order = np.argsort(rows.hash, kind="stable")
    key, aid, weight = rows.hash[order], rows.aid[order], rows.weight[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    linking = np.repeat((sizes >= 2) & (sizes <= STOP), sizes)
    key, aid, weight = key[linking], aid[linking], weight[linking]
    if not len(key):
        return []
    codes = {"en": 0, None: 2}
    lang = np.array([codes.get(lang_of.get(a), 1) for a in aid.tolist()], dtype=np.int8)
    known = lang < 2
    key, aid, weight, lang = key[known], aid[known], weight[known], lang[known]
    # Per key, its English postings against its other-language ones.
    order = np.lexsort((lang, key))
    key, aid, weight, lang = key[order], aid[order], weight[order], lang[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    n_en = np.add.reduceat((lang == 0).astype(np.int64), starts)
    group = np.repeat(np.arange(len(starts)), sizes)
    is_en = lang == 0
    other_start = (starts + n_en)[group]  # where each posting's key's other-language block starts
    n_other = (sizes - n_en)[group]
    reps = np.where(is_en, n_other, 0)
    total = int(reps.sum())
    if not total:
        return []
    a = np.repeat(aid, reps)
    w = np.repeat(weight, reps)
    offsets = np.repeat(np.cumsum(reps) - reps, reps)
    b = aid[np.repeat(other_start, reps) + (np.arange(total) - offsets)]
    top_id = int(aid.max())
    is_dirty = np.zeros(top_id + 1, dtype=bool)
    is_dirty[[x for x in dirty if x <= top_id]] = True
    touched = is_dirty[a] | is_dirty[b]
    a, b, w = a[touched], b[touched], w[touched]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pair, inverse = np.unique(lo << 32 | hi, return_inverse=True)
    score = np.bincount(inverse, weights=w)
    good = score >= MIN_KEY_SCORE
    lo, hi, score = pair[good] >> 32, pair[good] & 0xFFFFFFFF, score[good]
    # Each dirty article's best partners (ties: the larger id first, as a sort of (score, id) would).
    art = np.r_[lo, hi]
    other = np.r_[hi, lo]
    sc = np.r_[score, score]
    mine = is_dirty[art]
    art, other, sc = art[mine], other[mine], sc[mine]
    order = np.lexsort((-other, -sc, art))
    art, other = art[order], other[order]
    first = np.flatnonzero(np.r_[True, art[1:] != art[:-1]])
    rank = np.arange(len(art)) - np.repeat(first, np.diff(np.r_[first, len(art)]))
    top = rank < MAX_PARTNERS
    kept = {(int(x), int(y)) if x < y else (int(y), int(x)) for x, y in zip(art[top], other[top])}
    return sorted(kept)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the pools' workers, once joined)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _ts(value: str | None) -> float | None:
    return timestamp(value)

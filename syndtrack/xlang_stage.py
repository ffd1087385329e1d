"""The cross-language stage of ``syndtrack cluster``: translated copies.

The database side of :mod:`dedupe.xlang`, kept apart from
:mod:`syndtrack.clustering`, which calls it from two places: :meth:`XlangStage.find`
after the same-language verification (its matches join the run's matches, so
cluster assembly and stories treat them like any other), and
:meth:`XlangStage.write` inside the run's write transaction, after the clusters
are assembled.

1. Every dirty article gets a language (``dedupe.xlang.language``: the script of
   its text) and, when a backend bridges that language to English (English
   itself included), at most ~34 language-neutral keys, stored in
   ``dedupe_xkeys`` (key hash, article, weight).
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
import os
import time
from collections import defaultdict

import numpy as np

from dedupe.align import Match
from syndtrack.store.dates import timestamp
from dedupe.xlang import KEY_TEXT, _gloss_df, _name_idf, align_translation, article_keys, default_backend, features, language

log = logging.getLogger(__name__)

VERSION = 1  # part of clustering.PARAMS: a change rebuilds the index once
STOP = 150  # articles holding one key, beyond which it links nothing
MIN_KEY_SCORE = 7.0  # shared key weight for a pair to be verified (real translations from 7.8 up; verification is the gate)
MAX_PARTNERS = 5  # best-scoring partners per dirty article that are verified
MAX_LAG = 30 * 86400.0  # seconds between published times (when both are known) for a pair to be compared
VERIFY_TEXT = 60_000  # characters of each text aligned


def _chunks(items, size=500):
    for i in range(0, len(items), size):
        yield items[i : i + size]


class XlangStage:
    def __init__(self, run) -> None:
        self.run = run
        self.conn = run.conn
        self._backend = None
        self.langs: dict[int, str | None] = {}
        self.keys: dict[int, list[tuple[int, float]]] = {}
        self.found: dict[tuple[int, int], Match] = {}
        self.backfilled: set[int] = set()  # stored articles keyed late, when a second language arrived
        self.backfill_langs: dict[int, str | None] = {}
        self.keyed: set[int] = set()  # keyed this run (an empty key list included): not waiting any more
        self.candidates = 0
        # SYNDTRACK_XLANG=0 turns the stage off (measurements; a database known to be one language).
        self.enabled = os.environ.get("SYNDTRACK_XLANG", "1") != "0"

    @property
    def backend(self):
        if self._backend is None:
            self._backend = default_backend()  # ~2 s to load: only when an article needs it
        return self._backend

    def _bridged(self, lang: str | None) -> bool:
        # The languages the default backend bridges (English is the pivot).
        return lang == "en" or lang == "zh"

    # -- 1-3: find --------------------------------------------------------------------------

    def find(self, matches: dict) -> dict[tuple[int, int], Match]:
        if not self.enabled:
            return {}
        from syndtrack.clustering.workers import Workers

        self._t_start = time.perf_counter()
        dirty = sorted(self.run.dirty)
        # Languages first (one regex scan of each article's head): keying costs about as
        # much as the rest of clustering, so nothing is keyed while the database holds one
        # bridged language only (an English-only database pays ~0.2 s per 20k articles,
        # not +140 %). When a second language arrives, the articles stored unkeyed are
        # keyed then, once (keys IS NULL in dedupe_xlang).
        for chunk in _chunks(dirty):
            marks = ",".join("?" * len(chunk))
            for aid, head in self.conn.execute(
                    f"select id, substr(text, 1, 2000) from articles where id in ({marks})", chunk):
                self.langs[aid] = language(head or "")
        if not self._two_languages():
            self.run.timings["xlang_keys"] = round(time.perf_counter() - self._t_start, 3)
            return {}
        to_key = [a for a in dirty if self._bridged(self.langs.get(a))]
        if not self.run.full:
            waiting = {a for (a,) in self.conn.execute(
                "select article_id from dedupe_xlang where keys is null and lang in ('en', 'zh')")} - set(dirty)
            self.backfilled = waiting
            to_key += sorted(waiting)
        self.keyed = set(to_key)
        _gloss_df(), _name_idf()  # loaded once here, shared by the forked workers
        with Workers(self.run, len(to_key)) as pool:
            tasks = [to_key[i : i + KEY_TASK] for i in range(0, len(to_key), KEY_TASK)]
            for part in pool.imap(_key_ids, tasks):
                for aid, lang, keys in part:
                    if aid in self.backfilled:
                        self.backfill_langs[aid] = lang
                    else:
                        self.langs[aid] = lang
                    if keys:
                        self.keys[aid] = keys
        t0 = time.perf_counter()
        self.run.timings["xlang_keys"] = round(t0 - self._t_start, 3)
        if not self.keys:
            return {}
        pairs = self._candidates()
        self.candidates = len(pairs)
        t1 = time.perf_counter()
        self.run.timings["xlang_candidates"] = round(t1 - t0, 3)
        self.found = self._verify(pairs, matches)
        self.run.timings["xlang_verify"] = round(time.perf_counter() - t1, 3)
        return self.found

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
        postings: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for aid, ks in self.keys.items():
            for k, w in ks:
                postings[k].append((aid, w))
        lang_of = {**self.langs, **self.backfill_langs}
        if not self.run.full:
            wanted = list(postings)
            old_ids = set()
            for chunk in _chunks(wanted, 500):
                marks = ",".join("?" * len(chunk))
                for k, aid, w in self.conn.execute(
                        f"select key, article_id, weight from dedupe_xkeys where key in ({marks})", chunk):
                    if aid not in gone:
                        postings[k].append((aid, w))
                        old_ids.add(aid)
            for chunk in _chunks(sorted(old_ids)):
                marks = ",".join("?" * len(chunk))
                lang_of.update(self.conn.execute(f"select article_id, lang from dedupe_xlang where article_id in ({marks})", chunk))
        score: dict[tuple[int, int], float] = defaultdict(float)
        dirty = self.keys
        for k, plist in postings.items():
            if len(plist) < 2 or len(plist) > STOP:
                continue
            for i, (x, w) in enumerate(plist):
                if x not in dirty:
                    continue
                lx = lang_of.get(x)
                for y, _ in plist:
                    if y == x or lang_of.get(y) == lx or lang_of.get(y) is None:
                        continue
                    if y in dirty and y < x:
                        continue  # a pair of two dirty articles is counted from its smaller id
                    score[(x, y) if x < y else (y, x)] += w
        best: dict[int, list[tuple[float, int]]] = defaultdict(list)
        for (a, b), s in score.items():
            if s >= MIN_KEY_SCORE:
                best[a].append((s, b))
                best[b].append((s, a))
        keep = set()
        for a, lst in best.items():
            if a not in dirty:
                continue
            lst.sort(reverse=True)
            for s, b in lst[:MAX_PARTNERS]:
                keep.add((a, b) if a < b else (b, a))
        return sorted(keep)

    def _verify(self, pairs: list[tuple[int, int]], matches: dict) -> dict[tuple[int, int], Match]:
        if not pairs:
            return {}
        ids = sorted({x for p in pairs for x in p})
        info = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for aid, text, published in self.conn.execute(
                    f"select id, substr(text, 1, {VERIFY_TEXT}), published from articles where id in ({marks})", chunk):
                info[aid] = (text or "", _ts(published))
        feats: dict[int, object] = {}
        found = {}
        for a, b in pairs:
            if (a, b) in matches or a not in info or b not in info:
                continue
            ta, pa = info[a]
            tb, pb = info[b]
            if pa is not None and pb is not None and abs(pa - pb) > MAX_LAG:
                continue
            la = self.langs.get(a) or language(ta)
            lb = self.langs.get(b) or language(tb)
            if la == lb or not (self._bridged(la) and self._bridged(lb)):
                continue
            if a not in feats:
                feats[a] = features(ta, la, self.backend)
            if b not in feats:
                feats[b] = features(tb, lb, self.backend)
            m = align_translation(ta, la, tb, lb, self.backend, fa=feats[a], fb=feats[b])
            if m is not None:
                found[(a, b)] = m
        return found

    # -- 4: write (inside the run's transaction, after the clusters are assembled) ---------------

    def write(self, now: str) -> None:
        if not self.enabled:
            return
        conn = self.conn
        if self.run.full:
            conn.execute("delete from dedupe_xkeys")
            conn.execute("delete from dedupe_xlang")
        else:
            for chunk in _chunks(sorted(set(self.run.dirty) | set(self.run.removed))):
                marks = ",".join("?" * len(chunk))
                old = []
                for aid, blob in conn.execute(f"select article_id, keys from dedupe_xlang where article_id in ({marks})", chunk):
                    if blob:
                        old.extend((int(k), aid) for k in np.frombuffer(blob, dtype=np.int64).tolist())
                conn.executemany("delete from dedupe_xkeys where key = ? and article_id = ?", old)
                conn.execute(f"delete from dedupe_xlang where article_id in ({marks})", chunk)
        conn.executemany(
            "update dedupe_xlang set keys = ? where article_id = ?",
            ((np.array([k for k, _ in self.keys.get(a, ())], dtype=np.int64).tobytes(), a) for a in self.backfilled),
        )
        conn.executemany(
            "insert into dedupe_xlang (article_id, lang, keys) values (?, ?, ?)",
            # keys NULL: not keyed yet (one language so far), waiting for a second one.
            ((a, l, np.array([k for k, _ in self.keys.get(a, ())], dtype=np.int64).tobytes() if a in self.keyed else None)
             for a, l in self.langs.items() if l),
        )
        rows = sorted((k, a, w) for a, ks in self.keys.items() for k, w in ks)
        conn.executemany("insert or ignore into dedupe_xkeys (key, article_id, weight) values (?, ?, ?)", rows)
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


def _key_ids(run, ids: list[int]) -> list[tuple[int, str | None, list]]:
    """Language and keys of these articles, read by the worker itself (a forked child
    opens its own connection; see syndtrack.clustering.workers)."""
    marks = ",".join("?" * len(ids))
    out = []
    for aid, head in run.conn.execute(f"select id, substr(text, 1, {KEY_TEXT}) from articles where id in ({marks})", ids):
        lang = language(head or "")
        out.append((aid, lang, article_keys(head, lang) if lang in ("en", "zh") else []))
    return out


def _ts(value: str | None) -> float | None:
    return timestamp(value)

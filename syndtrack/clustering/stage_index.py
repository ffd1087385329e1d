"""Stage 1, index: which articles are dirty, their scans and their fingerprints.

In: the run (``run.full``, the ``dedupe_queue`` the triggers of migration m011
fill, ``articles``). Out: ``run.dirty`` (article id -> :class:`Dirty`: outlet,
content hash, scan, fingerprints), ``run.removed`` (indexed articles gone from
``articles``), ``run.queue_seq`` (the queue entries this run consumes) and, in a
full run, the outlets' line counts and boilerplate (``run.line_delta``,
``run.boilerplate``), settled outlet by outlet while scanning
(:func:`syndtrack.clustering.stage_boilerplate.finish_outlet`).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import numpy as np

from dedupe import fingerprint as fp
from dedupe import headlines
from dedupe.normalize import MAX_TEXT, Scan, scan
from dedupe.xlang import language
from syndtrack.store.rows import chunks
from syndtrack.clustering.settings import FINGERPRINT_CHUNK, SCAN_TASK
from syndtrack.clustering.workers import Workers
from syndtrack.headline_stage import HEAD as HEADLINE_HEAD
from syndtrack.xlang_stage import enabled as xlang_enabled


@dataclass
class Dirty:
    outlet: str
    title: str | None
    content_hash: str | None
    scan: Scan
    keys: array = field(default_factory=lambda: array("q"))  # short-line keys before boilerplate was dropped, sorted
    fingerprints: np.ndarray | None = None
    lang: str | None = ""  # dedupe.xlang.language of the text, read while scanning when the stage is on ("": not read)
    headline_keys: list[int] | None = None  # dedupe.headlines.keys, read while scanning (None: not read)


def find_dirty(run) -> list[int]:
    """Ids of the articles to (re)index, sorted; sets ``run.queue_seq``, ``run.removed``
    and, in a full run, ``run.outlet_ends``."""
    # What the triggers of migration m011 queued so far; the write removes exactly
    # these entries, so whatever is written during this run waits for the next.
    run.queue_seq = run.q("select coalesce(max(seq), 0) from dedupe_queue")[0][0]
    if run.full:
        run.removed = []
        # By outlet: an outlet's boilerplate is settled once its last article is
        # scanned, so its skeletons need not wait for every other outlet's (scan_all).
        rows = run.q("select id, coalesce(outlet, '') from articles order by coalesce(outlet, ''), id")
        run.outlet_ends = [n for n in range(1, len(rows) + 1) if n == len(rows) or rows[n][1] != rows[n - 1][1]]
        return [r[0] for r in rows]
    queued = [r[0] for r in run.q("select distinct article_id from dedupe_queue where seq <= ?", (run.queue_seq,))]
    rows, run.removed = [], []
    for chunk in chunks(queued, 500):
        marks = ",".join("?" * len(chunk))
        # Written and then written back, or already indexed: not dirty.
        rows += run.q(
            f"select a.id from articles a left join dedupe_articles d on d.article_id = a.id "
            f"where a.id in ({marks}) and (d.article_id is null or d.content_hash is not a.content_hash)", chunk
        )
        run.removed += [r[0] for r in run.q(
            f"select d.article_id from dedupe_articles d left join articles a on a.id = d.article_id "
            f"where d.article_id in ({marks}) and a.id is null", chunk
        )]
    return sorted(r[0] for r in rows)


def read_articles(run, ids: list[int], columns: str = "id, outlet, title, text, content_hash"):
    """Rows of ``articles``; only what scan() compares of the text, so one giant article cannot take the memory."""
    columns = columns.replace("text", f"substr(text, 1, {MAX_TEXT})")
    for chunk in chunks(ids, 500):
        marks = ",".join("?" * len(chunk))
        yield from run.q(f"select {columns} from articles where id in ({marks})", chunk)


def _scan_rows(rows):
    """Scan a batch of rows and fingerprint what they keep, in the same worker.

    Fingerprinting here spares sending every skeleton back to this process and
    out again. Only an article with short lines can lose text to its outlet's
    boilerplate later (``Scan.without``); it keeps its skeleton and is
    fingerprinted again if it does. The others' fingerprints are final, so their
    skeleton (the bulk of a scan's memory) is dropped at once.
    """
    found = [scan(text or "", title=title) for _, _, title, text, _ in rows]
    # The cross-language stage needs each article's language: read here, from the text in
    # hand, rather than by a second pass over every head (syndtrack/xlang_stage.py).
    langs = [language(text or "") for _, _, _, text, _ in rows] if xlang_enabled() else [""] * len(rows)
    # The headline stage's keys too (syndtrack/headline_stage.py): from the head the
    # stage would read, in the workers rather than after them in this process.
    heads = [headlines.keys(title, (text or "")[:HEADLINE_HEAD]) for _, _, title, text, _ in rows]
    prints = [
        values
        for start in range(0, len(found), FINGERPRINT_CHUNK)
        for values in fp.fingerprint_batch([f.skeleton for f in found[start : start + FINGERPRINT_CHUNK]])
    ]
    out = []
    for (aid, outlet, _, _, chash), f, values, lang, keys in zip(rows, found, prints, langs, heads):
        if not f.short:
            f.skeleton = ""
        out.append((aid, outlet, chash, f, values, lang, keys))
    return out


def _scan_ids(run, ids):
    """A worker task: the worker reads the rows itself (sending every article's text
    through this process and a pipe cost more than scanning it)."""
    return _scan_rows(sorted(read_articles(run, ids)))


def scan_all(run, ids: list[int]) -> None:
    """Scan and fingerprint ``ids`` into ``run.dirty``."""
    from syndtrack.clustering.stage_boilerplate import finish_outlet

    run.dirty = {}
    run.line_delta = {}
    run.boilerplate = {}
    total = len(ids)
    ends = iter(run.outlet_ends if run.full else ())
    end, start = next(ends, None), 0
    with Workers(run, total) as pool:
        n = 0
        for part in pool.imap(_scan_ids, [ids[i : i + SCAN_TASK] for i in range(0, total, SCAN_TASK)]):
            for aid, outlet, chash, found, values, lang, keys in part:
                run.dirty[aid] = Dirty(outlet or "", None, chash, found, fingerprints=values, lang=lang,
                                       headline_keys=keys)
            n += len(part)
            while end is not None and end <= n:
                finish_outlet(run, ids[start:end])
                start, end = end, next(ends, None)
            run.report(n, total, "scan")
    run.report(total, total, "scan")


def _fingerprint_batches(run, batches):
    return fp.fingerprint_batch(batches)


def fingerprint_rest(run) -> None:
    """Fingerprints of the articles the scan did not finish (boilerplate dropped, re-scanned carriers)."""
    ids = [aid for aid, d in run.dirty.items() if d.fingerprints is None]
    for d in run.dirty.values():
        if d.fingerprints is not None:
            d.scan.skeleton = ""  # not needed any more; it is the bulk of the memory
    parts = list(chunks(ids, FINGERPRINT_CHUNK))
    with Workers(run, len(ids)) as pool:
        for group in chunks(parts, 40):
            batches = [[run.dirty[i].scan.skeleton for i in chunk] for chunk in group]
            for chunk, prints in zip(group, pool.map(_fingerprint_batches, batches)):
                for aid, values in zip(chunk, prints):
                    run.dirty[aid].fingerprints = values
                    run.dirty[aid].scan.skeleton = ""  # not needed any more; it is the bulk of the memory

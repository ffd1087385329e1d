"""Stage 2, boilerplate: outlets' recurring lines, counted and left out.

In: ``run.dirty`` (scans with their line keys), ``run.removed`` and the stored
counts (``dedupe_outlet_lines``). Out: ``run.line_delta`` (outlet -> line key ->
change of its count), ``run.boilerplate`` (outlet -> the keys that are its
boilerplate now), ``run.old`` (what the index held for the dirty and removed
articles: outlet, fingerprints, line keys) and the dirty scans without their
outlet's boilerplate (fingerprints reset to None where lines were dropped, for
:func:`syndtrack.clustering.stage_index.fingerprint_rest`). Indexed articles
carrying a line whose status changed become dirty too.
"""

from __future__ import annotations

import sqlite3

import numpy as np

from dedupe import fingerprint as fp
from dedupe.normalize import LONG_LINE, is_long_key, scan
from syndtrack.store.rows import chunks, unblob
from syndtrack.clustering.settings import BOILERPLATE_LONG_MIN, BOILERPLATE_MIN, FINGERPRINT_CHUNK


def boilerplate_min(key: int) -> int:
    return BOILERPLATE_LONG_MIN if is_long_key(key) else BOILERPLATE_MIN


def learned_boilerplate(conn: sqlite3.Connection, outlet: str) -> set[int]:
    """The line keys the stored counts make the outlet's boilerplate (the SQL twin of
    boilerplate_min): what clustering leaves out of the outlet's articles, and what
    ``syndtrack trace`` leaves out of them too, so both compare the same text."""
    # `n >= 4` is the partial index's own condition (migration m012): BOILERPLATE_MIN
    # and BOILERPLATE_LONG_MIN are at least that (tested).
    sql = ("select key from dedupe_outlet_lines indexed by idx_dedupe_outlet_lines_boilerplate "
           "where outlet = ? and n >= 4 and n >= (case when key >= ? then ? else ? end)")
    return {r[0] for r in conn.execute(sql, (outlet, LONG_LINE, BOILERPLATE_LONG_MIN, BOILERPLATE_MIN))}


def outlet_boilerplate(run, outlet: str) -> set[int]:
    """The outlet's boilerplate as this run sees it (learned from the stored counts on first use)."""
    if outlet not in run.boilerplate:
        run.boilerplate[outlet] = learned_boilerplate(run.conn, outlet)
    return run.boilerplate[outlet]


def finish_outlet(run, aids: list[int]) -> None:
    """A full run: all of one outlet's articles are scanned, so its boilerplate is
    known. Drop it from their scans, fingerprint the ones that lost lines, and free
    their skeletons (the bulk of a scan's memory: ~3 KB an article, 3 GB at 1M)."""
    items = [run.dirty[aid] for aid in aids]
    counts: dict[int, int] = {}
    for item in items:
        item.keys = item.scan.keys()
        for k in item.keys:
            counts[k] = counts.get(k, 0) + 1
    outlet = items[0].outlet
    bp = {k for k, c in counts.items() if c >= boilerplate_min(k)}
    run.line_delta[outlet], run.boilerplate[outlet] = counts, bp
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


def old_state(run, ids: list[int]) -> dict[int, tuple[str, bytes, bytes]]:
    """What the index holds for ``ids``: outlet, fingerprints, line keys."""
    out = {}
    for chunk in chunks(ids, 500):
        marks = ",".join("?" * len(chunk))
        for aid, outlet, fps, keys in run.q(
            f"select article_id, outlet, fingerprints, line_keys from dedupe_articles where article_id in ({marks})", chunk
        ):
            out[aid] = (outlet or "", fps, keys)
    return out


def update_boilerplate(run) -> None:
    """Update the outlet line counts; outlets whose boilerplate changed get their articles re-done."""
    from syndtrack.clustering.stage_index import Dirty, read_articles

    if run.full:
        run.old = {}
        return  # done outlet by outlet while scanning (finish_outlet)
    run.old = old_state(run, list(run.dirty) + run.removed)
    delta: dict[str, dict[int, int]] = {}
    for aid, (outlet, _, keys) in run.old.items():
        d = delta.setdefault(outlet, {})
        for k in unblob(keys, np.uint32).tolist():
            d[k] = d.get(k, 0) - 1
    for aid, item in run.dirty.items():
        d = delta.setdefault(item.outlet, {})
        item.keys = item.scan.keys()
        for k in item.keys:
            d[k] = d.get(k, 0) + 1
    run.line_delta = delta
    run.boilerplate = {}
    changed: dict[str, set[int]] = {}
    for outlet, d in delta.items():
        current = _line_counts(run, outlet, list(d))
        bp = learned_boilerplate(run.conn, outlet)
        for k, change in d.items():
            before = current.get(k, 0)
            after = before + change
            need = boilerplate_min(k)
            if (before >= need) != (after >= need):
                changed.setdefault(outlet, set()).add(k)
                if after >= need:
                    bp.add(k)
                else:
                    bp.discard(k)
        run.boilerplate[outlet] = bp
    extra = _carriers(run, changed)
    if extra:
        for aid, outlet, title, text, chash in read_articles(run, extra):
            found = scan(text or "", title=title)
            run.dirty[aid] = Dirty(outlet or "", title, chash, found, found.keys())
        run.old.update(old_state(run, extra))
    for item in run.dirty.values():
        bp = run.boilerplate.get(item.outlet)
        if bp:
            kept = item.scan.without(bp)
            if kept is not item.scan:
                item.scan, item.fingerprints = kept, None  # lines dropped: fingerprint again


def _line_counts(run, outlet: str, keys: list[int]) -> dict[int, int]:
    out = {}
    for chunk in chunks(keys, 500):
        marks = ",".join("?" * len(chunk))
        out.update(run.q(f"select key, n from dedupe_outlet_lines where outlet = ? and key in ({marks})", [outlet, *chunk]))
    return out


def _carriers(run, changed: dict[str, set[int]]) -> list[int]:
    """Indexed articles of each outlet carrying a line whose boilerplate status changed."""
    out = []
    for outlet, keys in changed.items():
        wanted = np.fromiter(keys, dtype=np.uint32)
        for aid, blob in run.q("select article_id, line_keys from dedupe_articles where outlet = ?", (outlet,)):
            if aid not in run.dirty and np.isin(unblob(blob, np.uint32), wanted).any():
                out.append(aid)

    return out

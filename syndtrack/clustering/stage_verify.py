"""Stage 4, verify: align the candidate pairs (:func:`dedupe.align.align`).

In: the candidate pairs ``(a, b, shared)`` and ``run.dirty`` (the dirty
articles' scans; the others are re-scanned from ``articles`` without their
outlet's boilerplate). Out: ``{(a, b): Match}`` for the pairs that align.
"""

from __future__ import annotations

from dedupe.align import align
from dedupe.normalize import scan, units
from syndtrack.clustering.settings import VERIFY_WINDOW
from syndtrack.clustering.stage_boilerplate import outlet_boilerplate
from syndtrack.clustering.stage_index import read_articles
from syndtrack.clustering.workers import Workers


def cleaned(run, ids: set[int]) -> dict:
    """Sentence units of ``ids``: dirty ones from their scan, others re-scanned from ``articles``."""
    out = {}
    for aid, outlet, title, text in read_articles(run, sorted(ids), "id, outlet, title, text"):
        item = run.dirty.get(aid)
        if item is not None:
            found = item.scan
        else:
            found = scan(text or "", title=title, boilerplate=outlet_boilerplate(run, outlet or ""))
        out[aid] = units(text or "", found)
    return out


def _verify_window(run, batch: list[tuple[int, int, int]]) -> dict:
    units_of = cleaned(run, {x for x, _, _ in batch} | {y for _, y, _ in batch})
    found = {}
    for a, b, _ in batch:
        m = align(units_of[a], units_of[b]) if a in units_of and b in units_of else None
        if m is not None:
            found[(a, b)] = m
    return found


def verify(run, pairs: list[tuple[int, int, int]]) -> dict[tuple[int, int], object]:
    matches = {}
    total = len(pairs)
    # Pairs sorted by their first article, units built a window at a time, so
    # memory holds the units of a window's articles rather than the corpus.
    pairs.sort()
    windows = [pairs[start : start + VERIFY_WINDOW] for start in range(0, total, VERIFY_WINDOW)]
    with Workers(run, total) as pool:
        done = 0
        for window, found in zip(windows, pool.imap(_verify_window, windows)):
            matches.update(found)
            done += len(window)
            run.report(done, total, "verify")
    run.report(total, total, "verify")
    return matches

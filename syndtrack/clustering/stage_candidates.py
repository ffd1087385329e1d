"""Stage 3, candidates: the pairs worth aligning, from the fingerprint index.

In: ``run.dirty`` (fingerprints), ``run.removed``, ``run.full`` and the stored
index (:class:`~syndtrack.store.fingerprint_index.FingerprintIndex`). Out: a
list of ``(a, b, shared)`` with ``a < b``: every pair of articles, at least one
of them dirty, sharing at least ``MIN_SHARED_SHARE`` of the smaller one's
fingerprints, or, for two articles of about the same length, ``SPUN_MIN_SHARED``.
"""

from __future__ import annotations

import numpy as np

from dedupe import fingerprint as fp
from syndtrack.clustering.settings import MIN_SHARED_SHARE, SPUN_LENGTH_RATIO, SPUN_MIN_SHARED
from syndtrack.store.fingerprint_index import FingerprintIndex


def candidates(run) -> list[tuple[int, int, int]]:
    dirty_ids = np.fromiter(run.dirty, dtype=np.int64, count=len(run.dirty))
    counts = {aid: len(d.fingerprints) for aid, d in run.dirty.items()}
    hashes = [d.fingerprints for d in run.dirty.values()]
    # Article ids as int32 (they fit): the owner of every posting, tens of millions at 1M.
    owners = [np.repeat(dirty_ids.astype(np.int32), [len(h) for h in hashes])]
    index = FingerprintIndex(run.conn)
    if not run.full and len(dirty_ids):
        h, a = index.postings(np.concatenate(hashes) if hashes else np.empty(0, dtype=np.int64))
        keep = ~np.isin(a, dirty_ids) & ~np.isin(a, np.array(run.removed, dtype=np.int64))
        hashes.append(h[keep])
        owners.append(a[keep].astype(np.int32))
    if not hashes:
        return []
    H = np.concatenate(hashes)
    A = np.concatenate(owners)
    del hashes, owners
    lo, hi, shared = fp.candidate_pairs(H, A, dirty=None if run.full else dirty_ids)
    del H, A
    if len(lo) == 0:
        return []
    counts.update(index.sizes(sorted((set(lo.tolist()) | set(hi.tolist())) - set(counts))))
    known = np.fromiter(counts, dtype=np.int64, count=len(counts))
    size = np.zeros(int(max(known.max(initial=0), lo.max(), hi.max())) + 1, dtype=np.int64)
    size[known] = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
    smaller = np.minimum(size[lo], size[hi])
    # Rounded: a short article (under ~19 fingerprints, ~1,100 characters) needs one shared
    # fingerprint, not two; one already means a shared 32-character shingle, and the
    # Clough & Stevenson answers that reuse a third of a short source share just one.
    keep = shared >= np.round(MIN_SHARED_SHARE * smaller)
    # A whole article reworded word by word (synonym-spun) keeps few 32-letter runs: 3 of
    # 71 fingerprints for a typical heavily spun copy, under the share above. Two texts of
    # about the same length sharing two are worth aligning (a copy keeps the length; the
    # verification decides: dedupe.align's paraphrase chain).
    larger = np.maximum(size[lo], size[hi])
    keep |= (shared >= SPUN_MIN_SHARED) & (smaller >= SPUN_LENGTH_RATIO * larger)
    return list(zip(lo[keep].tolist(), hi[keep].tolist(), shared[keep].tolist()))

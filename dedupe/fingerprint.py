"""Fingerprints and candidate pairs: which articles are worth aligning at all.

A fingerprint is the hash of a K-character shingle of an article's skeleton
(letters and digits of its units, no spaces, so CJK and spaced scripts are
treated alike). We keep only the shingles whose hash is 0 modulo P
("0 mod p" selection, as in passim and Copyfind-style text-reuse tools):
the choice depends on the shingle's content alone, so an excerpt of a third of
an article, or a copy wrapped in a new intro and outro, keeps the fingerprints
of the part it reused. That is what whole-text MinHash Jaccard misses.

Everything is vectorised with numpy over a whole batch of articles (one
polynomial rolling hash over the concatenated skeletons), because a
Python-level loop over tens of millions of shingles would be the bottleneck.

The index is a plain table of ``(hash, article_id)`` postings, shardable by
hash. A candidate pair is two articles that share at least ``MIN_SHARED``
fingerprints. To keep the work linear, an article is paired through one
fingerprint with at most ``MAX_LINKS`` articles that got that fingerprint
before it (smallest ids first: for syndicated copies these are the earliest
carriers, usually the origin), and a fingerprint already held by ``STOP``
articles links nothing more: it is boilerplate or a stock phrase.
"""

from __future__ import annotations

import numpy as np

K = 32  # shingle length, in skeleton characters (about 6 English words, 16-20 Chinese characters)
P = 32  # keep one shingle in P on average
MAX_LINKS = 40
STOP = 400
MIN_SHARED = 2

_BASE = np.uint64(0x100000001B3)
_MASK = np.uint64(P - 1)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads the polynomial hash over all 64 bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _shingle_hashes(codes: np.ndarray, k: int) -> np.ndarray:
    """Polynomial hash of every k-long window of ``codes`` (k a power of two), by doubling."""
    h = codes.astype(np.uint64) + np.uint64(1)
    width, power = 1, _BASE
    with np.errstate(over="ignore"):
        while width < k:
            h = h[:-width] * power + h[width:]
            power = power * power
            width *= 2
    return h


def fingerprint_batch(skeletons: list[str]) -> list[np.ndarray]:
    """The sorted, distinct fingerprints (int64) of each skeleton string."""
    if not skeletons:
        return []
    lens = np.fromiter((len(s) for s in skeletons), dtype=np.int64, count=len(skeletons))
    joined = "".join(skeletons)
    out: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * len(skeletons)
    if len(joined) < K:
        return out
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    with np.errstate(over="ignore"):
        h = _mix(_shingle_hashes(codes, K))
    ends = np.cumsum(lens)
    pos = np.flatnonzero((h & _MASK) == 0)
    doc = np.searchsorted(ends, pos, side="right")
    keep = pos + K <= ends[np.minimum(doc, len(ends) - 1)]
    pos, doc = pos[keep], doc[keep]
    values = h[pos].view(np.int64)
    order = np.lexsort((values, doc))
    values, doc = values[order], doc[order]
    bounds = np.searchsorted(doc, np.arange(len(skeletons) + 1))
    for i in np.flatnonzero(np.diff(bounds)):
        out[i] = np.unique(values[bounds[i] : bounds[i + 1]])
    return out


def candidate_pairs(
    hashes: np.ndarray,
    ids: np.ndarray,
    *,
    dirty: np.ndarray | None = None,
    max_links: int = MAX_LINKS,
    stop: int = STOP,
    min_shared: int = MIN_SHARED,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``(a, b)`` with ``a < b`` that share at least ``min_shared`` linking fingerprints.

    ``hashes``/``ids`` are postings (one row per fingerprint held by an article);
    for an incremental run they are the full posting lists of the fingerprints
    of the ``dirty`` ids (new or changed articles), and only pairs involving a
    dirty id are returned. Returns ``(a, b, shared)`` arrays.
    """
    empty = np.empty(0, dtype=np.int64)
    if len(hashes) == 0:
        return empty, empty, empty
    order = np.lexsort((ids, hashes))
    h, a = hashes[order], ids[order]
    n = len(h)
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = h[1:] != h[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(n), 0))
    rank = np.arange(n) - group_start
    live = np.flatnonzero((rank > 0) & (rank < stop))
    is_dirty = None
    if dirty is not None:
        is_dirty = np.isin(a, dirty)
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    for t in range(max_links):
        live = live[rank[live] > t]
        if len(live) == 0:
            break
        partner = group_start[live] + t
        lo, hi = a[partner], a[live]
        if is_dirty is not None:
            sel = is_dirty[partner] | is_dirty[live]
            lo, hi = lo[sel], hi[sel]
        left.append(lo)
        right.append(hi)
    if not left:
        return empty, empty, empty
    lo = np.concatenate(left)
    hi = np.concatenate(right)
    keys = (lo.astype(np.int64) << 32) | hi.astype(np.int64)
    keys, counts = np.unique(keys, return_counts=True)
    keep = counts >= min_shared
    keys, counts = keys[keep], counts[keep]
    return keys >> 32, keys & 0xFFFFFFFF, counts

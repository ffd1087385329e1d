"""Fingerprints and candidate pairs: which articles are worth aligning at all.

A fingerprint is the hash of a K-character shingle of an article's skeleton
(letters and digits of its units, no spaces, so CJK and spaced scripts are
treated alike), selected by winnowing, as in MOSS and Copyfind-style text-reuse
tools: the choice depends only on the nearby text, so an excerpt of a third of
an article, or a copy wrapped in a new intro and outro, keeps the fingerprints
of the part it reused. That is what whole-text MinHash Jaccard misses.

Everything is vectorised with numpy/scipy over a whole batch of articles (one
polynomial rolling hash and one sliding-window minimum over the concatenated
skeletons), because a Python loop over tens of millions of shingles would be
the bottleneck.

The index is a plain table of ``(hash, article_id)`` postings, shardable by
hash. A candidate pair is two articles that share at least ``MIN_SHARED``
fingerprints (one: winnowing guarantees it means a real overlap; the caller
then asks for a share of the smaller article's fingerprints). To keep the work linear, an article is paired through one
fingerprint with at most ``MAX_LINKS`` articles that got that fingerprint
before it (smallest ids first: for syndicated copies these are the earliest
carriers, usually the origin), and a fingerprint already held by ``STOP``
articles links nothing more: it is boilerplate or a stock phrase.
"""

from __future__ import annotations

import numpy as np

from dedupe.normalize import is_cjk

K = 32  # shingle length, in skeleton characters (about 6 English words, 16-20 Chinese characters)
W = 120  # winnowing window, in shingles: density about 2 / (W + 1), one fingerprint per ~60 characters
# Chinese/Japanese/Korean skeletons get a narrower window: K + W - 1 = 151 characters
# is a whole paragraph of Chinese, and the excerpts Chinese outlets take are often
# shorter; with 48 a shared run of 79 characters (two or three sentences) is guaranteed
# a shared fingerprint. Only CJK articles pay for the denser index.
W_CJK = 48
MAX_LINKS = 40
STOP = 400
MIN_SHARED = 1  # with winnowing one shared fingerprint is already a guaranteed 150-character overlap

_BASE = np.uint64(0x100000001B3)
_INVALID = np.iinfo(np.int64).max


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


def _sliding(values: np.ndarray, w: int, op: np.ufunc, pad) -> np.ndarray:
    """``op`` (minimum or maximum) over every window ``values[j:j+w]``.

    Doubling (a sparse table): after k steps each entry covers 2**k values, and a
    window of w is two overlapping spans of the largest 2**k <= w. That is
    log2(w) + 1 whole-array numpy operations; numpy has no sliding min, and
    scipy.ndimage's filters go through float64, which would round 64-bit hashes.
    """
    n = len(values)
    m = np.concatenate((values, np.full(w, pad, dtype=values.dtype)))
    span = 1
    while span * 2 <= w:
        m = op(m[:-span], m[span:])
        span *= 2
    return op(m[:n], m[w - span : w - span + n])


def fingerprint_batch(skeletons: list[str]) -> list[np.ndarray]:
    """The sorted, distinct fingerprints (int64) of each skeleton string (window W, or
    W_CJK for Chinese/Japanese/Korean text: both texts of a pair get the same one)."""
    cjk = [i for i, s in enumerate(skeletons) if is_cjk(s)]
    if not cjk:
        return _winnow(skeletons, W)
    wide = set(cjk)
    out = _winnow(["" if i in wide else s for i, s in enumerate(skeletons)], W)
    for i, values in zip(cjk, _winnow([skeletons[i] for i in cjk], W_CJK)):
        out[i] = values
    return out


def _winnow(skeletons: list[str], W: int) -> list[np.ndarray]:
    """The sorted, distinct fingerprints (int64) of each skeleton string.

    Winnowing (Schleimer, Wilkerson and Aiken 2003): in every window of ``W``
    consecutive shingle hashes the smallest is kept. Two texts that share any
    run of ``W + K - 1`` characters are guaranteed to share a fingerprint, and
    the choice depends only on the text around it. Articles are laid end to end
    with a gap of ``W`` invalid positions between them, so one pass of a
    sliding minimum does the whole batch and no window spans two articles.
    """
    if not skeletons:
        return []
    gap = "\x00" * W
    lens = np.fromiter((len(s) for s in skeletons), dtype=np.int64, count=len(skeletons))
    starts = np.concatenate(([0], np.cumsum(lens + W)[:-1]))
    ends = starts + lens
    joined = gap.join(skeletons)
    out: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * len(skeletons)
    if len(joined) < K:
        return out
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    # The polynomial hash's order is already well scrambled (every character moves the
    # high bits through the carries), so it is used as is: a mixing pass costs as much as winnowing.
    h = _shingle_hashes(codes, K).view(np.int64)
    n = len(h)
    # Per position: its article, and how far it is from the article's end (np.repeat
    # is much cheaper here than a searchsorted or a gather per position).
    doc = np.repeat(np.arange(len(skeletons)), lens + W)[:n]
    to_end = (np.repeat(ends, lens + W)[:n] - np.arange(n)).astype(np.int32)
    valid = to_end >= K
    h[~valid] = _INVALID
    window_min = _sliding(h, W, np.minimum, _INVALID)
    # Only whole windows count (or the first window of an article shorter than one),
    # so the fingerprints near an article's end do not depend on where it stops.
    whole = to_end >= W + K - 1
    whole[starts[starts < n]] = True
    window_min[~whole] = _INVALID
    # What winnowing keeps are the positions holding some whole window's minimum; as
    # only their values are returned, those are the distinct minima of the whole
    # windows. Neighbouring windows mostly share their minimum, so one value per run
    # of equal minima is kept (no run crosses the W partial windows between articles).
    run_start = np.empty(n, dtype=bool)
    run_start[0] = True
    np.not_equal(window_min[1:], window_min[:-1], out=run_start[1:])
    keep = np.flatnonzero(run_start & (window_min != _INVALID))
    values, owner = window_min[keep], doc[keep]
    order = np.lexsort((values, owner))
    values, owner = values[order], owner[order]
    distinct = np.ones(len(values), dtype=bool)
    distinct[1:] = (values[1:] != values[:-1]) | (owner[1:] != owner[:-1])
    values, owner = values[distinct], owner[distinct]
    bounds = np.searchsorted(owner, np.arange(len(skeletons) + 1))
    for i in np.flatnonzero(np.diff(bounds)):
        out[i] = values[bounds[i] : bounds[i + 1]]
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
    # Memory: at 1M articles there are ~45M postings, so every array here is hundreds of
    # MB. Copies are taken one at a time and positions are int32 where they fit.
    order = np.lexsort((ids, hashes))
    h = hashes[order]
    a = ids[order]
    del order
    n = len(h)
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = h[1:] != h[:-1]
    del h
    pos = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0).astype(pos.dtype, copy=False))
    del new_group
    rank = pos
    rank -= group_start  # in place: pos is not needed any more
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


def shingles(skeleton: str) -> np.ndarray:
    """Every K-shingle hash of one skeleton (int64, unsorted, not winnowed).

    Index fingerprints are a subset of these shingle hashes, whatever window chose
    them (W or W_CJK) and wherever the text sits on a page, so a text that reuses a
    fingerprinted passage contains that fingerprint among its shingles. This is what
    a bulk filter looks up: no window to agree on, nothing lost to page clutter.
    """
    if len(skeleton) < K:
        return np.empty(0, dtype=np.int64)
    codes = np.frombuffer(skeleton.encode("utf-32-le"), dtype=np.uint32)
    return _shingle_hashes(codes, K).view(np.int64)

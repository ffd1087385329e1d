"""The usual near-duplicate baseline, to compare syndtrack's dedupe against.

datasketch MinHash LSH over word 5-gram shingles finds candidates, rapidfuzz
verifies them (``fuzz.ratio`` on the whole normalised texts, the common
recipe), union-find makes the clusters, and the earliest article is the origin
(state media first when times tie or are missing). It knows nothing of
excerpts, wrappers or credit, and it chains: that is the point of comparing.

API (used by benchmarks/dedupe_speed.py and EVALUATION's dedupe_quality.py)::

    from baseline_minhash import baseline_clusters, baseline_origins
    clusters = baseline_clusters(articles)   # list[set[id]], clusters of 2 or more
    origins = baseline_origins(articles, clusters)   # {frozenset(cluster): origin id}

``articles`` is a list of dicts with ``id`` and ``text`` (and, for origins,
``published`` (ISO 8601) and ``state_media`` (bool)). ``articles_from_db(db)``
reads them from a syndtrack database.
"""

from __future__ import annotations

import re
import time

from datasketch import MinHash, MinHashLSH
from rapidfuzz import fuzz

WORD = re.compile(r"\w+")
NUM_PERM = 128
SHINGLE = 5
LSH_THRESHOLD = 0.5
VERIFY_RATIO = 70


def articles_from_db(db) -> list[dict]:
    return [
        dict(r)
        for r in db.query(
            "select a.id, a.text, a.published, coalesce(o.state_media, 0) as state_media "
            "from articles a left join outlets o on o.slug = a.outlet order by a.id"
        )
    ]


def baseline_clusters(articles: list[dict], *, threshold: float = LSH_THRESHOLD, ratio: float = VERIFY_RATIO,
                      stats: dict | None = None) -> list[set]:
    """Clusters (sets of article ids, two or more) found by MinHash LSH + rapidfuzz + union-find."""
    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    texts, sketches = {}, {}
    for a in articles:
        words = WORD.findall((a.get("text") or "").lower())
        texts[a["id"]] = " ".join(words)
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch([" ".join(words[i : i + SHINGLE]).encode("utf-8") for i in range(max(1, len(words) - SHINGLE + 1))])
        sketches[a["id"]] = m
        lsh.insert(a["id"], m)
    t1 = time.perf_counter()
    parent = {a["id"]: a["id"] for a in articles}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    candidates = verified = 0
    for a in articles:
        for other in lsh.query(sketches[a["id"]]):
            if other == a["id"] or find(other) == find(a["id"]):
                continue
            candidates += 1
            if fuzz.ratio(texts[a["id"]], texts[other]) >= ratio:
                verified += 1
                parent[find(other)] = find(a["id"])
    groups: dict = {}
    for a in articles:
        groups.setdefault(find(a["id"]), set()).add(a["id"])
    if stats is not None:
        stats.update(sketch_seconds=round(t1 - t0, 2), verify_seconds=round(time.perf_counter() - t1, 2),
                     candidates=candidates, verified=verified)
    return [g for g in groups.values() if len(g) > 1]


def baseline_origins(articles: list[dict], clusters: list[set]) -> dict[frozenset, object]:
    by_id = {a["id"]: a for a in articles}

    def key(i):
        a = by_id[i]
        return (a.get("published") is None, a.get("published") or "", not a.get("state_media"), i)

    return {frozenset(c): min(c, key=key) for c in clusters}

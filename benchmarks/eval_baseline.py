"""The usual near-duplicate baseline, run on the same database as syndtrack.

datasketch MinHash LSH over word 5-gram shingles finds candidates, rapidfuzz
verifies them, union-find makes clusters, the earliest article is the origin
(state media first on ties or missing dates). It has no notion of relation or
credit, so those come back as None.

When DEDUPE's ``benchmarks/baseline_minhash.py`` provides ``baseline_clusters``
(or ``run_baseline``) taking a database, that one is used instead, so the
comparison is with the baseline its owner tuned.
"""

from __future__ import annotations

import re
import time

from datasketch import MinHash, MinHashLSH
from rapidfuzz import fuzz

WORD = re.compile(r"\w+")
NUM_PERM = 128
LSH_THRESHOLD = 0.5
VERIFY_RATIO = 70


def _own_baseline(db):
    rows = list(db.query(
        "select a.id, a.text, a.published, coalesce(o.state_media, 0) as state_media "
        "from articles a left join outlets o on o.slug = a.outlet order by a.id"
    ))
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    texts, hashes = {}, {}
    for r in rows:
        words = WORD.findall((r["text"] or "").lower())
        text = " ".join(words)
        texts[r["id"]] = text
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch([" ".join(words[i : i + 5]).encode() for i in range(max(1, len(words) - 4))])
        hashes[r["id"]] = m
        lsh.insert(r["id"], m)
    parent = {r["id"]: r["id"] for r in rows}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in rows:
        for other in lsh.query(hashes[r["id"]]):
            if other <= r["id"]:
                continue
            if fuzz.ratio(texts[r["id"]], texts[other]) >= VERIFY_RATIO:
                parent[find(other)] = find(r["id"])
    groups: dict[int, list[dict]] = {}
    for r in rows:
        groups.setdefault(find(r["id"]), []).append(r)
    pred, origins = {}, {}
    from dedupe_quality import Member  # late: dedupe_quality imports this module

    for root, members in groups.items():
        if len(members) < 2:
            continue
        first = min(members, key=lambda r: (r["published"] is None, r["published"] or "", not r["state_media"], r["id"]))
        origins[root] = first["id"]
        for r in members:
            pred[r["id"]] = Member(root, "origin" if r is first else None)
    return pred, origins


def baseline_clusters(db):
    """Cluster the database's articles with the baseline: (prediction, origins, info)."""
    t0 = time.perf_counter()
    try:
        import baseline_minhash  # DEDUPE's, when it exists
    except ImportError:
        baseline_minhash = None
    fn = getattr(baseline_minhash, "baseline_clusters", None) or getattr(baseline_minhash, "run_baseline", None)
    if fn is None:
        pred, origins = _own_baseline(db)
        return pred, origins, {"baseline": "eval_baseline (own)", "seconds": round(time.perf_counter() - t0, 2)}
    raise NotImplementedError("adapt to baseline_minhash's API")

"""Linear verification (issue 12, item 6): an article is aligned against the versions
before it (syndtrack.clustering.stage_verify), not against every candidate, so a story
carried by n outlets costs about n alignments, and incremental runs still give what a
full run gives."""

from __future__ import annotations

import random

from syndtrack.clustering import cluster
from syndtrack.store.articles import store_articles


def _sentences(rnd: random.Random, n: int) -> list[str]:
    words = [f"w{i}q" for i in range(5000)]
    return [" ".join(rnd.choice(words) for _ in range(40)).capitalize() + "." for _ in range(n)]


def _copy(rnd: random.Random, paras: list[str], kind: str) -> str:
    if kind == "wrapped":
        return "\n\n".join(["Read this on our site.", *paras, "Source: the agency."])
    if kind == "excerpt":
        start = rnd.randrange(0, len(paras) - 3)
        return "\n\n".join(paras[start : start + 3])
    if kind == "edited":
        out = []
        for p in paras:
            words = p.split(" ")
            words[rnd.randrange(len(words))] = "changed"
            out.append(" ".join(words))
        return "\n\n".join(out)
    return "\n\n".join(paras)


def dense_corpus(stories: int, copies: int, seed: int = 0) -> list[dict]:
    """``stories`` origins of 8 paragraphs, each with ``copies`` copies (verbatim, wrapped,
    excerpts, edited), one outlet per copy, published after the origin; and singles."""
    rnd = random.Random(seed)
    out = []
    for s in range(stories):
        paras = _sentences(rnd, 8)
        out.append({"url": f"https://agency.example/{s}", "outlet": "agency.example", "title": f"Story {s}",
                    "text": "\n\n".join(paras), "published": f"2024-05-01T{s % 10:02d}:00:00+00:00"})
        for c in range(copies):
            kind = ("verbatim", "wrapped", "excerpt", "edited")[c % 4]
            out.append({"url": f"https://copier{c}.example/{s}", "outlet": f"copier{c}.example", "title": f"Story {s}",
                        "text": _copy(rnd, paras, kind),
                        "published": f"2024-05-01T{s % 10 + 1:02d}:{c % 60:02d}:00+00:00"})
    for k in range(20):
        out.append({"url": f"https://single.example/{k}", "outlet": "single.example", "title": f"Single {k}",
                    "text": "\n\n".join(_sentences(rnd, 5)), "published": "2024-05-02T00:00:00+00:00"})
    return out


def clusters_of(db) -> set[frozenset]:
    rows = db.execute("select c.origin_id, m.article_id, m.relation, m.score, m.coverage, m.lag_seconds "
                      "from cluster_members m join clusters c on c.id = m.cluster_id").fetchall()
    out: dict[int, set] = {}
    for origin, *member in rows:
        out.setdefault(origin, set()).add(tuple(member))
    return {(origin, frozenset(members)) for origin, members in out.items()}


def state(db) -> tuple:
    matches = set(db.execute("select a_id, b_id, score, coverage_a, coverage_b, passages from matches").fetchall())
    stories = {frozenset(r[0] for r in db.execute(
        "select m.article_id from cluster_members m join clusters c on c.id = m.cluster_id where c.story_id = ?", [sid]))
        for (sid,) in db.execute("select id from stories")}
    return clusters_of(db), matches, stories


def test_a_story_of_300_copies_costs_a_linear_number_of_alignments(fresh_db):
    store_articles(fresh_db, dense_corpus(stories=1, copies=300))
    result = cluster(fresh_db)
    n = 301
    # Candidates: most pairs share fingerprints (all but excerpts of different parts carry one text).
    assert result.candidates > n * (n - 1) / 2 * 0.3
    # Aligned: each article against its origin, plus the few excerpts and edited copies that
    # share text of their own with another version: linear, not n²/2 (45,150).
    assert result.aligned < 2 * n
    origin = fresh_db.execute("select id from articles where url = 'https://agency.example/0'").fetchone()[0]
    sizes = fresh_db.execute("select origin_id, size from clusters").fetchall()
    assert sizes == [(origin, n)]
    # Every member has its match against the origin, with the passages `show` prints.
    members = [r[0] for r in fresh_db.execute("select article_id from cluster_members where relation != 'origin'")]
    with_origin = {a if b == origin else b for a, b in fresh_db.execute(
        "select a_id, b_id from matches where (a_id = ? or b_id = ?) and passages != '[]'", [origin, origin])}
    assert set(members) == with_origin


def test_incremental_runs_give_what_a_full_run_gives_on_a_dense_corpus(fresh_db):
    records = dense_corpus(stories=6, copies=40, seed=1)
    rnd = random.Random(3)
    rnd.shuffle(records)  # copies crawled before their origins, origins arriving late
    for start in range(0, len(records), 60):
        store_articles(fresh_db, records[start : start + 60])
        cluster(fresh_db)
    incremental = state(fresh_db)
    result = cluster(fresh_db, full=True)
    assert result.aligned < result.candidates / 4  # not every candidate pair
    assert state(fresh_db) == incremental
    assert len(incremental[0]) == 6 and len(incremental[1]) >= 6 * 40


def test_cluster_and_trace_read_the_fingerprint_index_the_same_way(fresh_db):
    import numpy as np

    from dedupe.fingerprint import fingerprint_batch
    from dedupe.normalize import scan
    from syndtrack.store.fingerprint_index import FingerprintIndex
    from syndtrack.trace import fingerprint_candidate_ids

    records = dense_corpus(stories=2, copies=4, seed=5)
    store_articles(fresh_db, records)
    index = FingerprintIndex(fresh_db.conn)
    assert index.postings(np.array([1, 2], dtype=np.int64))[0].size == 0  # nothing indexed yet
    cluster(fresh_db)
    origin = fresh_db.execute("select id, text from articles where url = 'https://agency.example/1'").fetchone()
    prints = fingerprint_batch([scan(origin[1]).skeleton])[0]
    hashes, owners = index.postings(np.concatenate([prints, prints]))  # duplicates asked once
    assert len(hashes) == len(owners) and set(hashes.tolist()) <= set(prints.tolist())
    shared = index.shared_counts(prints)
    assert shared[origin[0]] == len(set(prints.tolist())) == index.sizes([origin[0]])[origin[0]]
    # trace ranks by the same counts, most shared first (a verbatim copy ties with the article).
    ranked = fingerprint_candidate_ids(fresh_db, origin[1])
    assert origin[0] in ranked[:2]
    assert [shared[a] for a in ranked] == sorted((shared[a] for a in ranked), reverse=True)


def test_two_articles_of_one_length_sharing_one_fingerprint_are_aligned(fresh_db, monkeypatch):
    # Machine rewrites keep a long name or title of their origin and little else verbatim
    # (web_copies_heldout6.csv): two articles of about the same length that share one
    # fingerprint are a candidate pair (settings.SPUN_MIN_SHARED), whatever the share.
    from dedupe.fingerprint import fingerprint_batch
    from dedupe.normalize import scan
    from syndtrack.clustering import stage_candidates

    rnd = random.Random(7)
    words = [f"w{i}x" for i in range(3000)]

    def para() -> str:
        return " ".join(rnd.choice(words) for _ in range(40)).capitalize() + "."

    shared = ("The delegation of the Global Civilization Initiative Forum met the ministers of culture, "
              "education and tourism of the twelve member states in the capital on Tuesday.")
    a, b = ("\n\n".join([para() for _ in range(6)] + [shared] + [para() for _ in range(6)]) for _ in range(2))
    fa, fb = (set(f.tolist()) for f in fingerprint_batch([scan(a).skeleton, scan(b).skeleton]))
    assert len(fa & fb) == 1 and min(len(fa), len(fb)) >= 25  # under MIN_SHARED_SHARE of either
    store_articles(fresh_db, [{"url": "https://a.example/1", "text": a}, {"url": "https://b.example/1", "text": b}])
    assert cluster(fresh_db, full=True).candidates == 1
    monkeypatch.setattr(stage_candidates, "SPUN_MIN_SHARED", 2)
    assert cluster(fresh_db, full=True).candidates == 0

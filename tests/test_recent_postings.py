"""Incremental runs add their fingerprint postings to ``dedupe_fingerprints_recent`` and merge it
into ``dedupe_fingerprints`` when it grows: the index they leave, and what they find through it,
are a full run's, whether or not a merge happened."""

from __future__ import annotations

import pytest

import syndtrack.clustering.stage_write as stage_write
from syndtrack.clustering import cluster
from syndtrack.store.articles import store_articles
from syndtrack.store.db import open_db
from test_staged_index import _corpus as staged_corpus
from test_stories import paragraphs


def _corpus() -> list[dict]:
    return staged_corpus(stories=8, seed=300)


# The last batch re-stores one copy with other text: its old postings must leave whichever table holds them.
_EDITED = {"url": "https://paper.example/1", "outlet": "paper.example", "title": "Story 1",
           "text": "\n\n".join(paragraphs(6, seed=999)), "published": "2024-05-02T09:00:00+00:00"}


def _state(db) -> dict[str, list]:
    return {
        "postings": sorted(db.execute("select hash, article_id from dedupe_fingerprints union all "
                                      "select hash, article_id from dedupe_fingerprints_recent").fetchall()),
        "matches": db.execute("select a_id, b_id, kind from matches order by a_id, b_id").fetchall(),
        "members": db.execute("select article_id, relation from cluster_members order by article_id").fetchall(),
    }


def _counts(db) -> tuple[int, int]:
    return (db.execute("select count(*) from dedupe_fingerprints").fetchone()[0],
            db.execute("select count(*) from dedupe_fingerprints_recent").fetchone()[0])


def _in_batches(path, monkeypatch, share: float) -> tuple[dict, list[tuple[int, int]], list]:
    monkeypatch.setattr(stage_write, "RECENT_POSTINGS_MIN", 0)
    monkeypatch.setattr(stage_write, "RECENT_POSTINGS_SHARE", share)
    db = open_db(path)
    arts = _corpus()
    counts, merges = [], []
    for batch in (arts[:4], arts[4:10], arts[10:], [_EDITED]):
        store_articles(db, batch)
        result = cluster(db)
        counts.append(_counts(db))
        merges.append("merge_recent" in result.timings)
    return _state(db), counts, merges


def _full(path) -> dict:
    db = open_db(path)
    store_articles(db, _corpus())
    store_articles(db, [_EDITED])
    cluster(db, full=True)
    return _state(db)


@pytest.mark.parametrize("share", [10.0, 0.0], ids=["never-merged", "merged-every-run"])
def test_incremental_runs_leave_a_full_runs_index_and_clusters(tmp_path, monkeypatch, share):
    full = _full(tmp_path / "full.db")
    batched, counts, merges = _in_batches(tmp_path / "batched.db", monkeypatch, share)
    assert len(full["members"]) == 14  # seven stories of two (one copy was edited into another text)
    assert batched == full
    first_main, first_recent = counts[0]
    assert first_main > 0 and first_recent == 0  # the first run is a full one
    if share:
        assert merges == [False] * 4
        assert [main for main, _ in counts[:3]] == [first_main] * 3  # untouched by the later runs' inserts
        assert counts[2][1] > counts[1][1] > 0
        assert counts[3][0] < first_main  # the edited copy was indexed by the first run: its old postings left
    else:
        assert merges == [False, True, True, True]
        assert all(recent == 0 for _, recent in counts)


def test_a_merge_waits_for_the_share_of_the_big_table(tmp_path, monkeypatch):
    # The first run indexes 4 articles (P postings) in the big table. The second adds 6 (~1.5 P to
    # the recent table: under twice P, kept); the third 6 more (~3 P: merged); the fourth one.
    state, counts, merges = _in_batches(tmp_path / "twice.db", monkeypatch, 2.0)
    assert merges == [False, False, True, False]
    assert counts[1][1] > 0 and counts[2][1] == 0 and counts[3][1] > 0
    assert state == _full(tmp_path / "full.db")

"""The analyst views and trace over what the real clustering wrote (not hand-made rows)."""

import json

import pytest

from syndtrack import queries
from syndtrack.store.articles import store_articles
from syndtrack.clustering import cluster
from syndtrack.store.db import open_db
from syndtrack.trace import candidate_ids, document_from_text, fingerprint_candidate_ids, trace
from test_query_fixture import ARTICLES, CLUSTERS, OUTLETS, XINHUA


@pytest.fixture(scope="module")
def clustered(tmp_path_factory):
    db = open_db(tmp_path_factory.mktemp("pipeline") / "p.db")
    for outlet in OUTLETS:
        db["outlets"].insert({**outlet, "domains": json.dumps(outlet["domains"])})
    store_articles(db, ARTICLES.values())
    cluster(db)
    ids = {k: db.execute("select id from articles where url = ?", [r["url"]]).fetchone()[0] for k, r in ARTICLES.items()}
    yield db, ids
    db.close()


def test_clustering_output_reads_as_the_hand_made_fixture(clustered):
    db, ids = clustered
    by_origin = {r["origin_id"]: r for r in queries.clusters(db, limit=None)}
    for origin, copies in CLUSTERS.values():
        summary = by_origin[ids[origin]]
        assert summary["copies"] == len(copies)
    reps = {r["copy_id"]: r for r in queries.republications(db)}
    assert reps[ids["dainik"]]["credited"] == 1 and reps[ids["dainik"]]["state_media"] == 1
    assert reps[ids["monitor"]]["credited"] == 0 and reps[ids["monitor"]]["relation"] == "excerpt"
    shown = queries.show_cluster(db, reps[ids["monitor"]]["cluster_id"])
    monitor = next(c for c in shown["copies"] if c["copy_id"] == ids["monitor"])
    assert any("Observers in South Asia" in a["text"] for a in monitor["added"])
    assert monitor["cut"] and monitor["copied"]


def test_trace_finds_a_respaced_chinese_copy_through_dedupe_fingerprints(clustered):
    db, ids = clustered
    # Spaces every few characters: FTS5's tokens (runs of CJK between punctuation)
    # mostly stop matching, while dedupe's skeleton (letters and digits only) is unchanged.
    text = "\n\n".join(" ".join(p[i:i + 7] for i in range(0, len(p), 7)) for p in XINHUA[2:7])
    original = "\n\n".join(XINHUA[2:7])
    assert len(candidate_ids(db, text)) <= len(candidate_ids(db, original))
    found = fingerprint_candidate_ids(db, text)
    assert set(found) == set(fingerprint_candidate_ids(db, original))
    assert {ids["xinhua"], ids["people"], ids["portal"]} <= set(found) and ids["cmg"] not in found
    result = trace(db, document_from_text(text, name="respaced")).as_dict()
    assert result["origin"]["id"] == ids["xinhua"]
    assert {ids["xinhua"], ids["people"]} <= {m["id"] for m in result["matches"]}

"""The analyst views and the Python API over them, on the hand-clustered fixture."""

import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from syndtrack import queries
from syndtrack.articles import store_articles
from syndtrack.db import open_db
from test_query_fixture import ARTICLES, CMG, build_fixture_db


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    path = tmp_path_factory.mktemp("views") / "f.db"
    ids = build_fixture_db(path)
    db = open_db(path)
    yield db, ids, path
    db.close()


def test_views_exist_after_migration(fixture):
    db, _, _ = fixture
    assert {"republications", "cluster_summary", "outlet_report"} <= set(db.view_names())


def test_republications_one_row_per_copy_with_origin_and_outlet_facts(fixture):
    db, ids, _ = fixture
    rows = {r["copy_id"]: r for r in db.query("select * from republications")}
    assert set(rows) == {ids[k] for k in ("dainik", "monitor", "people", "portal", "whenitson", "reuters_rerun")}
    dainik = rows[ids["dainik"]]
    # The copy was imported under its host name; the registry's domains still name it.
    assert dainik["copy_outlet"] == "dainiksaveratimes.com"
    assert dainik["copy_outlet_name"] == "Dainik Savera Times"
    assert dainik["origin_outlet"] == "cgtn" and dainik["state_media"] == 1
    assert dainik["origin_owner"] == "China Media Group"
    assert dainik["lag_seconds"] == 8.5 * 3600 and dainik["lag_hours"] == 8.5
    assert dainik["credited"] == 1 and dainik["copy_credit"] == "(Courtesy-China Media Group, Beijing)"
    # No lag stored by dedupe: computed from the two publication dates.
    assert rows[ids["portal"]]["lag_seconds"] == 20 * 3600
    assert rows[ids["portal"]]["copy_outlet_name"] is None  # not in the registry
    assert rows[ids["whenitson"]]["state_media"] == 0


def test_cluster_summary(fixture):
    db, ids, _ = fixture
    rows = {r["id"]: r for r in db.query("select * from cluster_summary")}
    cmg = rows[ids["cluster:cmg"]]
    assert cmg["origin_id"] == ids["cmg"]
    assert cmg["copies"] == 2 and cmg["outlets"] == 2
    assert set(cmg["copy_outlets"].split(",")) == {"dainiksaveratimes.com", "southasia-monitor.example"}
    assert cmg["credited_share"] == 0.5
    assert cmg["first_copy_lag_hours"] == 8.5
    assert rows[ids["cluster:reuters"]]["credited_share"] == 0


def test_outlet_report_leaves_out_an_outlet_rerunning_its_own_story(fixture):
    db, _, _ = fixture
    rows = list(db.query("select * from outlet_report"))
    pairs = {(r["outlet"], r["source"]) for r in rows}
    assert ("whenitson.com", "reuters") in pairs
    assert ("reuters", "reuters") not in pairs
    portal = next(r for r in rows if r["outlet"] == "news.portal.example")
    assert portal["uncredited"] == 1 and portal["uncredited_share"] == 1.0 and portal["state_media"] == 1


def test_outlet_report_median_lag_matches_python(tmp_path):
    path = tmp_path / "m.db"
    ids = build_fixture_db(path)
    db = open_db(path)
    cluster = ids["cluster:cmg"]
    # Three more Dainik Savera Times copies of the CGTN piece, at other lags.
    for n, hours in enumerate([2.0, 4.0, 10.0]):
        rec = {**ARTICLES["dainik"], "url": f"https://dainiksaveratimes.com/world/copy-{n}/"}
        aid = store_articles(db, [rec]).ids[0]
        db["cluster_members"].insert({"cluster_id": cluster, "article_id": aid, "relation": "copy", "score": 99,
                                      "coverage": 1.0, "credited": n % 2, "lag_seconds": hours * 3600, "same_outlet": 0})
    lags = [r["lag_seconds"] for r in db.query(
        "select lag_seconds from republications where copy_outlet = 'dainiksaveratimes.com'")]
    assert len(lags) == 4
    row = next(r for r in db.query("select * from outlet_report where outlet = 'dainiksaveratimes.com'"))
    assert row["median_lag_seconds"] == statistics.median(lags)
    assert row["republications"] == 4 and row["stories"] == 1
    assert row["uncredited"] == sum(1 for r in db.query(
        "select credited from republications where copy_outlet = 'dainiksaveratimes.com' and credited = 0"))
    db.close()


def test_clusters_api_sorts_and_filters(fixture):
    db, ids, _ = fixture
    by_size = queries.clusters(db, sort="size", limit=None)
    assert len(by_size) == 3
    recent = queries.clusters(db, sort="recent", limit=None)
    assert [r["id"] for r in recent] == [ids["cluster:xinhua"], ids["cluster:cmg"], ids["cluster:reuters"]]
    state = queries.clusters(db, filters=queries.Filters(state_media=True))
    assert {r["id"] for r in state} == {ids["cluster:xinhua"], ids["cluster:cmg"]}
    carried = queries.clusters(db, filters=queries.Filters(outlet="whenitson.com"))
    assert [r["id"] for r in carried] == [ids["cluster:reuters"]]
    # --until is inclusive of the whole day named.
    day = queries.clusters(db, filters=queries.Filters(since="2023-07-12", until="2023-07-12"))
    assert [r["id"] for r in day] == [ids["cluster:cmg"]]
    assert queries.clusters(db, limit=1) == by_size[:1]
    with pytest.raises(queries.QueryError, match="since"):
        queries.clusters(db, filters=queries.Filters(since="last tuesday"))


def test_outlet_report_date_window_recomputes(fixture):
    db, _, _ = fixture
    rows = queries.outlet_report(db, filters=queries.Filters(since="2024-01-01"))
    assert {r["source"] for r in rows} == {"xinhua"}
    assert {r["outlet"] for r in queries.outlet_report(db, filters=queries.Filters(state_media=False))} == {"whenitson.com"}
    fast = queries.outlet_report(db, sort="lag")
    assert [r["median_lag_seconds"] for r in fast] == sorted(r["median_lag_seconds"] for r in fast)


def test_show_cluster_splits_copied_added_and_cut(fixture):
    db, ids, _ = fixture
    result = queries.show_cluster(db, ids["cluster:cmg"])
    assert result["origin"]["id"] == ids["cmg"]
    copies = {c["copy_id"]: c for c in result["copies"]}
    origin_text = ARTICLES["cmg"]["text"]
    monitor = copies[ids["monitor"]]
    assert [p["text"] for p in monitor["copied"]] == [CMG[0], CMG[1], CMG[5]]
    assert [p["text"] for p in monitor["added"]] == [ARTICLES["monitor"]["text"].split("\n\n")[2]]
    cut = "\n\n".join(p["text"] for p in monitor["cut"])
    assert CMG[2] in cut and CMG[6] in cut and CMG[0] not in cut
    for a0, a1, b0, b1 in monitor["passages"]:
        assert origin_text[a0:a1] == ARTICLES["monitor"]["text"][b0:b1]
    dainik = copies[ids["dainik"]]
    assert dainik["cut"] == []
    assert any("(Courtesy-China Media Group, Beijing)" in p["text"] for p in dainik["added"])
    with pytest.raises(queries.QueryError, match="no cluster"):
        queries.show_cluster(db, 999)


def test_search_ranks_and_snippets(fixture):
    db, ids, _ = fixture
    rows = queries.search(db, '"Louis Vuitton" counterfeit')
    assert {r["id"] for r in rows} == {ids["reuters"], ids["whenitson"], ids["reuters_rerun"]}
    assert all("[" in r["snippet"] for r in rows)
    assert [r["id"] for r in queries.search(db, "lunar soil")] == [ids["lonely"]]
    only = queries.search(db, "japan", filters=queries.Filters(outlet="cgtn"))
    assert [r["id"] for r in only] == [ids["cmg"]]
    with pytest.raises(queries.QueryError, match="bad search query"):
        queries.search(db, "japan AND")


def test_views_answer_plain_sqlite_utils(fixture):
    """The point of the views: other tools get the answers without syndtrack."""
    _, _, path = fixture
    out = subprocess.run(
        [str(Path(sys.executable).parent / "sqlite-utils"), "query", str(path),
         "select outlet, source, uncredited from outlet_report where outlet = 'southasia-monitor.example'"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert '"source": "cgtn"' in out and '"uncredited": 1' in out


def test_show_says_when_a_copy_has_no_stored_match_with_the_origin(tmp_path):
    path = tmp_path / "n.db"
    ids = build_fixture_db(path)
    db = open_db(path)
    db.execute("delete from matches where ? in (a_id, b_id)", [ids["monitor"]])
    db.conn.commit()
    copies = {c["copy_id"]: c for c in queries.show_cluster(db, ids["cluster:cmg"])["copies"]}
    assert copies[ids["monitor"]]["passages"] is None and copies[ids["monitor"]]["copied"] == []
    assert copies[ids["dainik"]]["passages"]
    db.close()


def test_outlet_lookup_by_slug_domain_and_parent_domain(tmp_path):
    db = open_db(tmp_path / "l.db")
    db["outlets"].insert_all([
        {"slug": "xinhua", "name": "Xinhua", "state_media": 1, "domains": '["news.cn", "xinhuanet.com"]'},
        {"slug": "local", "name": "Local", "state_media": 0, "domains": '["127.0.0.1:8123"]'},
        {"slug": "cn-portal", "name": "Portal", "state_media": 0, "domains": '["portal.news.cn"]'},
        {"slug": "broken", "name": "Broken", "state_media": 0, "domains": "not json"},
    ])
    hosts = ["xinhua", "news.cn", "english.news.cn", "portal.news.cn", "a.portal.news.cn", "127.0.0.1",
             "othernews.cn", "unknown.example", "broken"]
    store_articles(db, [{"url": f"https://example.org/{i}", "outlet": h, "text": f"text {i}"} for i, h in enumerate(hosts)])
    found = {r["name"]: r["slug"] for r in db.query("select * from outlet_lookup")}
    assert found == {
        "xinhua": "xinhua", "news.cn": "xinhua", "english.news.cn": "xinhua",
        # The closest registered domain wins over its parent.
        "portal.news.cn": "cn-portal", "a.portal.news.cn": "cn-portal",
        "127.0.0.1": "local", "broken": "broken",
    }
    db.close()

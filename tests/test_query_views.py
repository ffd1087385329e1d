"""The analyst views and the Python API over them, on the hand-clustered fixture."""

import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from syndtrack import queries
from syndtrack.store.articles import store_articles
from syndtrack.store.db import open_db
from test_query_fixture import ARTICLES, CMG, build_fixture_db, set_gone


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


# The columns other tools rely on, in their order, before the gone columns (m009) were appended.
REPUBLICATIONS_COLUMNS = [
    "cluster_id", "origin_id", "origin_outlet", "origin_outlet_name", "origin_owner", "state_media", "origin_title",
    "origin_url", "origin_published", "copy_id", "copy_outlet", "copy_outlet_name", "copy_state_media", "copy_title",
    "copy_url", "copy_published", "lag_seconds", "lag_hours", "relation", "score", "coverage", "credited",
    "same_outlet", "copy_credit",
]
CLUSTER_SUMMARY_COLUMNS = [
    "id", "origin_id", "origin_title", "origin_outlet", "origin_published", "origin_url", "state_media", "size",
    "copies", "outlets", "copy_outlets", "credited_share", "avg_coverage", "first_copy_lag_hours",
    "last_copy_published", "updated",
]


def test_views_keep_their_columns_and_append_the_gone_ones(fixture):
    db, _, _ = fixture
    assert [c.name for c in db["republications"].columns] == REPUBLICATIONS_COLUMNS + ["origin_gone", "copy_gone", "credit_status", "story_id",
                                                                                "origin_language", "copy_language",
                                                                                "member_coverage"]
    assert [c.name for c in db["cluster_summary"].columns] == CLUSTER_SUMMARY_COLUMNS + ["origin_gone", "copies_gone", "story_id",
                                                                                  "origin_language", "copy_languages"]
    # Nothing is gone in the fixture: the new columns are empty and nothing else moved.
    assert {r["origin_gone"] for r in db.query("select origin_gone from republications")} == {None}
    assert [r["copies_gone"] for r in db.query("select copies_gone from cluster_summary")] == [0, 0, 0]


def test_gone_origin_and_copy_show_in_the_views_and_clear(tmp_path):
    path = tmp_path / "g.db"
    ids = build_fixture_db(path)
    set_gone(path, "cmg", "2026-11-20T08:15:00+00:00")
    set_gone(path, "monitor", "2026-11-22T10:00:00+00:00")
    db = open_db(path)
    reps = {r["copy_id"]: r for r in db.query("select * from republications")}
    assert reps[ids["dainik"]]["origin_gone"] == "2026-11-20T08:15:00+00:00" and reps[ids["dainik"]]["copy_gone"] is None
    assert reps[ids["monitor"]]["origin_gone"] == "2026-11-20T08:15:00+00:00"
    assert reps[ids["monitor"]]["copy_gone"] == "2026-11-22T10:00:00+00:00"
    assert reps[ids["people"]]["origin_gone"] is None and reps[ids["people"]]["copy_gone"] is None
    summary = {r["id"]: r for r in db.query("select * from cluster_summary")}
    cmg = summary[ids["cluster:cmg"]]
    assert cmg["origin_gone"] == "2026-11-20T08:15:00+00:00" and cmg["copies_gone"] == 1
    assert cmg["copies"] == 2 and cmg["credited_share"] == 0.5  # the other figures do not change
    assert summary[ids["cluster:xinhua"]]["origin_gone"] is None

    assert [r["id"] for r in queries.clusters(db, gone=True)] == [ids["cluster:cmg"]]
    assert {r["id"] for r in queries.clusters(db, gone=False)} == {ids["cluster:xinhua"], ids["cluster:reuters"]}
    assert len(queries.clusters(db)) == 3
    assert queries.clusters(db, sort="gone")[0]["id"] == ids["cluster:cmg"]
    result = queries.show_cluster(db, ids["cluster:cmg"])
    assert result["origin"]["gone"] == "2026-11-20T08:15:00+00:00"
    assert {c["copy_id"]: c["copy_gone"] for c in result["copies"]} == {
        ids["dainik"]: None, ids["monitor"]: "2026-11-22T10:00:00+00:00"}
    db.close()

    # The page answered again: the crawler clears the stamp, and the views follow.
    set_gone(path, "cmg", None)
    db = open_db(path)
    assert queries.clusters(db, gone=True) == []
    assert queries.show_cluster(db, ids["cluster:cmg"])["origin"]["gone"] is None
    assert {r["origin_gone"] for r in db.query("select origin_gone from republications")} == {None}
    db.close()


def test_gone_columns_add_no_scan_to_a_cluster_lookup(fixture):
    """The views are read on 100k-article databases: one cluster must stay index lookups."""
    db, ids, _ = fixture
    import re

    for sql in ("select * from cluster_summary where id = ?", "select * from republications where cluster_id = ?"):
        plan = [r[3] for r in db.execute("explain query plan " + sql, [ids["cluster:cmg"]]).fetchall()]
        # The origin (o) is found by its primary key, as before; no table of the view itself is scanned
        # (outlet_lookup's own small scans of the registry and the outlet index are as they were).
        assert "SEARCH o USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
        assert not [p for p in plan if re.match(r"SCAN (a|c|cm|m|articles|clusters|cluster_members)\b", p)], plan


def test_views_of_an_older_version_are_replaced_on_open(tmp_path):
    from sqlite_utils import Database

    from syndtrack.store.migrations import migrations

    db = Database(tmp_path / "old.db")
    migrations.apply(db)
    # As an older syndtrack left them: views without later columns, one missing.
    db.execute("create view republications as select cluster_id, article_id as copy_id from cluster_members")
    db.execute("create view outlet_report as select 'x' as outlet")
    db.close()
    db = open_db(tmp_path / "old.db")
    assert {"origin_gone", "copy_gone"} <= {c.name for c in db["republications"].columns}
    assert "origin_gone" in {c.name for c in db["cluster_summary"].columns}
    assert [c.name for c in db["outlet_report"].columns] == OUTLET_REPORT_COLUMNS + ["origins_gone", "copies_gone", *CREDIT_COLUMNS]
    db.close()


def test_migrations_create_no_views_and_opening_twice_rewrites_nothing(tmp_path):
    from sqlite_utils import Database

    from syndtrack.store.migrations import migrations
    from syndtrack.store.views import ensure_views

    db = Database(tmp_path / "early.db")
    migrations.apply(db, stop_before="m008_crawler_article_gone")
    assert db.view_names() == []  # so no view can name a column a later migration adds
    db.close()
    db = open_db(tmp_path / "early.db")
    assert "gone" in db["articles"].columns_dict and "outlet_report" in db.view_names()
    assert ensure_views(db) is False
    db.close()


# outlet_report's columns other tools rely on, in their order, before m010 appended the gone counts.
OUTLET_REPORT_COLUMNS = [
    "outlet", "outlet_name", "source", "source_name", "state_media", "republications", "stories", "uncredited",
    "uncredited_share", "median_lag_seconds", "median_lag_hours", "avg_coverage", "first_published", "last_published",
]


CREDIT_COLUMNS = ["credit_credited", "credit_other", "credit_vague", "credit_stripped", "credit_none"]


def test_outlet_report_keeps_its_columns_and_appends_the_gone_counts(fixture):
    db, _, _ = fixture
    assert [c.name for c in db["outlet_report"].columns] == OUTLET_REPORT_COLUMNS + ["origins_gone", "copies_gone", *CREDIT_COLUMNS]
    rows = list(db.query("select * from outlet_report"))
    assert len(rows) == 5 and {(r["origins_gone"], r["copies_gone"]) for r in rows} == {(0, 0)}
    assert list(rows[0])[: len(OUTLET_REPORT_COLUMNS)] == OUTLET_REPORT_COLUMNS


def test_outlet_report_counts_deletions_per_outlet_and_source(tmp_path):
    path = tmp_path / "g.db"
    ids = build_fixture_db(path)
    db = open_db(path)
    before = {(r["outlet"], r["source"]): r for r in db.query("select * from outlet_report")}
    # A second Dainik Savera Times copy of the CGTN piece: still one story deleted at the source.
    rec = {**ARTICLES["dainik"], "url": "https://dainiksaveratimes.com/world/again/"}
    aid = store_articles(db, [rec]).ids[0]
    db["cluster_members"].insert({"cluster_id": ids["cluster:cmg"], "article_id": aid, "relation": "copy", "score": 99,
                                  "coverage": 1.0, "credited": 1, "lag_seconds": 3600.0, "same_outlet": 0})
    db.close()
    set_gone(path, "cmg", "2026-11-20T08:15:00+00:00")  # CGTN deleted its commentary
    set_gone(path, "monitor", "2026-11-22T10:00:00+00:00")  # and the monitor site its excerpt of it
    set_gone(path, "reuters", "2026-11-21T00:00:00+00:00")  # not state media: counted all the same
    set_gone(path, "reuters_rerun", "2026-11-21T00:00:00+00:00")  # Reuters' own re-run: not in the report
    db = open_db(path)
    rows = {(r["outlet"], r["source"]): r for r in db.query("select * from outlet_report")}
    counts = {pair: (r["origins_gone"], r["copies_gone"]) for pair, r in rows.items()}
    assert counts == {
        ("dainiksaveratimes.com", "cgtn"): (1, 0),
        ("southasia-monitor.example", "cgtn"): (1, 1),
        ("peoplesdaily", "xinhua"): (0, 0),
        ("news.portal.example", "xinhua"): (0, 0),
        ("whenitson.com", "reuters"): (1, 0),
    }
    assert rows[("dainiksaveratimes.com", "cgtn")]["republications"] == 2
    assert rows[("dainiksaveratimes.com", "cgtn")]["stories"] == 1
    # The other columns do not move.
    for pair, row in rows.items():
        if pair != ("dainiksaveratimes.com", "cgtn"):
            assert {k: row[k] for k in OUTLET_REPORT_COLUMNS} == {k: before[pair][k] for k in OUTLET_REPORT_COLUMNS}
    # The API: the view, the recomputed date window, the state-media filter and sort="gone".
    api = queries.outlet_report(db, filters=queries.Filters(state_media=True), sort="gone")
    assert [(r["outlet"], r["origins_gone"]) for r in api][:2] == [
        ("dainiksaveratimes.com", 1), ("southasia-monitor.example", 1)]
    assert {r["origins_gone"] for r in api[2:]} == {0}
    window = queries.outlet_report(db, filters=queries.Filters(since="2023-01-01", until="2023-12-31"))
    assert {(r["outlet"], r["origins_gone"], r["copies_gone"]) for r in window} == {
        ("dainiksaveratimes.com", 1, 0), ("southasia-monitor.example", 1, 1)}
    with pytest.raises(queries.QueryError, match="gone"):
        queries.outlet_report(db, sort="deleted")
    db.close()

    # CGTN's page answers again: the crawler clears the stamp and the count goes; the gone copy stays counted.
    set_gone(path, "cmg", None)
    db = open_db(path)
    counts = {(r["outlet"], r["source"]): (r["origins_gone"], r["copies_gone"]) for r in db.query("select * from outlet_report")}
    assert counts[("dainiksaveratimes.com", "cgtn")] == (0, 0)
    assert counts[("southasia-monitor.example", "cgtn")] == (0, 1)
    assert counts[("whenitson.com", "reuters")] == (1, 0)
    db.close()



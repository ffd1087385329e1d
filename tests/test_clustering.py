"""syndtrack.clustering end to end: import a small labelled set, cluster, check what an analyst sees.

The set: the seed case (a China Media Group commentary and the Dainik Savera
Times copy, plus an excerpt, an edited copy and a same-outlet re-run made from
it), real Helsinki news-day articles (AP/Reuters wire copies and different
stories that share sentences and quotations), and one outlet's short articles
that share only its boilerplate.
"""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from dedupe import align, clean
from dedupe.normalize import line_key, normalize_text
from syndtrack.cli import cli
from syndtrack.clustering import BOILERPLATE_MIN, cluster
from syndtrack.importer import import_jsonl

from test_dedupe import SEED, helsinki, paragraphs, seed_original

CGTN_URL = "https://news.cgtn.com/news/2023-01-20/What-is-the-purpose-of-Japan-s-dangerous-actions.html"
# Real boilerplate lines of an Advance Local page (helsinki_articles.csv), as one outlet's template.
BOILERPLATE = [
    "Enter City and State or Zip Code", "Congratulations!", "Your weather is set to . You can change the location at any time.",
    "AccuWeather.com Quick Look", "You are signed in as", "Edit", "Get breaking news alerts delivered to your inbox",
    "Comment", "View Comments", "Posted in Nation & World",
    "To find out more about Facebook commenting please read the Conversation Guidelines and FAQs",
    "A link has been posted to your Facebook feed.", "Join the Nation's Conversation",
    "Tap here to turn on desktop notifications to get the news sent straight to you.",
]


def seed_records() -> list[dict]:
    original = seed_original()
    paras = paragraphs(original)
    return [
        {"url": CGTN_URL, "outlet": "cgtn", "title": "What is the purpose of Japan's series of dangerous actions?",
         "text": original, "published": "2023-01-20T08:00:00Z", "label": "seed:origin"},
        {"url": "https://dainiksaveratimes.com/what-is-the-purpose-of-japans-series-of-dangerous-actions/",
         "outlet": "dainiksaveratimes.com", "title": "What is the purpose of Japan’s series of dangerous actions? – Dainik Savera Times",
         "text": SEED, "published": "2023-01-21T10:00:00Z", "label": "seed:copy"},
        {"url": "https://asia-digest.example/japan-military", "outlet": "asia-digest.example", "title": "Japan's military path",
         "text": "\n\n".join(paras[1:4]), "published": "2023-01-22T00:00:00Z", "label": "seed:excerpt"},
        {"url": "https://pacific-views.example/2023/01/japan", "outlet": "pacific-views.example", "title": "Japan on a dangerous path",
         "text": "Our partners sent us this analysis of the new security moves in Tokyo, published here with light edits.\n\n"
                 + original.replace("Analysts believe", "Observers believe").replace("extremely cautious", "very cautious")
                 + "\n\nWhat do you think about this? Write to our editors with your views on the region.\n\nSource: CGTN",
         "published": "2023-01-23T00:00:00Z", "label": "seed:edited"},
        {"url": "https://news.cgtn.com/news/2023-02-01/rerun-japan.html", "outlet": "cgtn", "title": "Japan's dangerous actions (rerun)",
         "text": original, "published": "2023-02-01T00:00:00Z", "label": "seed:rerun"},
    ]


def helsinki_records() -> list[dict]:
    out = []
    for i, r in sorted(helsinki().items()):
        host = r["publisher"].split("/")[0]
        out.append({"url": f"https://{host}/helsinki/{i}", "outlet": r["publisher"], "title": r["text"].split(" ### ")[0][:150],
                    "text": r["text"], "published": r["scrape_time"], "label": f"helsinki:{i}"})
    return out


def boilerplate_records() -> list[dict]:
    """Five short, different stories on one outlet, framed by the same template lines."""
    h = helsinki()
    out = []
    for n, i in enumerate((6, 125, 171, 5159, 1197)):
        body = [p for p in h[i]["text"].split(" ### ") if len(p) > 150][:1]
        text = "\n".join(BOILERPLATE[:6] + body + BOILERPLATE[6:])
        out.append({"url": f"https://metro-daily.example/story/{n}", "outlet": "metro-daily.example", "title": f"Story {n}",
                    "text": text, "published": f"2018-07-16T0{n}:00:00Z", "label": f"boiler:{n}"})
    return out


def import_records(db, records: list[dict]) -> None:
    lines = "\n".join(json.dumps({k: v for k, v in r.items() if k != "label"}) for r in records)
    result = import_jsonl(db, io.StringIO(lines))
    assert result.bad == 0


def ids_by_label(db, records) -> dict[str, int]:
    from syndtrack.store.urls import canonical_url

    return {r["label"]: db.execute("select id from articles where url = ?", [canonical_url(r["url"])]).fetchone()[0] for r in records}


def snapshot(db) -> tuple:
    """Clusters and matches, independent of cluster ids."""
    clusters = {}
    for row in db.query("select c.origin_id, cm.* from cluster_members cm join clusters c on c.id = cm.cluster_id"):
        clusters.setdefault(row["origin_id"], set()).add(
            (row["article_id"], row["relation"], row["score"], row["coverage"], row["credited"], row["lag_seconds"], row["same_outlet"])
        )
    matches = {tuple(r) for r in db.execute("select a_id, b_id, score, coverage_a, coverage_b, passages from matches")}
    return {k: frozenset(v) for k, v in clusters.items()}, matches


def members(db) -> dict[int, dict]:
    return {r["article_id"]: r for r in db.query(
        "select cm.*, c.origin_id from cluster_members cm join clusters c on c.id = cm.cluster_id")}


ALL = seed_records() + helsinki_records() + boilerplate_records()


@pytest.fixture(scope="module")
def clustered(tmp_path_factory):
    from syndtrack.store.db import open_db

    db = open_db(tmp_path_factory.mktemp("clu") / "labelled.db")
    import_records(db, ALL)
    result = cluster(db)
    yield db, result, ids_by_label(db, ALL)
    db.close()


def test_seed_copy_clusters_with_the_china_media_group_original_and_is_credited(clustered):
    db, result, ids = clustered
    assert result.articles_processed == len(ALL)
    m = members(db)
    origin = ids["seed:origin"]
    copy = m[ids["seed:copy"]]
    assert copy["origin_id"] == origin and m[origin]["relation"] == "origin"
    assert copy["relation"] == "copy" and copy["credited"] == 1
    assert copy["coverage"] == 1.0 and copy["score"] == 100
    assert copy["lag_seconds"] == 26 * 3600 and copy["same_outlet"] == 0
    excerpt = m[ids["seed:excerpt"]]
    assert (excerpt["origin_id"], excerpt["relation"], excerpt["credited"]) == (origin, "excerpt", 0)
    assert 0.2 < excerpt["coverage"] < 0.6
    edited = m[ids["seed:edited"]]
    assert (edited["origin_id"], edited["relation"], edited["credited"]) == (origin, "edited", 1)
    rerun = m[ids["seed:rerun"]]
    assert rerun["origin_id"] == origin and rerun["same_outlet"] == 1
    # The match keeps the aligned passages: offsets into each article's text.
    a, b = sorted((origin, ids["seed:copy"]))
    row = db.execute("select passages from matches where a_id = ? and b_id = ?", [a, b]).fetchone()
    texts = {i: db.execute("select text from articles where id = ?", [i]).fetchone()[0] for i in (a, b)}
    for a0, a1, b0, b1 in json.loads(row[0]):
        assert texts[a][a0:a1].split()[:5] == texts[b][b0:b1].split()[:5]


def test_state_media_origin_wins_a_tie(tmp_path):
    from syndtrack.store.db import open_db

    db = open_db(tmp_path / "tie.db")
    records = seed_records()[:2]
    records = [dict(r, published="2023-01-20") for r in records]
    records.reverse()  # the copy gets the smaller id
    import_records(db, records)
    cluster(db)
    ids = ids_by_label(db, records)
    assert members(db)[ids["seed:copy"]]["origin_id"] == ids["seed:origin"]


def test_real_wire_copies_cluster_and_different_stories_stay_apart(clustered):
    db, _, ids = clustered
    m = members(db)

    def cluster_of(i):
        return m.get(ids[f"helsinki:{i}"], {}).get("cluster_id")

    # The AP "Summit fever" story at the NYT, Daily Mail, Houston Chronicle and Yahoo (twice).
    summit = {cluster_of(i) for i in (35, 611, 2690, 3591, 12842)}
    assert len(summit) == 1 and None not in summit
    # The AP story on Russian social media, at six outlets.
    social = {cluster_of(i) for i in (1197, 2549, 5799, 10852, 13391, 13557)}
    assert len(social) == 1 and None not in social
    # Reuters on Trump's golf (NYT) and its Yahoo copy.
    assert cluster_of(6) == cluster_of(9719) is not None
    # Different stories that share one sentence or one quotation.
    assert cluster_of(5159) != cluster_of(6)
    assert cluster_of(125) is None or cluster_of(125) != cluster_of(171)
    # No cluster joins two of these different stories.
    stories = [cluster_of(i) for i in (35, 1197, 6, 171)]
    assert len(set(stories)) == 4


def test_articles_of_one_outlet_sharing_only_boilerplate_stay_apart(clustered):
    db, _, ids = clustered
    m = members(db)
    outlet_ids = [ids[f"boiler:{n}"] for n in range(5)]
    clusters = [m[i]["cluster_id"] for i in outlet_ids if i in m]
    assert len(clusters) == len(set(clusters))  # each in its own story's cluster, if any
    for i in outlet_ids:
        if i in m:
            assert m[i]["origin_id"] not in outlet_ids or m[i]["relation"] == "origin"
    # The outlet's template lines were learned as boilerplate.
    learned = {r[0] for r in db.execute(
        "select key from dedupe_outlet_lines where outlet = 'metro-daily.example' and n >= ?", [BOILERPLATE_MIN])}
    for line in ("Congratulations!", "AccuWeather.com Quick Look", "Get breaking news alerts delivered to your inbox"):
        assert line_key(normalize_text(line)) in learned
    # Without that, two of them would have matched on the template alone (the test bites).
    texts = [r["text"] for r in boilerplate_records()]
    assert align(clean(texts[1]), clean(texts[2])) is not None


# A syndication disclaimer like the ones Indian and US aggregators print under every
# wire story: too long for the short-line rule, so it is learned at the body's edges.
# An outlet's own long sign-off, in no list of stock text (dedupe.align._STOCK knows the
# common syndication disclaimers): only learning it from the outlet's pages keeps it out.
DISCLAIMER = ("About Wire Digest: every story on this site is selected by our editors in London, Singapore and "
              "New York from the world's leading news agencies and delivered to our readers within the hour, "
              "free of charge, thanks to the support of our partners and of readers like you. Corrections "
              "and complaints go to the standards desk in London, which answers every letter within two working days.")
# (Longer than dedupe.align.SHORT_REUSE: a shorter one is refused as short reuse before
# the boilerplate it is gets learned, and the test below would not bite.)


def disclaimer_records(n: int = 12) -> list[dict]:
    """``n`` different short stories (distinct paragraphs of a real Reuters article) on one
    outlet, each framed by a menu line on top and the long disclaimer below."""
    paras = [p for p in helsinki()[6]["text"].split(" ### ") if len(p) > 150][:n]
    return [{"url": f"https://wire-digest.example/story/{k}", "outlet": "wire-digest.example", "title": f"Brief {k}",
             "text": "\n\n".join(["Home | World | Business | Sports", p, DISCLAIMER]),
             "published": f"2018-07-16T{k:02d}:00:00Z", "label": f"disclaimer:{k}"} for k, p in enumerate(paras)]


def test_learned_boilerplate_is_read_through_the_partial_index(tmp_path):
    # Incremental runs read each touched outlet's boilerplate through the partial index of
    # migration m012 (lines on 4+ articles): the thresholds must not fall below it.
    from syndtrack.clustering import BOILERPLATE_LONG_MIN, learned_boilerplate
    from syndtrack.store.db import open_db

    assert min(BOILERPLATE_MIN, BOILERPLATE_LONG_MIN) >= 4
    db = open_db(tmp_path / "lines.db")
    short, rare, long_key = 17, 18, (1 << 31) | 19
    db["dedupe_outlet_lines"].insert_all([
        {"outlet": "a.example", "key": short, "n": BOILERPLATE_MIN},
        {"outlet": "a.example", "key": rare, "n": BOILERPLATE_MIN - 1},
        {"outlet": "a.example", "key": long_key, "n": BOILERPLATE_LONG_MIN - 1},
        {"outlet": "b.example", "key": rare, "n": 50},
    ])
    assert learned_boilerplate(db.conn, "a.example") == {short}
    db["dedupe_outlet_lines"].update(("a.example", long_key), {"n": BOILERPLATE_LONG_MIN})
    assert learned_boilerplate(db.conn, "a.example") == {short, long_key}


def test_long_disclaimer_is_learned_as_boilerplate_incrementally_and_in_full(tmp_path):
    from dedupe.normalize import is_long_key
    from syndtrack.clustering import BOILERPLATE_LONG_MIN
    from syndtrack.store.db import open_db

    records = disclaimer_records()
    assert len(records) > BOILERPLATE_LONG_MIN
    texts = [r["text"] for r in records]
    # The test bites: two of these briefs match on the disclaimer alone.
    assert align(clean(texts[0]), clean(texts[1])) is not None
    copy = {"url": "https://other.example/copied-brief", "outlet": "other.example", "title": "Copied brief",
            "text": records[3]["text"].split("\n\n")[1], "published": "2018-07-17T00:00:00Z", "label": "disclaimer:copy"}
    db = open_db(tmp_path / "disclaimer.db")
    # Incremental: the disclaimer crosses the long-line threshold in the second batch.
    half = BOILERPLATE_LONG_MIN // 2
    for batch in (records[:half], records[half:] + [copy]):
        import_records(db, batch)
        cluster(db)
    key = line_key(normalize_text(DISCLAIMER))
    assert is_long_key(key)
    n = db.execute("select n from dedupe_outlet_lines where outlet = 'wire-digest.example' and key = ?", [key]).fetchone()
    assert n is not None and n[0] == len(records)
    ids = ids_by_label(db, records + [copy])
    m = members(db)
    briefs = [ids[r["label"]] for r in records]
    # No two briefs of the outlet together; the real copy still found.
    assert len({m[i]["cluster_id"] for i in briefs if i in m}) == sum(i in m for i in briefs)
    assert m[ids["disclaimer:copy"]]["origin_id"] == ids["disclaimer:3"]
    incremental = snapshot(db)
    cluster(db, full=True)
    assert snapshot(db) == incremental


def test_incremental_equals_full(tmp_path):
    from syndtrack.store.db import open_db

    db = open_db(tmp_path / "inc.db")
    seed, hel, boiler = seed_records(), helsinki_records(), boilerplate_records()
    batches = [seed[:2] + hel[::2] + boiler[:2], hel[1::2] + boiler[2:4], seed[2:] + boiler[4:]]
    for batch in batches:
        import_records(db, batch)
        r = cluster(db)
        assert r.articles_processed >= len(batch)
    # An article changes (a new revision with a different story) and another is deleted.
    changed = dict(seed[2], text=helsinki()[125]["text"])
    import_records(db, [changed])
    r = cluster(db)
    assert r.articles_processed == 1
    incremental = snapshot(db)
    assert cluster(db).articles_processed == 0
    assert snapshot(db) == incremental
    cluster(db, full=True)
    assert snapshot(db) == incremental
    # The changed article left the seed cluster.
    ids = ids_by_label(db, ALL)
    now = members(db).get(ids["seed:excerpt"])
    assert now is None or now["origin_id"] != ids["seed:origin"]
    assert members(db)[ids["seed:copy"]]["origin_id"] == ids["seed:origin"]


def test_articles_written_during_a_run_wait_for_the_next_and_deletions_are_queued(tmp_path):
    # Scheduled crawls keep writing while `cluster` runs: the triggers of migration m011
    # queue every write, and a run takes out only what it saw, so an article stored or
    # changed while it computes is processed by the next run, not lost.
    from syndtrack.store.db import open_db

    db = open_db(tmp_path / "queue.db")
    seed, hel = seed_records(), helsinki_records()
    first = seed[:2] + hel[:6]
    import_records(db, first)
    late = [seed[2], dict(hel[0], text=helsinki()[125]["text"])]  # a new article and a rewrite

    def write_meanwhile(done, total, stage):
        if late:
            import_records(db, [late.pop()])

    assert cluster(db, progress=write_meanwhile).articles_processed == len(first)
    assert not late
    assert cluster(db).articles_processed == 2
    assert cluster(db).articles_processed == 0
    # A deleted article (one in no cluster: others are held by foreign keys) leaves the index.
    gone = db.execute(
        "select id from articles where id not in (select article_id from cluster_members) "
        "and id not in (select a_id from matches union select b_id from matches) order by id limit 1"
    ).fetchone()[0]
    db.execute("delete from article_revisions where article_id = ?", [gone])
    db.execute("delete from articles where id = ?", [gone])
    db.conn.commit()
    r = cluster(db)
    assert r.removed == 1 and r.articles_processed == 0
    assert db.execute("select count(*) from dedupe_articles where article_id = ?", [gone]).fetchone()[0] == 0
    assert db.execute("select count(*) from dedupe_queue").fetchone()[0] == 0
    incremental = snapshot(db)
    cluster(db, full=True)
    assert snapshot(db) == incremental


def test_cli_cluster_prints_a_summary(tmp_path):
    from syndtrack.store.db import open_db

    path = tmp_path / "cli.db"
    db = open_db(path)
    import_records(db, seed_records()[:2])
    db.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(path), "cluster"])
    assert result.exit_code == 0, result.output
    summary = result.stdout.strip().splitlines()
    assert len(summary) == 1  # progress went to stderr as log lines (not a terminal)
    assert summary[0].startswith("2 articles processed") and "now 1 cluster with 2 members" in summary[0]
    assert "cluster: scan 2/2" in result.stderr
    result = runner.invoke(cli, ["--db", str(path), "cluster"])
    assert result.stdout.startswith("0 articles processed (incremental)")
    result = runner.invoke(cli, ["--db", str(path), "cluster", "--full"])
    assert result.exit_code == 0 and "2 articles processed (full rebuild)" in result.stdout
    # An index built by an older version of the matching is rebuilt once, and the user told why.
    db = open_db(path)
    db.execute("update dedupe_meta set value = json_set(value, '$.version', 0) where key = 'params'")
    db.conn.commit()
    db.close()
    result = runner.invoke(cli, ["--db", str(path), "cluster"])
    assert result.exit_code == 0 and "(full rebuild: the index was built by another version" in result.stdout
    assert runner.invoke(cli, ["--db", str(path), "cluster"]).stdout.startswith("0 articles processed (incremental)")


def test_worker_processes_give_the_same_result(tmp_path, monkeypatch):
    from syndtrack.clustering import workers
    from syndtrack.store.db import open_db

    db = open_db(tmp_path / "par.db")
    import_records(db, ALL)
    monkeypatch.setattr(workers, "PARALLEL_MIN", 1)
    monkeypatch.setenv("SYNDTRACK_CLUSTER_WORKERS", "1")
    cluster(db, full=True)
    serial = snapshot(db)
    monkeypatch.setenv("SYNDTRACK_CLUSTER_WORKERS", "2")
    cluster(db, full=True)
    assert snapshot(db) == serial
    assert serial[0]  # something was clustered


def test_a_run_leaves_the_callers_garbage_collector_as_it_found_it(tmp_path, monkeypatch):
    """A run freezes what survives its full collections and the heap while it forks workers
    (gc.freeze: speed); a program that calls cluster() gets its collector back afterwards,
    nothing frozen and no callback left, after a failed run too."""
    import gc

    from syndtrack.clustering import workers
    from syndtrack.store.db import open_db

    db = open_db(tmp_path / "gc.db")
    import_records(db, ALL)
    monkeypatch.setattr(workers, "PARALLEL_MIN", 1)
    monkeypatch.setenv("SYNDTRACK_CLUSTER_WORKERS", "2")
    callbacks = list(gc.callbacks)
    seen = []
    original = workers.Workers.__enter__

    def enter(self):
        gc.collect()  # a full collection inside the run: what survives it is frozen
        seen.append(gc.get_freeze_count())
        return original(self)

    monkeypatch.setattr(workers.Workers, "__enter__", enter)
    cluster(db, full=True)
    assert any(n > 0 for n in seen)
    assert gc.get_freeze_count() == 0 and gc.callbacks == callbacks
    monkeypatch.setattr(workers.Workers, "__enter__", lambda self: (_ for _ in ()).throw(RuntimeError("no pool")))
    with pytest.raises(RuntimeError):
        cluster(db, full=True)
    assert gc.get_freeze_count() == 0 and gc.callbacks == callbacks


def test_credited_needs_a_credit_cue_not_a_word(tmp_path):
    from syndtrack.store.db import open_db

    db = open_db(tmp_path / "credit.db")
    db["outlets"].insert({"slug": "time", "name": "Time", "url": "https://time.example/", "state_media": 0})
    original = seed_original()
    records = [
        {"url": "https://time.example/japan", "outlet": "time", "title": "Japan", "text": original,
         "published": "2023-01-20T00:00:00Z", "label": "origin"},
        {"url": "https://blog-a.example/japan", "outlet": "blog-a.example", "title": "Japan",
         "text": "At this time of year our readers ask about the region, so here is a long analysis.\n\n" + original,
         "published": "2023-01-21T00:00:00Z", "label": "word"},
        {"url": "https://blog-b.example/japan", "outlet": "blog-b.example", "title": "Japan",
         "text": "TOKYO (Time) - " + original, "published": "2023-01-21T00:00:00Z", "label": "dateline"},
    ]
    import_records(db, records)
    cluster(db)
    ids = ids_by_label(db, records)
    m = members(db)
    assert m[ids["word"]]["origin_id"] == ids["origin"] and m[ids["word"]]["credited"] == 0
    assert m[ids["dateline"]]["credited"] == 1

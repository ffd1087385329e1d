"""``syndtrack serve``: Datasette, read-only, documented; checked in a real headless chromium."""

import asyncio
import contextlib
import json
import sqlite3
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from syndtrack.serve import make_datasette, metadata_for
from test_query_fixture import ARTICLES, CMG, XINHUA, build_fixture_db, set_gone

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    path = tmp_path_factory.mktemp("serve") / "news.db"
    ids = build_fixture_db(path)
    return path, ids


def get(ds, path):
    async def go():
        await ds.invoke_startup()
        return await ds.client.get(path)

    return asyncio.run(go())


def test_metadata_names_the_served_database(fixture):
    path, _ = fixture
    meta = metadata_for(path)
    assert list(meta["databases"]) == ["news"]
    tables = meta["databases"]["news"]["tables"]
    assert {"state_media", "credited"} <= set(tables["republications"]["facets"])
    assert "coverage" in tables["republications"]["columns"]


def test_views_facets_and_canned_queries_answer(fixture):
    path, ids = fixture
    ds = make_datasette(path)
    data = get(ds, "/news/republications.json?_shape=objects&_facet=credited").json()
    assert len(data["rows"]) == 6
    credited = {f["value"]: f["count"] for f in data["facet_results"]["credited"]["results"]}
    assert credited == {0: 4, 1: 2}
    rows = get(ds, "/news/republishers_of_state_media.json?_shape=array").json()
    assert {(r["outlet"], r["source"]) for r in rows} == {
        ("dainiksaveratimes.com", "cgtn"), ("southasia-monitor.example", "cgtn"),
        ("peoplesdaily", "xinhua"), ("news.portal.example", "xinhua")}
    rows = get(ds, f"/news/cluster_copies.json?_shape=array&cluster_id={ids['cluster:cmg']}").json()
    assert [r["copy_id"] for r in rows] == [ids["dainik"], ids["monitor"]]
    rows = get(ds, "/news/search_articles.json?_shape=array&q=taobao").json()
    assert {r["outlet"] for r in rows} == {"reuters", "whenitson.com"}
    page = get(ds, "/news/republications").text
    assert f'<a href="/news/cluster_copies?cluster_id={ids["cluster:xinhua"]}"' in page


def test_served_connections_cannot_write(fixture):
    path, _ = fixture
    for immutable in (False, True):
        ds = make_datasette(path, immutable=immutable)
        db = ds.get_database("news")
        assert db.is_mutable is not immutable

        async def write():
            await db.execute("update articles set title = 'changed'")

        with pytest.raises(Exception, match="readonly|read-only|not authorized|write"):
            asyncio.run(write())
    assert ARTICLES["cmg"]["title"] in {r[0] for r in sqlite3.connect(path).execute("select title from articles")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(path):
    """``syndtrack serve`` in a subprocess (real Datasette, real uvicorn), until the block ends."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "syndtrack", "--db", str(path), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/-/versions.json", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("syndtrack serve did not start: " + (proc.stdout.read() or ""))
            time.sleep(0.2)
    try:
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("syndtrack serve did not stop on SIGTERM within 10 s") from None


@pytest.fixture(scope="module")
def server(fixture):
    path, ids = fixture
    with serving(path) as (base, _):
        yield base, ids


def render_dom(url: str, profile: Path) -> str:
    """The page as chromium rendered it (DOM after scripts ran)."""
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         f"--user-data-dir={profile}", "--virtual-time-budget=3000", "--dump-dom", url],
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_browser_shows_clusters_view_and_canned_query(server, tmp_path):
    base, ids = server
    assert base.startswith("http://127.0.0.1:")  # the default host: local only
    dom = render_dom(f"{base}/news/cluster_summary", tmp_path / "profile")
    assert "Clusters: each story and its copies" in dom
    assert ARTICLES["cmg"]["title"] in dom and "Louis Vuitton" in dom
    # Facets from the metadata, rendered with their counts.
    assert 'id="facet-origin_outlet"' in dom and 'id="facet-state_media"' in dom
    assert "dainiksaveratimes.com,southasia-monitor.example" in dom or "southasia-monitor.example,dainiksaveratimes.com" in dom
    # Column docs from the metadata.
    assert "Share of copies that credited the source" in dom
    # A cluster id opens its copies.
    assert f'href="/news/cluster_copies?cluster_id={ids["cluster:cmg"]}"' in dom

    dom = render_dom(f"{base}/news/republishers_of_state_media", tmp_path / "profile")
    assert "Who republishes state media" in dom
    assert "Dainik Savera Times" in dom and "news.portal.example" in dom
    assert "whenitson.com" not in dom  # Reuters is not state media

    dom = render_dom(f"{base}/news/cluster_copies?cluster_id={ids['cluster:cmg']}", tmp_path / "profile")
    assert "(Courtesy-China Media Group, Beijing)" in dom
    assert ARTICLES["monitor"]["url"] in dom


def test_serve_refuses_a_taken_port_with_one_line(fixture):
    path, _ = fixture
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "syndtrack", "--db", str(path), "serve", "--port", str(port)],
                             capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [f"Error: cannot listen on 127.0.0.1:{port}: Address already in use (try --port)"]


def test_serve_needs_an_existing_database(tmp_path):
    out = subprocess.run([sys.executable, "-m", "syndtrack", "--db", str(tmp_path / "none.db"), "serve"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "none.db: no such database" in out.stderr
    assert not (tmp_path / "none.db").exists()


def test_copied_passages_query_cuts_the_copy_text_at_the_stored_offsets(fixture):
    path, ids = fixture
    ds = make_datasette(path)
    rows = get(ds, f"/news/copied_passages.json?_shape=array&cluster_id={ids['cluster:cmg']}").json()
    monitor = [r["copied_text"] for r in rows if r["copy_id"] == ids["monitor"]]
    assert monitor == [CMG[0], CMG[1], CMG[5]]
    dainik = [r["copied_text"] for r in rows if r["copy_id"] == ids["dainik"]]
    assert dainik == CMG
    # Chinese text: offsets are characters in Python and in SQLite's substr alike.
    rows = get(ds, f"/news/copied_passages.json?_shape=array&cluster_id={ids['cluster:xinhua']}").json()
    assert {r["copied_text"] for r in rows} <= set(XINHUA) and rows


def test_copied_passages_when_the_copy_is_stored_first_in_the_pair(tmp_path):
    path = tmp_path / "swap.db"
    ids = build_fixture_db(path)
    conn = sqlite3.connect(path)
    a, b, score, ca, cb, passages, created = conn.execute(
        "select a_id, b_id, score, coverage_a, coverage_b, passages, created from matches where a_id = ? and b_id = ?",
        [ids["cmg"], ids["monitor"]]).fetchone()
    swapped = json.dumps([[b0, b1, a0, a1] for a0, a1, b0, b1 in json.loads(passages)])
    conn.execute("delete from matches where a_id = ? and b_id = ?", [a, b])
    conn.execute("insert into matches (a_id, b_id, score, coverage_a, coverage_b, passages, created) "
                 "values (?, ?, ?, ?, ?, ?, ?)", [b, a, score, cb, ca, swapped, created])
    conn.commit()
    conn.close()
    ds = make_datasette(path)
    rows = get(ds, f"/swap/copied_passages.json?_shape=array&cluster_id={ids['cluster:cmg']}").json()
    assert [r["copied_text"] for r in rows if r["copy_id"] == ids["monitor"]] == [CMG[0], CMG[1], CMG[5]]
    from syndtrack.store.db import open_db
    from syndtrack.queries import show_cluster

    db = open_db(path)
    monitor = next(c for c in show_cluster(db, ids["cluster:cmg"])["copies"] if c["copy_id"] == ids["monitor"])
    assert [p["text"] for p in monitor["copied"]] == [CMG[0], CMG[1], CMG[5]]
    db.close()


def test_immutable_snapshot_includes_what_is_still_in_the_wal(tmp_path):
    path = tmp_path / "wal.db"
    build_fixture_db(path)
    writer = sqlite3.connect(path)  # stays open, so closing others does not fold the WAL away
    writer.execute("insert into outlets (slug, name, state_media) values ('late', 'Late Arrival', 1)")
    writer.commit()
    assert (tmp_path / "wal.db-wal").stat().st_size > 0
    ds = make_datasette(path, immutable=True)
    rows = get(ds, "/wal/outlets.json?_shape=array&slug=late").json()
    assert [r["name"] for r in rows] == ["Late Arrival"]
    writer.close()


def test_internal_tables_are_hidden_and_texts_truncated(fixture):
    path, _ = fixture
    ds = make_datasette(path)
    tables = {t["name"]: t for t in get(ds, "/news.json").json()["tables"]}
    assert tables["_sqlite_migrations"]["hidden"] and not tables["articles"]["hidden"]
    # Every internal table of dedupe's, whichever migration added it.
    internal = [name for name in tables if name.startswith("dedupe_")]
    assert "dedupe_queue" in internal and all(tables[name]["hidden"] for name in internal)
    page = get(ds, "/news/articles").text
    assert ARTICLES["cmg"]["text"][:200] in page and ARTICLES["cmg"]["text"][-200:] not in page


def test_metadata_describes_every_column_of_the_views(fixture):
    path, _ = fixture
    tables = metadata_for(path)["databases"]["news"]["tables"]
    conn = sqlite3.connect(path)
    for view in ("republications", "cluster_summary", "outlet_report", "story_summary"):
        columns = [r[1] for r in conn.execute(f"select * from pragma_table_info('{view}')")]
        assert set(columns) == set(tables[view]["columns"]), view
    conn.close()
    assert "404/410" in tables["articles"]["columns"]["gone"]


def test_deleted_originals_lists_state_media_origins_gone_with_their_copies(tmp_path):
    path = tmp_path / "gone.db"
    ids = build_fixture_db(path)
    ds = make_datasette(path)
    assert get(ds, "/gone/deleted_originals.json?_shape=array").json() == []
    set_gone(path, "cmg", "2026-11-20T08:15:00+00:00")
    set_gone(path, "monitor", "2026-11-22T10:00:00+00:00")
    set_gone(path, "reuters", "2026-11-21T00:00:00+00:00")  # gone too, but Reuters is not state media
    rows = get(ds, "/gone/deleted_originals.json?_shape=array").json()
    assert rows == [{
        "cluster_id": ids["cluster:cmg"], "origin_outlet": "cgtn", "origin_title": ARTICLES["cmg"]["title"],
        "origin_url": ARTICLES["cmg"]["url"], "origin_published": ARTICLES["cmg"]["published"],
        "gone": "2026-11-20T08:15:00+00:00", "copies": 2, "copies_not_gone": 1, "outlets": 2,
        "copy_outlets": rows[0]["copy_outlets"],
    }]
    assert set(rows[0]["copy_outlets"].split(",")) == {"dainiksaveratimes.com", "southasia-monitor.example"}
    page = get(ds, "/gone/deleted_originals").text
    assert "deleted at the source" in page
    assert f'<a href="/gone/cluster_copies?cluster_id={ids["cluster:cmg"]}"' in page
    copies = get(ds, f"/gone/cluster_copies.json?_shape=array&cluster_id={ids['cluster:cmg']}").json()
    assert [(r["copy_id"], r["copy_gone"], r["origin_gone"]) for r in copies] == [
        (ids["dainik"], None, "2026-11-20T08:15:00+00:00"), (ids["monitor"], "2026-11-22T10:00:00+00:00", "2026-11-20T08:15:00+00:00")]
    set_gone(path, "cmg", None)  # back up: it leaves the list
    assert get(ds, "/gone/deleted_originals.json?_shape=array").json() == []


def test_outlet_report_and_republishers_of_state_media_count_deleted_origins(tmp_path):
    path = tmp_path / "gone.db"
    build_fixture_db(path)
    ds = make_datasette(path)
    rows = get(ds, "/gone/republishers_of_state_media.json?_shape=array").json()
    assert {r["origins_gone"] for r in rows} == {0}
    set_gone(path, "cmg", "2026-11-20T08:15:00+00:00")
    set_gone(path, "monitor", "2026-11-22T10:00:00+00:00")
    rows = get(ds, "/gone/republishers_of_state_media.json?_shape=array").json()
    assert {(r["outlet"], r["source"]): r["origins_gone"] for r in rows} == {
        ("dainiksaveratimes.com", "cgtn"): 1, ("southasia-monitor.example", "cgtn"): 1,
        ("peoplesdaily", "xinhua"): 0, ("news.portal.example", "xinhua"): 0}
    rows = get(ds, "/gone/outlet_report.json?_shape=array&copies_gone__gt=0").json()
    assert [(r["outlet"], r["origins_gone"], r["copies_gone"]) for r in rows] == [("southasia-monitor.example", 1, 1)]
    page = get(ds, "/gone/outlet_report").text
    assert "How many of these stories the source has deleted since" in page


def test_search_on_a_1mb_article_answers_within_the_time_limit(tmp_path):
    """FTS5's snippet() on ~1 MB of one repeated word ran for minutes in one C call: Datasette's
    5 s limit (a progress handler) never fired and SIGTERM did not stop the server."""
    from syndtrack.serve import SETTINGS
    from test_query_cli import store_huge_article

    path = tmp_path / "news.db"
    build_fixture_db(path)
    store_huge_article(path)
    limit = SETTINGS["sql_time_limit_ms"] / 1000
    with serving(path) as (base, proc):
        started = time.monotonic()
        with urllib.request.urlopen(base + "/news/search_articles.json?_shape=array&q=word", timeout=limit + 5) as resp:
            rows = json.load(resp)
        assert time.monotonic() - started < limit
        huge = next(r for r in rows if r["url"] == "https://huge.example/a/1")
        assert huge["snippet"].startswith("[word] [word]") and len(huge["snippet"]) < 200
        rows = json.load(urllib.request.urlopen(base + "/news/search_articles.json?_shape=array&q=taobao", timeout=limit))
        assert {r["outlet"] for r in rows} == {"reuters", "whenitson.com"} and all("[" in r["snippet"] for r in rows)
        # Typed SQL cannot call the unbounded functions either: refused at once, not run for minutes.
        sql = urllib.parse.urlencode({"sql": "select snippet(articles_fts, 1, '[', ']', '', 16) from articles_fts "
                                             "where articles_fts match 'word'", "_shape": "array"})
        started = time.monotonic()
        try:
            urllib.request.urlopen(f"{base}/news.json?{sql}", timeout=limit + 5)
            pytest.fail("snippet() was allowed")
        except urllib.error.HTTPError as exc:
            assert "not authorized" in exc.read().decode()
        assert time.monotonic() - started < limit

"""syndtrack as a Datasette plugin: a plain ``datasette news.db`` (the entry point, not ``syndtrack serve``)
gets the metadata, canned queries and pages; an unrelated database beside it does not.
Checked over HTTP and in a real headless chromium (DOM, layout measured in the browser, screenshot)."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from test_query_fixture import build_fixture_db
from test_serve import free_port, render_dom

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DATASETTE = shutil.which("datasette", path=str(Path(sys.executable).parent)) or shutil.which("datasette")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")

# What a reader sees without scrolling on a common laptop screen.
VIEWPORT = (1280, 800)


@pytest.fixture(scope="module")
def dbs(tmp_path_factory):
    root = tmp_path_factory.mktemp("plugin")
    news = root / "news.db"
    ids = build_fixture_db(news)
    other = root / "other.db"
    conn = sqlite3.connect(other)
    # Not syndtrack's, though it has an `articles` table, migrations of its own and FTS.
    conn.executescript("""
        create table articles (id integer primary key, title text);
        insert into articles values (1, 'unrelated');
        create table _sqlite_migrations (id integer primary key, migration_set text, name text, applied_at text);
        insert into _sqlite_migrations values (1, 'someone-else', 'm001', '2024-01-01');
        create virtual table notes_fts using fts5(body);
        insert into notes_fts values ('hello world hello');
    """)
    conn.commit()
    conn.close()
    harness = root / "harness"
    harness.mkdir()
    (harness / "fold.html").write_text(FOLD_HARNESS.replace("{W}", str(VIEWPORT[0])).replace("{H}", str(VIEWPORT[1])))
    return news, other, harness, ids


@contextlib.contextmanager
def plain_datasette(*args):
    """``datasette FILES... -h 127.0.0.1 -p PORT``: the console script, no syndtrack code in between."""
    assert DATASETTE, "the datasette command is not installed"
    port = free_port()
    proc = subprocess.Popen([DATASETTE, *map(str, args), "-h", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/-/versions.json", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("datasette did not start: " + (proc.stdout.read() or ""))
            time.sleep(0.2)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.load(resp)


def status(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def sql(base, db, query):
    try:
        return get_json(f"{base}/{db}.json?" + urllib.parse.urlencode({"sql": query, "_shape": "objects"}))
    except urllib.error.HTTPError as exc:  # Datasette answers a failed query with 400 and the error as JSON
        return json.load(exc)


@pytest.fixture(scope="module")
def mixed(dbs):
    news, other, harness, ids = dbs
    with plain_datasette(news, other) as base:
        yield base, ids


@pytest.fixture(scope="module")
def alone(dbs):
    news, other, harness, ids = dbs
    with plain_datasette(news, "--static", f"harness:{harness}") as base:
        yield base, ids


def test_plain_datasette_gets_syndtrack_for_syndtrack_databases_only(mixed):
    base, ids = mixed
    plugins = {p["name"]: p for p in get_json(base + "/-/plugins.json")}
    assert "syndtrack" in plugins and "get_metadata" in plugins["syndtrack"]["hooks"]
    # Canned queries and views' metadata on the syndtrack database...
    rows = get_json(base + "/news/republishers_of_state_media.json?_shape=array")
    assert ("dainiksaveratimes.com", "cgtn") in {(r["outlet"], r["source"]) for r in rows}
    tables = {t["name"]: t for t in get_json(base + "/news.json")["tables"]}
    assert tables["dedupe_fingerprints"]["hidden"] and tables["alerts_sent"]["hidden"]
    page = urllib.request.urlopen(base + "/news/cluster_summary", timeout=30).read().decode()
    assert "Clusters: each story and its copies" in page
    assert f'href="/news/cluster_copies?cluster_id={ids["cluster:cmg"]}"' in page
    assert sql(base, "news", "select syndtrack_snippet('hello world', 'hello') as s")["rows"] == [{"s": "[hello] world"}]
    refused = urllib.parse.urlencode({"sql": "select snippet(articles_fts, 1, '[', ']', '', 8) from articles_fts "
                                             "where articles_fts match 'japan'"})
    assert status(f"{base}/news.json?{refused}") == 400
    # ...and none of it on the unrelated one: its own tables, functions and pages as Datasette has them.
    assert status(base + "/other/republishers_of_state_media") == 404
    assert not any(t["hidden"] for t in get_json(base + "/other.json")["tables"] if t["name"] == "_sqlite_migrations")
    rows = sql(base, "other", "select snippet(notes_fts, 0, '[', ']', '', 4) as s from notes_fts "
                              "where notes_fts match 'hello'")["rows"]
    assert rows == [{"s": "[hello] world [hello]"}]
    assert "no such function" in sql(base, "other", "select syndtrack_snippet('a', 'a')")["error"]
    other_page = urllib.request.urlopen(base + "/other", timeout=30).read().decode()
    assert "syndtrack" not in other_page.lower()
    # Instance settings are left alone when another database is served too.
    assert get_json(base + "/-/settings.json")["suggest_facets"] is True


def test_serving_only_syndtrack_databases_gets_the_serve_settings(alone):
    base, _ = alone
    settings = get_json(base + "/-/settings.json")
    assert settings["sql_time_limit_ms"] == 5000 and settings["suggest_facets"] is False
    assert "syndtrack" in urllib.request.urlopen(base + "/", timeout=30).read().decode()


@needs_chromium
def test_browser_database_page_leads_with_views_and_queries(mixed, tmp_path):
    base, _ = mixed
    dom = render_dom(f"{base}/news", tmp_path / "profile")
    start = dom.index('id="analyst-views"')
    assert start < dom.index('id="queries"') < dom.index("Custom SQL query") < dom.index('id="tables"')
    views = dom[start:dom.index('id="queries"')]
    assert views.index("/news/cluster_summary") < views.index("/news/republications") < views.index("/news/outlet_report")
    assert "Clusters: each story and its copies" in views
    queries = dom[dom.index('id="queries"'):dom.index("Custom SQL query")]
    assert "State-media stories republished without credit" in queries and "/news/search_articles" in queries
    # Listed once: not again under the raw tables.
    assert dom.count('id="queries"') == 1 and dom.count('href="/news/republications"') == 1
    dom = render_dom(f"{base}/other", tmp_path / "profile")
    assert 'id="analyst-views"' not in dom and 'id="tables"' in dom


FOLD_HARNESS = """<!doctype html><meta charset="utf-8"><title>fold</title>
<body style="margin:0">
<iframe id="f" src="/news/republications" style="border:0;width:{W}px;height:{H}px"></iframe>
<pre id="result">pending</pre>
<script>
// Measured in the browser after layout: where the first row of data sits in a {W}x{H} window.
document.getElementById("f").addEventListener("load", function () {
  var doc = this.contentDocument;
  var row = doc.querySelector("table.rows-and-columns tbody tr");
  var heads = Array.prototype.map.call(doc.querySelectorAll("table.rows-and-columns thead th"),
                                       function (th) { return th.getAttribute("data-column"); });
  var docs = doc.querySelector("details.syndtrack-column-descriptions");
  document.getElementById("result").textContent = JSON.stringify({
    row_top: row ? row.getBoundingClientRect().top : null,
    row_bottom: row ? row.getBoundingClientRect().bottom : null,
    height: this.clientHeight, columns: heads,
    docs_open: docs ? docs.open : null,
    docs_height: docs ? docs.getBoundingClientRect().height : null,
    dl_outside_details: doc.querySelectorAll("dl.column-descriptions:not(details dl)").length
  });
});
</script>
"""


def _republications_columns() -> list[str]:
    import sqlite3
    import tempfile

    from syndtrack.store.db import open_db

    with tempfile.TemporaryDirectory() as tmp:
        open_db(f"{tmp}/v.db").close()
        conn = sqlite3.connect(f"{tmp}/v.db")
        columns = [r[1] for r in conn.execute("select * from pragma_table_info('republications')")]
        conn.close()
    return columns


REPUBLICATIONS_VIEW_COLUMNS = _republications_columns()


@needs_chromium
def test_browser_republications_key_columns_first_and_rows_above_the_fold(alone, tmp_path):
    base, ids = alone
    dom = render_dom(f"{base}/harness/fold.html", tmp_path / "profile")
    result = json.loads(dom.split('<pre id="result">', 1)[1].split("</pre>", 1)[0].replace("&quot;", '"'))
    assert result["columns"][:6] == ["copy_outlet", "copy_published", "origin_outlet", "state_media", "credit_status",
                                     "credited"]
    # Every column of the view is still there, once.
    n = len(REPUBLICATIONS_VIEW_COLUMNS)
    assert len(result["columns"]) == len(set(result["columns"])) == n and set(result["columns"]) == set(REPUBLICATIONS_VIEW_COLUMNS)
    assert result["docs_open"] is False and result["docs_height"] < 40 and result["dl_outside_details"] == 0
    assert result["row_top"] is not None and result["row_bottom"] < result["height"], result  # the first row is in view

    dom = render_dom(f"{base}/news/republications", tmp_path / "profile")
    # The descriptions are on the page, folded, and the cells line up with their headers.
    assert f"What each column means ({n} columns)" in dom and "Seconds from the origin" in dom
    first_row = dom.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert first_row.index('class="col-copy_outlet') < first_row.index('class="col-copy_published') < \
        first_row.index('class="col-cluster_id') < first_row.index('class="col-origin_id')
    assert f'href="/news/cluster_copies?cluster_id={ids["cluster:xinhua"]}"' in dom

    shot = tmp_path / "republications.png"
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}", "--hide-scrollbars",
         f"--screenshot={shot}", f"{base}/news/republications"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and shot.stat().st_size > 10_000, out.stderr[-2000:]
    import matplotlib.image

    assert matplotlib.image.imread(shot).shape[:2] == (VIEWPORT[1], VIEWPORT[0])


def test_make_datasette_gets_its_metadata_from_the_plugin(dbs):
    """syndtrack serve's make_datasette gets its metadata through the same plugin."""
    import asyncio

    from syndtrack.serve import make_datasette

    news, *_ = dbs
    ds = make_datasette(news)

    async def go():
        await ds.invoke_startup()
        return (await ds.client.get("/news/republications.json?_shape=array&_size=1")).json()

    assert len(asyncio.run(go())) == 1
    assert ds.metadata("title", database="news", table="republications") == "Republications: one row per copy"

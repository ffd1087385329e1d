"""Bad input: every kind is counted, logged and recorded in crawl_errors; none stops the run or damages stored rows.

One crawl of tests/sites/badsite (module fixture) over a database that
already holds articles at some of the bad URLs; each test checks one kind.
"""

import json

import pytest

from conftest import SITES, start_site_server
from syndtrack.store.articles import store_articles
from syndtrack.crawl import crawl
from syndtrack.store.db import open_db
from test_crawl import FAST, paths, write_registry

OFFSITE = "/_redirect/statemedia/news/2023-05-20/what-is-the-purpose-of-japans-series-of-dangerous-actions.html"
BAD = {
    # kind: (path, stats key, words in the recorded reason)
    "404": ("/_status/404", "http_404", "HTTP 404"),
    "410": ("/_status/410", "http_410", "HTTP 410"),
    "500": ("/_status/500", "http_500", "HTTP 500"),
    "timeout": ("/_slow/3", "timeout", "took longer than 1"),
    "redirect loop": ("/_redirect-loop", "redirect_loop", "max redirections"),
    # 302 to the statemedia fixture site: another port, so another host to the domain check.
    "redirect to another host": (OFFSITE, "off_domain", "off the outlet's domains"),
    "huge page": ("/_huge/2", "too_large", "larger than download max size"),
    "page too big to extract": ("/_huge/1.6", "too_large", "over SYNDTRACK_EXTRACT_MAXSIZE"),
    "empty body": ("/empty.html", "empty", "empty body"),
    "billion laughs feed": ("/bomb.rss", "bad_feed", "declares XML entities"),
    "billion laughs sitemap": ("/bomb.xml", "bad_sitemap", "declares XML entities"),
    "broken feed": ("/broken.rss", "bad_feed", "not a readable feed"),
    "broken sitemap": ("/broken.xml", "bad_sitemap", "not a readable sitemap"),
}
# Already stored before the crawl; the crawl must leave them as they were.
STORED = ["/_status/410", "/_status/500", "/empty.html", "/_huge/2", "/_slow/3"]


@pytest.fixture(scope="module")
def bad_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad")
    proc, sites = start_site_server(SITES)
    try:
        db_path = tmp / "bad.db"
        base = sites.bases["badsite"]
        db = open_db(db_path)
        store_articles(db, [{"url": base + p, "title": f"stored {p}", "text": f"Text stored before at {p}.", "outlet": "badsite"}
                            for p in STORED])
        before = {r["url"]: r for r in db.query("select * from articles")}
        db.close()
        registry = write_registry(tmp, sites.bases)
        settings = {**FAST, "DOWNLOAD_TIMEOUT": 1, "DOWNLOAD_MAXSIZE": 1800 * 1024, "SYNDTRACK_RETRY_BACKOFF": 0.1}

        def again():
            return crawl(db_path, outlets_file=registry, outlet_slugs=["badsite"], use_default_outlets=False, settings=settings)

        result = again()
        db = open_db(db_path)
        yield {
            "result": result,
            "base": base,
            "log": sites.log("badsite"),
            "before": before,
            "db": db,
            "errors": {r["url"]: r for r in db.query("select * from crawl_errors where run_id = ?", [result.run_id])},
            "stats": json.loads(db["crawl_runs"].get(result.run_id)["stats"]),
            "again": again,
            "sites": sites,
        }
        db.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_run_finishes_and_stores_the_good_article(bad_crawl):
    result = bad_crawl["result"]
    assert result.status == "finished"
    assert result.errors == len(BAD) == len(bad_crawl["errors"])
    good = bad_crawl["db"]["articles"].rows_where("url = ?", [bad_crawl["base"] + "/good/fine-article.html"])
    assert [r["title"] for r in good] == ["A fine article among bad ones"]


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_input_is_counted_and_recorded(bad_crawl, kind):
    path, stat, words = BAD[kind]
    error = bad_crawl["errors"][bad_crawl["base"] + path]
    assert words in error["reason"] and error["outlet"] == "badsite"
    assert bad_crawl["stats"][f"syndtrack/errors/{stat}"] >= 1
    if stat != "timeout":  # the server logs a slow answer only once it has slept
        assert path in paths(bad_crawl["log"])


def test_500_is_retried_before_it_is_recorded(bad_crawl):
    assert paths(bad_crawl["log"]).count("/_status/500") == 2  # RETRY_TIMES=1


def test_retries_back_off(bad_crawl):
    stats = bad_crawl["stats"]
    # One retry each (RETRY_TIMES=1) for the 500 and the timeout, each after 0.1 s.
    assert stats["retry/count"] >= 2
    assert stats["syndtrack/retry/backoff_seconds"] == pytest.approx(0.1 * stats["retry/count"])


def test_nothing_already_stored_is_damaged(bad_crawl):
    db = bad_crawl["db"]
    for url, old in bad_crawl["before"].items():
        now = db["articles"].get(old["id"])
        # Only the taken-down stamp may change, and only where the URL said so.
        assert {k: v for k, v in now.items() if k != "gone"} == {k: v for k, v in old.items() if k != "gone"}
        taken_down = url.endswith(("/_status/404", "/_status/410"))
        assert (now["gone"] is not None) == taken_down, url
    assert db["article_revisions"].count == 0


def test_a_redirect_to_another_host_is_not_stored_as_the_outlets_article(bad_crawl):
    db, base = bad_crawl["db"], bad_crawl["base"]
    target = bad_crawl["sites"].bases["statemedia"] + OFFSITE.removeprefix("/_redirect/statemedia")
    # The redirect was followed (the other host answered), and nothing landed under badsite.
    assert OFFSITE.removeprefix("/_redirect/statemedia") in paths(bad_crawl["sites"].log("statemedia"), 200)
    assert target in bad_crawl["errors"][base + OFFSITE]["reason"]
    assert not list(db["articles"].rows_where("url = ?", [target]))
    assert all(r["url"].startswith(base + "/") for r in db["articles"].rows_where("outlet = 'badsite'"))
    assert bad_crawl["stats"]["syndtrack/errors/off_domain"] == 1


def test_wrong_charset_is_decoded_from_the_page(bad_crawl):
    # Served as "charset=utf-8", written in GBK with <meta charset=gbk>.
    row = next(bad_crawl["db"]["articles"].rows_where("url = ?", [bad_crawl["base"] + "/wrong-charset.html"]))
    assert row["title"].startswith("促进航天技术更好惠及人民") and "新华社" in row["text"]
    assert bad_crawl["stats"]["syndtrack/charset_fallback"] == 1


def test_malformed_html_is_read_not_fatal(bad_crawl):
    rows = list(bad_crawl["db"]["articles"].rows_where("url = ?", [bad_crawl["base"] + "/malformed.html"]))
    assert rows and "US-Japan security treaty" in rows[0]["text"]


def test_hostile_xml_was_not_expanded(bad_crawl):
    # Neither the feed's nor the sitemap's entity-laden link was followed.
    assert not any("from-bomb" in p for p in paths(bad_crawl["log"]))


def test_second_run_retries_the_failures_and_still_finishes(bad_crawl):
    before = len(bad_crawl["sites"].log("badsite"))
    second = bad_crawl["again"]()
    assert second.status == "finished" and second.articles_new == 0
    assert second.errors == len(BAD)  # every bad URL tried again (the home page answered 304: its links were kept)
    later = paths(bad_crawl["sites"].log("badsite")[before:], 200)
    assert "/good/fine-article.html" not in later and "/empty.html" in later

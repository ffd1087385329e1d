"""Crawls of the fixture sites (tests/sites, served on 127.0.0.1): what lands, what is asked twice.

Every crawl is real: Scrapy in a child process (syndtrack.crawl.crawl),
HTTP against the local site server, a real SQLite file.
"""

import gzip
import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SITES, start_site_server
from syndtrack.cli import cli
from syndtrack.crawl import CrawlError, crawl
from syndtrack.store.db import open_db

ROOT = Path(__file__).parent.parent
# Politeness off for the local server, so the tests stay fast.
FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "SYNDTRACK_RETRY_BACKOFF": 0, "RETRY_TIMES": 1}
SEED_ARTICLE = "/news/2023-05-20/what-is-the-purpose-of-japans-series-of-dangerous-actions.html"
PEOPLE_ARTICLE = "/n1/2024/0424/c1001-40223222.html"
SEED_COPY = "/2023/05/what-is-the-purpose-of-japans-series-of-dangerous-actions/"


def days_since(iso_date):
    from datetime import date

    return (date.today() - date.fromisoformat(iso_date)).days


def registry_toml(bases, *, discovery=False, statemedia_max_age=None):
    """A registry for the fixture sites; ``discovery`` gives statemedia only its url."""
    sm = bases["statemedia"]
    lines = [
        "[outlets.statemedia]",
        'name = "State Media TV"',
        f'url = "{sm}/"',
        "article_pattern = '/(news/\\d{4}-\\d{2}-\\d{2}|n1/\\d{4}/\\d{4})/'",
        "state_media = true",
        'owner = "China Media Group"',
        'language = "en"',
        # Old enough for the 2023 and 2024 articles, too young for the 2019 archive.
        f"max_age_days = {statemedia_max_age or days_since('2023-01-01')}",
    ]
    if not discovery:
        lines.append(f'sitemaps = ["{sm}/sitemap_index.xml"]')
    lines += [
        "",
        "[outlets.republisher]",
        'name = "Dainik Savera Times"',
        f'url = "{bases["republisher"]}/"',
        f'feeds = ["{bases["republisher"]}/feed.rss"]',
        'country = "IN"',
        "",
        "[outlets.autoblog]",
        'name = "When It\'s On"',
        f'url = "{bases["autoblog"]}/"',
        "",
        "[outlets.badsite]",
        'name = "Bad site"',
        f'url = "{bases["badsite"]}/"',
        f'start_urls = ["{bases["badsite"]}/"]',
        f'feeds = ["{bases["badsite"]}/bomb.rss", "{bases["badsite"]}/broken.rss"]',
        f'sitemaps = ["{bases["badsite"]}/bomb.xml", "{bases["badsite"]}/broken.xml"]',
    ]
    return "\n".join(lines) + "\n"


def write_registry(tmp_path, bases, **kwargs):
    path = tmp_path / "outlets.toml"
    path.write_text(registry_toml(bases, **kwargs), encoding="utf-8")
    return path


def run(db_path, registry, slugs, **settings):
    return crawl(db_path, outlets_file=registry, outlet_slugs=slugs, use_default_outlets=False, settings={**FAST, **settings})


def paths(log, status=None):
    return [e["path"] for e in log if status is None or e["status"] == status]


def run_stats(db_path, run_id):
    db = open_db(db_path)
    try:
        return json.loads(db["crawl_runs"].get(run_id)["stats"])
    finally:
        db.close()


def test_first_crawl_stores_articles_second_stores_nothing(sites, tmp_path, db_path):
    registry = write_registry(tmp_path, sites.bases)
    first = run(db_path, registry, ["statemedia", "republisher"])
    assert first.status == "finished", first
    assert (first.articles_new, first.errors) == (5, 0)

    db = open_db(db_path)
    articles = {r["url"]: r for r in db.query("select * from articles")}
    origin = articles[sites.url("statemedia", SEED_ARTICLE)]
    assert origin["outlet"] == "statemedia" and origin["origin"] == "crawl"
    assert origin["title"] == "What is the purpose of Japan’s series of dangerous actions?"
    assert origin["published"] == "2023-05-20T02:12:00+00:00"  # +08:00 on the page, stored as UTC
    assert "US-Japan security treaty" in origin["text"] and "\n\n" in origin["text"]
    people = articles[sites.url("statemedia", PEOPLE_ARTICLE)]
    assert people["title"].startswith("促进航天技术更好惠及人民") and people["published"].startswith("2024-04-24")
    assert "新华社" in people["text"]  # the page itself (fundus copy) carries one U+FFFD already
    copy = articles[sites.url("republisher", SEED_COPY)]
    assert copy["outlet"] == "republisher"
    assert copy["credit"] == "(Courtesy-China Media Group, Beijing)"
    assert copy["source_url"] == sites.url("statemedia", SEED_ARTICLE)
    assert copy["published"] == "2023-05-21T04:00:00+00:00"
    assert "[ad_1]" not in copy["text"] and "US-Japan security treaty" in copy["text"]

    # Evidence: the page exactly as served, compressed.
    page = next(db.query("select * from pages where article_id = ?", [copy["id"]]))
    served = (SITES / "republisher" / SEED_COPY.strip("/") / "index.html").read_bytes()
    assert gzip.decompress(page["html_gz"]) == served.replace(b"{{site:statemedia}}", sites.bases["statemedia"].encode()).replace(
        b"{{site:republisher}}", sites.bases["republisher"].encode())
    assert page["etag"] and page["last_modified"] and page["run_id"] == first.run_id

    run_row = db["crawl_runs"].get(first.run_id)
    assert run_row["status"] == "finished" and run_row["articles_new"] == 5 and run_row["finished"] >= run_row["started"]
    assert json.loads(run_row["outlets"]) == ["statemedia", "republisher"]
    assert run_row["pages_fetched"] >= 9
    # The CPU spent in extraction is kept apart from the crawl's own (benchmarks/crawl_benchmark.py).
    assert 0 < json.loads(run_row["stats"])["syndtrack/extract_cpu_seconds"] < 60
    outlet = db["outlets"].get("statemedia")
    assert outlet["state_media"] == 1 and outlet["owner"] == "China Media Group"
    db.close()

    log = sites.log("statemedia")
    # robots.txt is obeyed; the archive sitemap (lastmod 2019) is past max_age_days and never read.
    assert not any(p.startswith("/private/") for p in paths(log))
    assert "/sitemaps/archive.xml" not in paths(log) and "/about.html" not in paths(log)
    seen_first = {s: len(sites.log(s)) for s in ("statemedia", "republisher")}

    second = run(db_path, registry, ["statemedia", "republisher"])
    assert second.status == "finished"
    assert (second.articles_new, second.articles_updated) == (0, 0)
    for site in ("statemedia", "republisher"):
        later = sites.log(site)[seen_first[site]:]
        # Only robots.txt is fetched in full again; feeds and sitemaps answer 304; no article is asked for.
        assert paths(later, 200) == ["/robots.txt"], later
        assert all(e["conditional"] for e in later if e["path"] != "/robots.txt")
    assert run_stats(db_path, second.run_id)["syndtrack/skipped/known"] == 5


def test_due_recheck_is_a_conditional_request(sites, tmp_path, db_path):
    registry = write_registry(tmp_path, sites.bases)
    first = run(db_path, registry, ["republisher"])
    assert first.articles_new == 3
    before = len(sites.log("republisher"))
    second = run(db_path, registry, ["republisher"], SYNDTRACK_RECHECK_AFTER_HOURS=0)
    later = sites.log("republisher")[before:]
    articles = [e for e in later if e["path"].startswith("/20")]
    assert len(articles) == 3
    assert all(e["conditional"] and e["status"] == 304 for e in articles), articles
    assert (second.articles_new, second.articles_updated, second.articles_unchanged) == (0, 0, 3)
    db = open_db(db_path)
    assert db["pages"].count == 3  # a 304 stores no second copy of the evidence
    db.close()


def test_changed_article_is_updated_and_its_previous_version_kept(tmp_path, db_path):
    root = tmp_path / "sites"
    shutil.copytree(SITES / "republisher", root / "republisher")
    for name in ("statemedia",):  # the copy links to its source; keep the placeholder resolvable
        (root / name).mkdir()
    proc, served = start_site_server(root)
    try:
        registry = tmp_path / "outlets.toml"
        registry.write_text(f'[outlets.republisher]\nname = "R"\nurl = "{served.bases["republisher"]}/"\n'
                            f'feeds = ["{served.bases["republisher"]}/feed.rss"]\n')
        assert run(db_path, registry, None).articles_new == 3
        page = root / "republisher" / SEED_COPY.strip("/") / "index.html"
        page.write_text(page.read_text(encoding="utf-8").replace("Regional countries should remain extremely cautious.",
                                                                 "Regional countries should remain vigilant."), encoding="utf-8")
        second = run(db_path, registry, None, SYNDTRACK_RECHECK_AFTER_HOURS=0)
        assert (second.articles_new, second.articles_updated, second.articles_unchanged) == (0, 1, 2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    db = open_db(db_path)
    article = next(db.query("select * from articles where url like ?", ["%" + SEED_COPY]))
    assert "remain vigilant" in article["text"]
    revisions = list(db.query("select * from article_revisions where article_id = ?", [article["id"]]))
    assert len(revisions) == 1 and "extremely cautious" in revisions[0]["text"]
    assert db["pages"].count_where("article_id = ?", [article["id"]]) == 2
    db.close()


def test_taken_down_article_is_stamped_gone_and_kept(tmp_path, db_path):
    root = tmp_path / "sites"
    shutil.copytree(SITES / "republisher", root / "republisher")
    (root / "statemedia").mkdir()
    proc, served = start_site_server(root)
    page = root / "republisher" / SEED_COPY.strip("/") / "index.html"
    try:
        registry = tmp_path / "outlets.toml"
        registry.write_text(f'[outlets.republisher]\nname = "R"\nurl = "{served.bases["republisher"]}/"\n'
                            f'feeds = ["{served.bases["republisher"]}/feed.rss"]\n')
        assert run(db_path, registry, None).articles_new == 3
        html = page.read_text(encoding="utf-8")
        page.unlink()
        run(db_path, registry, None, SYNDTRACK_RECHECK_AFTER_HOURS=0)
        db = open_db(db_path)
        gone = list(db.query("select url, gone, text from articles where gone is not null"))
        assert [r["url"].endswith(SEED_COPY) for r in gone] == [True]
        assert "Courtesy-China Media Group" in gone[0]["text"]  # the evidence stays
        db.close()
        page.write_text(html, encoding="utf-8")  # put back up: the stamp is cleared
        run(db_path, registry, None, SYNDTRACK_RECHECK_AFTER_HOURS=0)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    db = open_db(db_path)
    assert db.execute("select count(*) from articles where gone is not null").fetchone()[0] == 0
    assert db["articles"].count == 3
    db.close()


def test_discovery_from_home_page_robots_and_feed_links(sites, tmp_path, db_path):
    registry = write_registry(tmp_path, sites.bases, discovery=True)
    result = run(db_path, registry, ["statemedia", "autoblog"])
    assert result.status == "finished" and result.errors == 0
    db = open_db(db_path)
    by_outlet = {}
    for row in db.query("select outlet, url from articles"):
        by_outlet.setdefault(row["outlet"], set()).add(row["url"].rsplit("/", 2)[-2 if row["url"].endswith("/") else -1])
    db.close()
    # autoblog: two posts linked from the home page, the third only in the feed the home page advertises.
    assert len(by_outlet["autoblog"]) == 3
    assert "trump-i-dont-want-to-say-its-a-threat-but-it-is-a-threat-cnn" in by_outlet["autoblog"]
    # statemedia: robots.txt names the sitemap index; the Google News sitemap lists both articles.
    assert len(by_outlet["statemedia"]) == 2
    sm_paths = paths(sites.log("statemedia"))
    assert "/sitemap_index.xml" in sm_paths and "/sitemaps/news.xml" in sm_paths
    assert sm_paths.count("/robots.txt") == 1  # read once, for both obeying and discovery
    assert not any(p.startswith("/private/") for p in sm_paths)
    assert not any(p.startswith("/wp-admin/") for p in paths(sites.log("autoblog")))
    stats = run_stats(db_path, result.run_id)
    assert stats["syndtrack/discovery/sitemaps"] >= 1 and stats["syndtrack/discovery/feeds"] == 1
    assert stats["syndtrack/crawl_delay/127.0.0.1"] == 0.05  # autoblog's robots.txt Crawl-delay


def test_max_age_days_filters_before_fetching(sites, tmp_path, db_path):
    # The index lists news.xml (lastmod 2024-04-24) and archive.xml (2019); news.xml lists
    # the 2023-05-20 commentary and the 2024-04-24 People's Daily page.
    registry = write_registry(tmp_path, sites.bases, statemedia_max_age=days_since("2024-01-01"))
    result = run(db_path, registry, ["statemedia"])
    assert result.articles_new == 1 and result.status == "finished"
    fetched = paths(sites.log("statemedia"))
    assert PEOPLE_ARTICLE in fetched and SEED_ARTICLE not in fetched and "/sitemaps/archive.xml" not in fetched
    stats = run_stats(db_path, result.run_id)
    assert stats["syndtrack/skipped/too_old_article"] == 1 and stats["syndtrack/skipped/too_old_sitemap"] == 1


def test_cli_crawl_prints_a_summary_and_fails_on_a_dead_site(sites, tmp_path):
    registry = write_registry(tmp_path, sites.bases)
    db = tmp_path / "cli.db"
    fast = [a for k, v in FAST.items() for a in ("-s", f"{k}={json.dumps(v)}")]
    result = CliRunner().invoke(cli, ["--db", str(db), "crawl", "--outlets", str(registry), "--no-default-outlets",
                                      "--outlet", "republisher", *fast])
    assert result.exit_code == 0, result.output
    assert "finished: " in result.output and "3 new" in result.output

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    dead_registry = tmp_path / "dead.toml"
    dead_registry.write_text(f'[outlets.dead]\nname = "Dead"\nurl = "http://127.0.0.1:{dead}/"\nfeeds = ["http://127.0.0.1:{dead}/rss"]\n')
    result = CliRunner().invoke(cli, ["--db", str(db), "crawl", "--outlets", str(dead_registry), "--no-default-outlets", *fast])
    assert result.exit_code == 1 and "failed" in result.output
    failed = open_db(db)["crawl_runs"].get(2)
    assert failed["status"] == "failed" and failed["errors"] >= 1


def test_user_agent_names_the_tool_and_the_contact():
    from scrapy.settings import Settings

    from crawler.spiders.outlets import OutletsSpider

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("SYNDTRACK_CONTACT", "mailto:research@example.org", priority="cmdline")
    OutletsSpider.update_settings(settings)
    assert settings["USER_AGENT"].startswith("syndtrack/") and "mailto:research@example.org" in settings["USER_AGENT"]
    settings.set("USER_AGENT", "mine", priority="cmdline")  # a User-Agent set by the user wins
    OutletsSpider.update_settings(settings)
    assert settings["USER_AGENT"] == "mine"


def test_outlet_download_delay_sets_a_floor(sites, tmp_path, db_path):
    registry = tmp_path / "delay.toml"
    base = sites.bases["republisher"]
    registry.write_text(f'[outlets.r]\nname = "R"\nurl = "{base}/"\nfeeds = ["{base}/feed.rss"]\ndownload_delay = 0.2\n')
    result = run(db_path, registry, None)
    assert result.articles_new == 3
    stats = run_stats(db_path, result.run_id)
    assert stats["syndtrack/min_delay/127.0.0.1"] == 0.2
    # Five requests (robots, feed, three posts) 0.2 s apart at least.
    assert stats["syndtrack/elapsed_seconds"] >= 0.8


def test_unknown_outlet_fails_before_crawling(tmp_path, sites, db_path):
    registry = write_registry(tmp_path, sites.bases)
    with pytest.raises(CrawlError, match="unknown outlet"):
        run(db_path, registry, ["nope"])


def test_scrapy_crawl_outlets_works_from_the_project_directory(sites, tmp_path, db_path):
    registry = write_registry(tmp_path, sites.bases)
    command = [sys.executable, "-m", "scrapy", "crawl", "outlets", "-a", "outlet=republisher",
               "-s", f"SYNDTRACK_DB={db_path}", "-s", f"SYNDTRACK_OUTLETS_FILE={registry}",
               "-s", "SYNDTRACK_USE_DEFAULT_OUTLETS=False", "-s", "LOG_LEVEL=WARNING"]
    command += [a for k, v in FAST.items() for a in ("-s", f"{k}={v}")]
    subprocess.run(command, cwd=ROOT, check=True, timeout=120)
    db = open_db(db_path)
    assert db["articles"].count == 3
    assert [r["status"] for r in db.query("select status from crawl_runs")] == ["finished"]

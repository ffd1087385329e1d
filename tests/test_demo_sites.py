"""The demo sites bundled in the package: served, crawlable, extractable, shipped."""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from crawler.extraction import extract
from syndtrack.store.db import open_db
from syndtrack.demo import demo_outlets, demo_sites_root, prepare_db
from syndtrack.siteserver import SiteServer

ROOT = Path(str(demo_sites_root()))
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def served():
    server = SiteServer(ROOT)
    bases = server.start()
    yield bases
    server.stop()


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read()


def sitemap_urls(base: str) -> list[str]:
    tree = ET.fromstring(get(base + "/sitemap.xml"))
    return [loc.text for loc in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]


def test_every_site_has_feed_sitemap_robots_and_registry_entry(served):
    outlets = demo_outlets()
    assert set(outlets) == set(served)
    for slug, base in served.items():
        robots = get(base + "/robots.txt").decode()
        assert f"Sitemap: {base}/sitemap.xml" in robots
        home = get(base + "/").decode()
        assert "{{site:" not in home and 'type="application/rss+xml"' in home
        feed_href = home.split('type="application/rss+xml"')[1].split('href="')[1].split('"')[0]
        feed = ET.fromstring(get(feed_href))
        links = [i.findtext("link") for i in feed.iter("item")]
        assert sorted(links) == sorted(sitemap_urls(base)), slug
        assert all(link.startswith(base + "/") for link in links)


def article(served, slug, path):
    url = served[slug] + path
    return extract(get(url), url)


def test_seed_pages_extract_with_dates_and_credit(served):
    origin = article(served, "cmg-world", "/news/2024-04-15/japan-dangerous-actions.html")
    copy = article(served, "dainik-savera", "/what-is-the-purpose-of-japans-series-of-dangerous-actions/")
    seed = (REPO.parent / "shared" / "seeds" / "000_d229f4eea3c573a8.txt")
    assert origin["credit"] is None and "[ad_1]" not in origin["text"]
    assert copy["credit"] == "(Courtesy-China Media Group, Beijing)"
    assert copy["source_url"] == served["cmg-world"] + "/news/2024-04-15/japan-dangerous-actions.html"
    assert datetime.fromisoformat(origin["published"]) < datetime.fromisoformat(copy["published"])
    if seed.exists():  # the seed's body is the origin's text, word for word
        body = seed.read_text(encoding="utf-8").split("[ad_1]")[1].split("(Courtesy")[0]
        assert " ".join(body.split()) == " ".join(origin["text"].split())


def test_every_sitemap_url_is_an_article_and_home_pages_are_not(served):
    for slug, base in served.items():
        assert extract(get(base + "/"), base + "/") is None
        for url in sitemap_urls(base):
            got = extract(get(url), url)
            assert got and got["title"] and got["published"] and len(got["text"]) > 300, url


def test_bundle_is_small():
    size = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    assert size < 300_000


def test_prepare_db_replaces_a_demo_database(tmp_path):
    path = tmp_path / "demo.db"
    db = open_db(path)
    db["outlets"].insert({"slug": "cmg-world", "name": "CMG World Service"})
    db["articles"].insert({"url": "http://127.0.0.1:1/x", "outlet": "dainik-savera", "text": "t"})
    db.close()
    (tmp_path / "demo.db.runs.jsonl").write_text("{}\n")
    prepare_db(path)
    assert not path.exists() and not (tmp_path / "demo.db.runs.jsonl").exists()


def test_a_built_wheel_ships_the_demo_sites_and_the_scrapy_entry_point(tmp_path):
    """Package data is easy to lose in packaging; build a wheel from a copy and look inside."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    for package in ("syndtrack", "crawler", "dedupe"):
        shutil.copytree(REPO / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(src)],
        capture_output=True, text=True,
    )
    if out.returncode != 0 and ("NewConnectionError" in out.stderr or "No matching distribution" in out.stderr):
        pytest.skip("cannot fetch the build backend (setuptools) to build a wheel here")
    assert out.returncode == 0, out.stderr
    wheel = next((tmp_path / "dist").glob("syndtrack-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = {"syndtrack/data/demo_sites/" + p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*") if p.is_file()}
    assert bundled and bundled <= names, sorted(bundled - names)[:5]
    # scrapyd finds the project's settings in a deployed egg through this entry point.
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[scrapy]\nsettings = crawler.settings" in text


def test_prepare_db_never_deletes_a_database_in_use(tmp_path):
    import filelock

    from syndtrack.demo import DemoError
    from syndtrack.run import lock_path

    path = tmp_path / "demo.db"
    db = open_db(path)
    db["articles"].insert({"url": "http://127.0.0.1:1/x", "outlet": "dainik-savera", "text": "t"})
    db.close()
    with filelock.FileLock(lock_path(path)):
        with pytest.raises(DemoError, match="in use"):
            prepare_db(path)
    assert open_db(path)["articles"].count == 1

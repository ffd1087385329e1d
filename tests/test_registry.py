"""The outlet registry: the shipped default, user files laid over it, errors that name outlet and key."""

import json

import pytest
from click.testing import CliRunner

from crawler.feeds import BadSource, older_than, parse_date, parse_feed, parse_sitemap
from crawler.registry import RegistryError, in_domains, load_registry, sync_outlets
from syndtrack.cli import cli

STATE_MEDIA = ["cgtn", "cri", "cctv", "cnr", "xinhua", "peoples-daily", "global-times", "china-daily", "chinanews"]


def test_default_registry_has_the_state_media_and_the_seed_republisher():
    registry = load_registry()
    for slug in STATE_MEDIA:
        assert registry[slug]["state_media"] is True, slug
        assert registry[slug]["owner"], slug
    assert {registry[s]["owner"] for s in ("cgtn", "cri", "cctv", "cnr")} == {"China Media Group"}
    dst = registry["dainik-savera-times"]
    assert dst["state_media"] is False
    assert "dainiksaveratimes.com" in dst["url"] and dst["domains"] == ["dainiksaveratimes.com"]
    # Every default article_pattern compiles and every outlet has a home page.
    assert all(o["url"].startswith("http") for o in registry.values())


def test_user_file_is_laid_over_the_default(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        '[outlets.cgtn]\nmax_age_days = 3\ndownload_delay = 5\n\n'
        '[outlets.mysite]\nname = "My site"\nurl = "https://www.my.example/"\nfeeds = ["https://www.my.example/rss"]\n'
    )
    merged = load_registry(path)
    assert merged["cgtn"]["max_age_days"] == 3 and merged["cgtn"]["download_delay"] == 5
    assert merged["cgtn"]["owner"] == "China Media Group"  # the default's other keys stay
    assert merged["mysite"]["domains"] == ["my.example"]
    with pytest.raises(RegistryError, match="outlet 'cgtn', key 'name'"):
        # Without the default, the cgtn overlay is an outlet of its own, and incomplete.
        load_registry(path, use_default=False)


@pytest.mark.parametrize(
    "table, key, words",
    [
        ('name = "X"\nurl = "https://x.example/"\ncolour = "red"', "colour", "unknown key"),
        ('name = "X"\nurl = "ftp://x.example/"', "url", "not an absolute http(s) URL"),
        ('name = "X"\nurl = "https://x.example/"\nfeeds = ["/rss.xml"]', "feeds", "item 0"),
        ('name = "X"\nurl = "https://x.example/"\narticle_pattern = "(["', "article_pattern", "bad regular expression"),
        ('name = "X"\nurl = "https://x.example/"\nstate_media = "yes"', "state_media", "must be a bool"),
        ('name = "X"\nurl = "https://x.example/"\nmax_age_days = -1', "max_age_days", "must not be negative"),
        ('url = "https://x.example/"', "name", "missing"),
    ],
)
def test_errors_name_the_outlet_and_the_key(tmp_path, table, key, words):
    path = tmp_path / "bad.toml"
    path.write_text(f"[outlets.good]\nname = \"G\"\nurl = \"https://g.example/\"\n\n[outlets.broken]\n{table}\n")
    with pytest.raises(RegistryError) as info:
        load_registry(path, use_default=False)
    assert len(info.value.errors) == 1
    assert f"outlet 'broken', key '{key}'" in info.value.errors[0] and words in info.value.errors[0]


def test_not_toml_is_one_clear_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[outlets.x\nname=")
    with pytest.raises(RegistryError, match="not valid TOML"):
        load_registry(path)


def test_cli_outlets_list_is_the_default_and_check_reports_every_problem(tmp_path):
    runner = CliRunner()
    listed = runner.invoke(cli, ["outlets"])
    assert listed.exit_code == 0, listed.output
    assert "cgtn" in listed.output and "China Media Group" in listed.output and "dainik-savera-times" in listed.output
    as_json = json.loads(runner.invoke(cli, ["outlets", "list", "--json", "--state-media"]).output)
    assert all(o["state_media"] for o in as_json) and len(as_json) >= len(STATE_MEDIA)
    ok = runner.invoke(cli, ["outlets", "check"])
    assert ok.exit_code == 0 and "outlets OK" in ok.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[outlets.a]\nname = "A"\nurl = "nope"\nextra = 1\n[outlets.b]\nname = "B"\nurl = "https://b.example/"\narticle_pattern = "+"\n')
    result = runner.invoke(cli, ["outlets", "check", str(bad)])
    assert result.exit_code == 1
    assert "outlet 'a', key 'url'" in result.output and "outlet 'a', key 'extra'" in result.output
    assert "outlet 'b', key 'article_pattern'" in result.output


def test_sync_outlets_writes_the_outlets_table(fresh_db):
    sync_outlets(fresh_db, load_registry())
    row = fresh_db["outlets"].get("cgtn")
    assert row["state_media"] == 1 and row["owner"] == "China Media Group" and json.loads(row["domains"]) == ["cgtn.com"]


def test_in_domains_respects_ports_and_subdomains():
    assert in_domains("https://news.cgtn.com/a", ["cgtn.com"])
    assert not in_domains("https://cgtn.com.evil.example/a", ["cgtn.com"])
    assert in_domains("http://127.0.0.1:8001/a", ["127.0.0.1:8001"])
    assert not in_domains("http://127.0.0.1:8002/a", ["127.0.0.1:8001"])


def test_google_news_sitemap_dates_and_sitemap_index():
    news = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://x.example/a</loc>
      <news:news><news:publication_date>2024-04-24T08:00:00+08:00</news:publication_date></news:news></url>
      <url><loc>https://x.example/b</loc><lastmod>2024-01-01</lastmod></url></urlset>"""
    links = parse_sitemap(news)
    assert [(l.url, l.kind, l.lastmod) for l in links] == [
        ("https://x.example/a", "article", "2024-04-24T00:00:00+00:00"),
        ("https://x.example/b", "article", "2024-01-01T00:00:00+00:00"),
    ]
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://x.example/s1.xml</loc></sitemap></sitemapindex>"""
    assert [(l.url, l.kind) for l in parse_sitemap(index)] == [("https://x.example/s1.xml", "sitemap")]


def test_feeds_rss_and_atom_with_dates():
    rss = b"""<rss version="2.0"><channel><item><title>A</title><link>https://x.example/a</link>
      <pubDate>Sun, 21 May 2023 09:30:00 +0530</pubDate></item></channel></rss>"""
    assert [(l.url, l.lastmod) for l in parse_feed(rss, "https://x.example/rss")] == [("https://x.example/a", "2023-05-21T04:00:00+00:00")]
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>B</title><link href="/b"/>
      <updated>2023-05-21T00:00:00Z</updated></entry></feed>"""
    assert [(l.url, l.lastmod) for l in parse_feed(atom, "https://x.example/atom")] == [("https://x.example/b", "2023-05-21T00:00:00+00:00")]


def test_gzipped_sitemaps_are_read_within_a_size_limit():
    import gzip

    body = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.example/a</loc></url></urlset>"""
    assert [l.url for l in parse_sitemap(gzip.compress(body))] == ["https://x.example/a"]
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    with pytest.raises(BadSource, match="cannot decompress"):
        parse_sitemap(bomb, max_size=1_000_000)


@pytest.mark.parametrize("reader", [lambda b: parse_feed(b, "https://x.example/"), parse_sitemap])
def test_entity_declarations_are_refused(reader):
    hostile = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><rss><channel><item><link>https://x.example/&b;</link></item></channel></rss>'
    with pytest.raises(BadSource, match="entities"):
        reader(hostile)
    external = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><urlset><url><loc>&e;</loc></url></urlset>'
    with pytest.raises(BadSource, match="entities"):
        reader(external)


def test_dates_and_max_age():
    from datetime import datetime, timezone

    now = datetime(2024, 5, 1, tzinfo=timezone.utc)
    assert parse_date("Tue, 30 Apr 2024 10:00:00 GMT") == "2024-04-30T10:00:00+00:00"
    assert parse_date("garbage") is None
    assert older_than("2024-01-01T00:00:00+00:00", 30, now)
    assert not older_than("2024-04-30T00:00:00+00:00", 30, now)
    assert not older_than(None, 30, now) and not older_than("2000-01-01T00:00:00+00:00", None, now)

"""The outlet registry: the shipped default, user files laid over it, errors that name outlet and key."""

import json

import pytest
from click.testing import CliRunner

from crawler.feeds import BadSource, older_than, parse_feed, parse_sitemap
from syndtrack.store.dates import lastmod as parse_date
from syndtrack.store.registry import RegistryError, in_domains, load_registry, sync_outlets
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
    # Every outlet a crawl visits has a home page; the others may be known by name only.
    assert all(registry[s]["url"].startswith("http") for s in registry.crawl_slugs())
    assert all(o["url"] or not o["crawl"] for o in registry.values())


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


# -- one registry: identity, owners, resolution ------------------------------------------------

from syndtrack.store.registry import Registry, registrable_domain  # noqa: E402


def test_resolve_by_slug_url_host_and_name():
    registry = Registry.load()
    assert registry.resolve("xinhua")["slug"] == "xinhua"
    assert registry.resolve("https://english.news.cn/20240101/abc/c.html")["slug"] == "xinhua"
    assert registry.resolve("http://www.xinhuanet.com/english/a.htm")["slug"] == "xinhua"
    # The longest domain wins: a language edition on a subdomain is its own outlet.
    spanish = registry.resolve("http://spanish.xinhuanet.com/x")
    assert spanish["slug"] != "xinhua" and spanish["owner"] == "Xinhua News Agency"
    assert registry.resolve("新华社")["slug"] == "xinhua"
    assert registry.resolve("china media group")["owner"] == "China Media Group"
    assert registry.resolve("https://cgtn.com.evil.example/a") is None
    assert registry.resolve("https://people.com.cn.example.org/") is None
    assert registry.resolve("Radio Nacional") is None  # several countries' outlets: ambiguous
    assert registry.resolve("") is None and registry.resolve(None) is None


def test_owners_are_distinct_where_they_are_distinct():
    registry = Registry.load()
    owner = {slug: registry[slug]["owner"] for slug in ("rt", "sputnik", "ria-novosti", "tass")}
    assert owner["sputnik"] == owner["ria-novosti"] == "Rossiya Segodnya"
    assert owner["rt"] == "ANO TV-Novosti" and owner["tass"] == "TASS"
    assert registry.resolve("https://de.rt.com/x")["owner"] == "ANO TV-Novosti"
    assert registry.resolve("https://sputniknews.in/x")["owner"] == "Rossiya Segodnya"
    names, hosts = registry.credit_names(registry["cgtn"])
    assert {"China Media Group", "CCTV", "CRI", "CGTN"} <= names and {"cgtn.com", "cctv.com", "cri.cn"} <= hosts
    tass_names, _ = registry.credit_names(registry["tass"])
    assert "RT" not in tass_names and "Sputnik" not in tass_names


def test_state_media_worldwide_with_typology():
    registry = Registry.load()
    state = registry.state_media()
    assert len(state) >= 1000 and len({o["country"] for o in state}) >= 50
    assert all(o["typology"] for o in state)
    assert {"cgtn.com", "tass.ru", "presstv.ir", "aa.com.tr"} <= registry.state_media_hosts()
    # Independent public media (the list's IP) are listed, not counted as state media.
    assert not registry.resolve("https://www.bbc.co.uk/news")["state_media"]
    # Outlets only on the list are recognised, not crawled by default.
    assert "cgtn" in registry.crawl_slugs() and len(registry.crawl_slugs()) < 100


def test_user_outlets_win_a_shared_domain_and_name_only_outlets_need_no_url(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[outlets.my-xinhua]\nname = "My Xinhua mirror"\nurl = "https://english.news.cn/"\n'
                    '[outlets.radio-x]\nname = "Radio X"\ncrawl = false\n')
    registry = Registry.load(path)
    assert registry.resolve("https://english.news.cn/a")["slug"] == "my-xinhua"
    assert registry["radio-x"]["url"] is None and registry["radio-x"]["domains"] == []
    assert "radio-x" not in registry.crawl_slugs()
    path.write_text('[outlets.radio-y]\nname = "Radio Y"\n')
    with pytest.raises(RegistryError, match="required unless crawl = false"):
        Registry.load(path)


def test_a_public_suffix_is_no_outlet_domain(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[outlets.x]\nname = "X"\nurl = "https://x.blogspot.com/"\ndomains = ["blogspot.com"]\n')
    with pytest.raises(RegistryError, match="public suffix"):
        Registry.load(path, use_default=False)
    assert registrable_domain("https://a.b.people.com.cn/x") == "people.com.cn"
    assert registrable_domain("english.news.cn") == "news.cn"
    assert registrable_domain("http://127.0.0.1:8001/x") == "127.0.0.1"


def test_cli_state_media_lists_a_thousand_outlets_from_fifty_countries():
    runner = CliRunner()
    result = runner.invoke(cli, ["outlets", "list", "--state-media", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) >= 1000 and len({o["country"] for o in rows}) >= 50
    assert all(o["state_media"] for o in rows)
    plain = runner.invoke(cli, ["outlets"])
    assert "more known to recognise them" in plain.output and "--state-media" in plain.output
    ru = runner.invoke(cli, ["outlets", "list", "--country", "ru"]).output
    assert "tass" in ru and "cgtn" not in ru


def test_default_registry_loads_fast_and_once():
    import time

    Registry.load()
    start = time.perf_counter()
    for _ in range(100):
        Registry.load()
    assert time.perf_counter() - start < 0.05  # parsed once per process


def test_default_registry_is_cached_by_content_and_reparsed_when_the_file_changes(tmp_path, monkeypatch):
    """The shipped registry's parsed form is kept in the cache directory; a changed file is parsed anew."""
    from syndtrack.store import registry as reg

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    shipped = tmp_path / "outlets.toml"
    shipped.write_text(reg.DEFAULT_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(reg, "DEFAULT_PATH", shipped)
    cache = tmp_path / "cache" / "syndtrack"
    reg._default_raw.cache_clear()
    try:
        first = reg._default_raw()
        pickles = list(cache.glob("outlets-*.pickle"))
        assert len(pickles) == 1
        reg._default_raw.cache_clear()
        assert reg._default_raw() == first  # loaded from the pickle: the same tables
        shipped.write_text(shipped.read_text(encoding="utf-8").replace('name = "CGTN"', 'name = "CGTN (edited)"', 1),
                           encoding="utf-8")
        reg._default_raw.cache_clear()
        assert reg._default_raw()["cgtn"]["name"] == "CGTN (edited)"
        now = list(cache.glob("outlets-*.pickle"))
        assert len(now) == 1 and now != pickles  # the old version's pickle removed
        now[0].write_bytes(b"not a pickle")  # a truncated file: parsed again
        reg._default_raw.cache_clear()
        assert reg._default_raw()["cgtn"]["name"] == "CGTN (edited)"
    finally:
        reg._default_raw.cache_clear()
        reg._default.cache_clear()

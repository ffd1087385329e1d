"""Imported articles get their outlet from the registry (issue 11, item 3)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from syndtrack.store.articles import store_articles
from syndtrack.cli import cli
from syndtrack.clustering import cluster
from syndtrack.store.db import open_db
from syndtrack.store.registry import Registry, sync_outlets

FIXTURES = Path(__file__).parent / "dedupe_fixtures"
XINHUA_TEXT = json.loads((FIXTURES / "culturax_zh.json").read_text(encoding="utf-8"))[0]
ENGLISH = [json.loads(line) for line in (FIXTURES / "helsinki_sample.jsonl").read_text(encoding="utf-8").splitlines()][5]
STORY = "\n\n".join(p.strip() for p in ENGLISH["text"].split(" ### ") if p.strip())

ARTICLES = [
    {"url": "https://english.news.cn/20240501/abc/c.html", "title": "Xinhua story", "text": STORY,
     "published": "2024-05-01T08:00:00+00:00"},
    {"url": "https://www.news.example.co.uk/world/xinhua-story", "title": "Xinhua story", "text": STORY + "\n\nSource: Xinhua",
     "published": "2024-05-01T10:00:00+00:00", "site_name": "Example News"},
    {"url": "http://www.xinhuanet.com/2024-05/01/c_1.htm", "title": "新华社", "text": XINHUA_TEXT,
     "published": "2024-05-01T07:00:00+00:00"},
    {"url": "https://mirror.example.org/zh/1", "title": "转载", "text": XINHUA_TEXT, "published": "2024-05-01T11:00:00+00:00",
     "outlet": "Mirror Site"},
]


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def invoke(db_path, *args):
    result = CliRunner().invoke(cli, ["--db", str(db_path), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_imported_articles_resolve_their_outlets(tmp_path, db_path):
    invoke(db_path, "import", str(write_jsonl(tmp_path / "in.jsonl", ARTICLES + [
        {"url": "https://x.example/a", "text": "Another text entirely, nothing shared with the rest.", "outlet": "Xinhua News Agency"},
    ])))
    db = open_db(db_path)
    outlet = dict(db.execute("select url, outlet from articles"))
    assert outlet["https://english.news.cn/20240501/abc/c.html"] == "xinhua"  # a subdomain of a registry domain
    xinhuanet = Registry.load().resolve("www.xinhuanet.com")
    assert outlet["http://www.xinhuanet.com/2024-05/01/c_1.htm"] == xinhuanet["slug"] and xinhuanet["state_media"]
    assert outlet["https://x.example/a"] == "xinhua"  # the outlet named by an alias
    # Unknown hosts: keyed by the registrable domain, named after the site when known.
    assert outlet["https://www.news.example.co.uk/world/xinhua-story"] == "example.co.uk"
    assert outlet["https://mirror.example.org/zh/1"] == "example.org"
    rows = {r["slug"]: r for r in db["outlets"].rows}
    assert rows["example.co.uk"]["name"] == "Example News" and rows["example.co.uk"]["state_media"] == 0
    assert rows["example.org"]["name"] == "Mirror Site"
    assert rows["xinhua"]["state_media"] == 1
    # Every article's outlet is in the outlets table.
    assert db.execute("select count(*) from articles where outlet not in (select slug from outlets)").fetchone()[0] == 0


def test_import_only_database_answers_state_media_filters_like_a_crawled_one(tmp_path):
    crawled, imported = tmp_path / "crawled.db", tmp_path / "imported.db"
    # As the crawler stores them: outlet slugs set by the spider, the registry synced.
    db = open_db(crawled)
    registry = Registry.load()
    sync_outlets(db, registry)
    outlets = [registry.outlet_for(a["url"], a.get("outlet"), a.get("site_name")) for a in ARTICLES]
    sync_outlets(db, {o["slug"]: o for o in outlets})
    store_articles(db, [{**a, "outlet": o["slug"]} for a, o in zip(ARTICLES, outlets)], origin="crawl")
    cluster(db)
    # Imported with nothing but the JSONL: no crawl, no --outlets.
    invoke(imported, "import", str(write_jsonl(tmp_path / "in.jsonl", ARTICLES)))
    invoke(imported, "cluster")
    for args in (["clusters", "--state-media", "--format", "json"], ["outlets", "report", "--state-media", "--format", "json"]):
        want, got = ([{k: v for k, v in row.items() if k != "updated"} for row in json.loads(invoke(path, *args))]
                     for path in (crawled, imported))
        assert got == want and len(got) >= 2, args
    assert invoke(imported, "clusters", "--state-media") != "(no rows)\n"


def test_import_with_a_registry_file_and_outlets_load(tmp_path, db_path):
    registry = tmp_path / "mine.toml"
    registry.write_text(
        '[outlets.mirror]\nname = "The Mirror"\nurl = "https://mirror.example.org/"\nstate_media = true\n'
        'owner = "Example Ministry"\ncountry = "XX"\n', encoding="utf-8")
    invoke(db_path, "import", "--outlets", str(registry), str(write_jsonl(tmp_path / "in.jsonl", ARTICLES[2:])))
    db = open_db(db_path)
    assert db.execute("select outlet from articles where url like 'https://mirror.example.org/%'").fetchone()[0] == "mirror"
    assert db["outlets"].get("mirror")["state_media"] == 1
    # `outlets load` writes a file's outlets without importing anything; the file wins.
    registry.write_text(registry.read_text().replace("The Mirror", "The Mirror (renamed)"), encoding="utf-8")
    out = invoke(db_path, "outlets", "load", str(registry))
    assert "1 outlets from" in out
    assert db["outlets"].get("mirror")["name"] == "The Mirror (renamed)"
    assert db["outlets"].count >= 1000


def test_bad_registry_file_is_one_clear_error(tmp_path, db_path):
    registry = tmp_path / "bad.toml"
    registry.write_text('[outlets.x]\nname = "X"\nurl = "not a url"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", str(db_path), "import", "--outlets", str(registry),
                                      str(write_jsonl(tmp_path / "in.jsonl", ARTICLES[:1]))])
    assert result.exit_code == 1
    assert "bad outlet registry" in result.output and "x" in result.output


def test_database_rows_without_aliases_keep_the_registrys():
    # A row written by an older syndtrack (no aliases column filled) must not make
    # "新华社" stop crediting Xinhua.
    base = Registry.load()
    registry = Registry.from_rows([{"slug": "xinhua", "name": "Xinhua", "url": "https://english.news.cn/",
                                    "domains": "[]", "aliases": None}], base=base)
    assert set(base["xinhua"]["aliases"]) <= set(registry["xinhua"]["aliases"]) and registry["xinhua"]["aliases"]
    names, _ = registry.credit_names(registry["xinhua"])
    assert "新华社" in names

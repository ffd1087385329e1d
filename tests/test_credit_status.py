"""Credit, classified (issue 11, item 4): what a copy says about where its text came from."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from dedupe.credit import OutletNames, credit_status
from syndtrack.store.articles import store_articles
from syndtrack.cli import cli
from syndtrack.clustering import cluster
from syndtrack.store.registry import Registry, load_outlets

FIXTURES = Path(__file__).parent / "dedupe_fixtures"
ROWS = [json.loads(line) for line in (FIXTURES / "helsinki_sample.jsonl").read_text(encoding="utf-8").splitlines()]
BODY = "\n\n".join(p.strip() for p in ROWS[5]["text"].split(" ### ") if p.strip())
XINHUA_ZH = json.loads((FIXTURES / "culturax_zh.json").read_text(encoding="utf-8"))[0]


def test_credit_status_rules():
    names, hosts = {"cgtn", "china media group"}, {"cgtn.com"}
    assert credit_status("(Courtesy-China Media Group, Beijing)", [], names, hosts) == "credited"
    assert credit_status("", ["https://news.cgtn.com/a"], names, hosts) == "credited"
    assert credit_status("Source: Xinhua", [], names, hosts, others={"xinhua"}) == "credited_other"
    assert credit_status("(Agencies)", [], names, hosts) == "vague"
    assert credit_status("来源：网络", [], names, hosts) == "vague"
    assert credit_status("", [], names, hosts, origin_credits_itself=True) == "stripped"
    assert credit_status("", [], names, hosts) == "none"


def test_outlet_names_finds_registry_outlets_in_credit_evidence():
    registry = Registry.load()
    finder = OutletNames(registry.names(), registry.hosts())
    assert "xinhua" in finder.named("BEIJING, May 3 (Xinhua) --")
    assert {"reuters"} <= finder.named("(Reuters)")
    assert finder.named("", ["https://www.reuters.com/world/x"]) == {"reuters"}
    # Generic words that happen to name an outlet somewhere are not credits.
    assert finder.named("(Photo: Gold Star, Today)") == set()


def test_each_copy_gets_its_credit_status(fresh_db):
    load_outlets(fresh_db)
    dateline = "BEIJING, May 3 (Xinhua) -- "
    t0 = "2024-05-03T08:00:00+00:00"
    store_articles(fresh_db, [
        {"url": "https://english.news.cn/a", "text": dateline + BODY, "published": t0, "outlet": "xinhua"},
        {"url": "https://one.example/a", "text": dateline + BODY, "published": "2024-05-03T09:00:00+00:00"},
        {"url": "https://two.example/a", "text": BODY + "\n\n(Reuters)", "published": "2024-05-03T09:10:00+00:00"},
        {"url": "https://three.example/a", "text": BODY + "\n\n(Agencies)", "published": "2024-05-03T09:20:00+00:00"},
        {"url": "https://four.example/a", "text": BODY, "published": "2024-05-03T09:30:00+00:00"},
        # An origin that carries no credit of its own: a bare copy has nothing to strip.
        {"url": "https://news.cgtn.com/b", "text": XINHUA_ZH, "published": t0, "outlet": "cgtn"},
        {"url": "https://five.example/b", "text": XINHUA_ZH.replace("新华社", "某某"), "published": "2024-05-03T10:00:00+00:00"},
    ])
    cluster(fresh_db)
    status = dict(fresh_db.execute(
        "select a.url, m.credit_status from cluster_members m join articles a on a.id = m.article_id"))
    assert status["https://english.news.cn/a"] is None  # the origin
    assert status["https://one.example/a"] == "credited"
    assert status["https://two.example/a"] == "credited_other"
    assert status["https://three.example/a"] == "vague"
    assert status["https://four.example/a"] == "stripped"
    assert status["https://five.example/b"] == "none"
    credited = dict(fresh_db.execute(
        "select a.url, m.credited from cluster_members m join articles a on a.id = m.article_id where m.relation != 'origin'"))
    assert credited == {u: int(s == "credited") for u, s in status.items() if s is not None}


def test_outlets_report_shows_the_breakdown(fresh_db, db_path):
    test_each_copy_gets_its_credit_status(fresh_db)
    result = CliRunner().invoke(cli, ["--db", str(db_path), "outlets", "report", "--format", "json"])
    rows = {r["outlet"]: r for r in json.loads(result.output)}
    assert rows["two.example"]["credit_other"] == 1 and rows["three.example"]["credit_vague"] == 1
    assert rows["four.example"]["credit_stripped"] == 1 and rows["one.example"]["credit_credited"] == 1
    table = CliRunner().invoke(cli, ["--db", str(db_path), "outlets", "report"]).output
    assert "credit_stripped" in table.splitlines()[0]

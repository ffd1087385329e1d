"""Round-ups (several agency datelines) cluster only with their own copies (issue 12, keep apart)."""

from __future__ import annotations

from dedupe.assemble import Edge, Node, assemble
from dedupe.roundup import datelines, is_roundup
from syndtrack.clustering import cluster
from syndtrack.store.articles import store_articles
from tests.test_stories import paragraphs

CITIES = ["MOSCOW", "HELSINKI, Finland", "BEIJING, May 3", "WASHINGTON"]


def _brief(items: list[str]) -> str:
    agencies = ["AP", "AP", "Xinhua", "AP"]
    return "\n\n".join(f"{CITIES[i]} ({agencies[i]}) — {item}" for i, item in enumerate(items))


def test_datelines_are_counted_in_english_and_chinese():
    assert datelines("WASHINGTON (AP) — a. MOSCOW (AP) - b. BEIJING, May 3 (Xinhua) -- c. 新华社北京5月3日电 d") == 4
    story = "HELSINKI (AP) — One story. (AP Photo/Markus Schreiber) Trump said (AP) nothing."
    assert datelines(story) == 1 and not is_roundup(story)
    assert is_roundup(_brief(paragraphs(3, seed=1)))
    # A copy repeating its origin's dateline in its credit line is one story (generated corpus, story s00287).
    copy = "新华社北京3月4日电 ...\n\n新华社北京3月4日电（记者）正文。\n\n（来源：新华社北京3月4日电）"
    assert datelines(copy) == 1 and not is_roundup(copy)


def test_a_round_up_and_a_story_it_carries_are_not_one_cluster():
    nodes = {1: Node(1, url="https://a/", published=0.0, roundup=True), 2: Node(2, url="https://b/", published=10.0),
             3: Node(3, url="https://c/", published=20.0, roundup=True), 4: Node(4, url="https://d/", published=30.0, roundup=True)}
    edges = {(1, 2): Edge(100.0, 0.06, 0.93), (1, 3): Edge(100.0, 1.0, 1.0), (1, 4): Edge(100.0, 0.4, 0.45)}
    (c,) = assemble(nodes, edges)
    assert {m.article_id for m in c.members} == {1, 3}  # its copy; not the story, not another topic page


def test_a_brief_its_copy_and_an_item_page(fresh_db):
    items = paragraphs(4, seed=7)
    brief = _brief(items)
    t = "2018-07-16T1{}:00:00+00:00"
    store_articles(fresh_db, [
        {"url": "https://dailymail.example/brief", "text": brief, "published": t.format(0)},
        {"url": "https://miamiherald.example/brief", "text": brief, "published": t.format(1)},
        # The World Cup item on its own page, and a copy of that page.
        {"url": "https://yahoo.example/item", "text": items[1] + "\n\n" + paragraphs(1, seed=9)[0], "published": t.format(2)},
        {"url": "https://msn.example/item", "text": items[1] + "\n\n" + paragraphs(1, seed=9)[0], "published": t.format(3)},
    ])
    cluster(fresh_db)
    groups = {}
    for url, cid in fresh_db.execute("select a.url, m.cluster_id from cluster_members m join articles a on a.id = m.article_id"):
        groups.setdefault(cid, set()).add(url.split("/")[2].split(".")[0])
    assert sorted(map(sorted, groups.values())) == [["dailymail", "miamiherald"], ["msn", "yahoo"]]
    # The brief's match with the item page is kept (trace finds it), out of the clusters.
    assert fresh_db.execute("select count(*) from matches").fetchone()[0] >= 3


def test_aps_news_in_brief_and_the_world_cup_item_it_carries(fresh_db):
    from tests.test_headlines import _helsinki

    # Three copies of AP's News in Brief at 6:04 a.m. and Yahoo's page of one of its items.
    arts = _helsinki(ids={"6464", "8994", "12876", "8976"})
    assert len(arts) == 4
    assert sum(is_roundup(a["text"]) for a in arts) == 3
    store_articles(fresh_db, arts)
    cluster(fresh_db)
    clustered = {u.rsplit("/", 1)[1] for (u,) in fresh_db.execute(
        "select a.url from cluster_members m join articles a on a.id = m.article_id")}
    assert clustered == {"6464", "8994", "12876"}
    # Their match is kept for trace.
    item = fresh_db.execute("select id from articles where url like '%/8976'").fetchone()[0]
    assert fresh_db.execute("select count(*) from matches where a_id = ? or b_id = ?", [item, item]).fetchone()[0] >= 1

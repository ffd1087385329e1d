"""Headline members: a page with a story's headline and none of its text (issue 12, real news)."""

from __future__ import annotations

from dedupe import headlines
from dedupe.assemble import HEADLINE, Edge, Node, assemble
from dedupe.stories import holds_together
from syndtrack.clustering import cluster
from syndtrack.store.articles import store_articles
from tests.test_stories import paragraphs

TITLE = "Trump, Putin sit down a bit late for closely watched summit"


def test_keys_read_the_title_and_a_headline_first_line_and_ignore_punctuation():
    # The Boston Herald writes "_" for a dash; other pages curly quotes.
    assert headlines.key("Royalty, the pope, and now Trump _ Putin makes everyone wait") == \
        headlines.key("Royalty, the pope, and now Trump — Putin makes everyone wait")
    assert headlines.key("Trump: summit off to a ‘very, very good start’") == \
        headlines.key("Trump: summit off to a 'very, very good start'")
    assert headlines.key("Trump meets Putin") is None  # too short to identify a story
    # A byline for a title: the body's first line is the headline.
    assert headlines.keys("Associated Press Sunday, July 15, 2018", TITLE + "\n\nCaption.") == [
        headlines.key("Associated Press Sunday, July 15, 2018"), headlines.key(TITLE)]
    assert headlines.keys(None, "A first paragraph that runs on " * 10) == []  # a paragraph, not a headline


def test_shared_text_holds_together_in_blocks_not_in_scraps():
    assert holds_together([[0, 900, 0, 900], [1000, 1400, 950, 1350], [2000, 2100, 1500, 1600]])
    scraps = [[i * 300, i * 300 + 150, i * 300, i * 300 + 150] for i in range(45)]  # an aggregator's ledes
    assert not holds_together(scraps)
    assert not holds_together([])


def test_a_headline_page_joins_the_cluster_and_is_never_its_origin():
    nodes = {i: Node(i, outlet=f"o{i}", published=float(t), url=f"https://o{i}/") for i, t in
             [(1, 100), (2, 200), (3, 50), (4, 300)]}
    edges = {(1, 2): Edge(100.0, 1.0, 1.0), (1, 3): Edge(0.0, 0.0, 0.0, HEADLINE),
             (1, 4): Edge(100.0, 1.0, 1.0), (3, 4): Edge(0.0, 0.0, 0.0, HEADLINE)}
    (c,) = assemble(nodes, edges)
    assert c.origin_id == 1  # 3 is older, but a headline is no evidence of origin
    rel = {m.article_id: m.relation for m in c.members}
    assert rel == {1: "origin", 2: "copy", 3: HEADLINE, 4: "copy"}
    # A page with text of its own in a cluster ignores its headline edges.
    edges[(3, 5)] = Edge(100.0, 1.0, 1.0)
    nodes[5] = Node(5, outlet="o5", published=60.0, url="https://o5/")
    clusters = assemble(nodes, edges)
    assert {m.article_id for c in clusters for m in c.members if m.relation == HEADLINE} == set()


def _story(headline: str = TITLE) -> list[dict]:
    # The body tells what the headline says (dedupe.headlines.heads_its_text).
    body = "\n\n".join(["HELSINKI (AP) — Trump and Putin sat down late on Monday for their closely watched "
                         "summit, and nobody says Trump meets Putin for nothing."] + paragraphs(6, seed=11))
    t = "2018-07-16T12:0{}:00+00:00"
    return [
        {"url": "https://sdut.example/a", "title": headline, "text": body, "published": t.format(1)},
        {"url": "https://bdn.example/a", "title": headline, "text": body, "published": t.format(2)},
    ]


def _caption_page(headline: str = TITLE, n: int = 1) -> dict:
    # Headline, credit and photo captions: the body was not captured.
    captions = "\n\n".join(paragraphs(2, seed=50 + n))
    return {"url": f"https://bostonherald.example/{n}", "title": headline,
            "text": f"{headline}\n\nAssociated Press Monday, July 16, 2018\n\n{captions}",
            "published": "2018-07-16T12:30:00+00:00"}


def _members(db) -> dict[str, tuple[str, int]]:
    return {u: (r, s) for u, r, s in db.execute(
        "select a.url, m.relation, c.story_id from cluster_members m join clusters c on c.id = m.cluster_id "
        "join articles a on a.id = m.article_id")}


def test_a_caption_page_joins_the_story_whose_headline_it_carries(fresh_db):
    store_articles(fresh_db, _story() + [_caption_page()])
    cluster(fresh_db)
    members = _members(fresh_db)
    assert members["https://bostonherald.example/1"][0] == "headline"
    assert members["https://bostonherald.example/1"][1] == members["https://sdut.example/a"][1]
    assert fresh_db.execute("select size, outlets from stories").fetchall() == [(3, 3)]
    # The page is counted in the republications; its share of the text is unknown, not 0.
    row = fresh_db.execute("select relation, coverage, score from cluster_members where relation = 'headline'").fetchone()
    assert row == ("headline", None, None)
    # The copy's share is the cluster's mean coverage: the headline page does not pull it to 50%.
    assert fresh_db.execute("select copies, avg_coverage from cluster_summary").fetchall() == [(2, 1.0)]


def test_headline_members_are_the_same_incrementally_and_from_scratch(fresh_db):
    store_articles(fresh_db, [_caption_page()])  # the page first, the story later
    cluster(fresh_db)
    assert _members(fresh_db) == {}
    store_articles(fresh_db, _story())
    cluster(fresh_db)
    incremental = _members(fresh_db)
    assert incremental["https://bostonherald.example/1"][0] == "headline"
    cluster(fresh_db, full=True)
    assert _members(fresh_db) == incremental


def test_an_outlets_recurring_first_line_is_chrome_not_a_headline(fresh_db):
    chrome = "Tap here to turn on desktop notifications to get the news sent straight to you"
    story = _story()
    story[0]["text"] = chrome + "\n\n" + story[0]["text"]
    pages = [dict(_caption_page(chrome, n), url=f"https://huffpost.example/{n}") for n in (1, 2)]
    store_articles(fresh_db, story + pages)
    cluster(fresh_db)
    assert {r for r, _ in _members(fresh_db).values()} == {"origin", "copy"}


def test_a_page_outside_the_window_or_with_a_short_headline_stays_out(fresh_db):
    late = dict(_caption_page(n=1), published="2018-07-20T12:30:00+00:00")
    short = _story("Trump meets Putin") + [dict(_caption_page("Trump meets Putin", n=2))]
    store_articles(fresh_db, _story() + [late])
    cluster(fresh_db)
    assert "https://bostonherald.example/1" not in _members(fresh_db)
    store_articles(fresh_db, [dict(a, url=a["url"] + "-short") for a in short])
    cluster(fresh_db)
    assert not any(r == "headline" for r, _ in _members(fresh_db).values())


# -- on the real news day ---------------------------------------------------------------------------


def _helsinki(story: str | None = None, ids: set[str] = frozenset()) -> list[dict]:
    import csv
    import sys

    import pytest

    from tests.test_stories import BENCH

    sys.path.insert(0, str(BENCH))
    dedupe_quality = pytest.importorskip("dedupe_quality")
    if not (dedupe_quality.DATA_DIR / "provenance-news-day-samples").exists():
        pytest.skip("needs ../shared/data")
    with open(BENCH / "labels" / "helsinki_stories.csv", newline="", encoding="utf-8") as f:
        wanted = {r["id"] for r in csv.DictReader(f) if r["story"] == story} | set(ids)
    arts, _ = dedupe_quality.helsinki_articles()
    return [{k: v for k, v in a.items() if k != "label"} for a in arts if a["label"]["id"] in wanted]


def test_boston_heralds_caption_pages_join_aps_monday_story(fresh_db):
    # The Boston Herald's AP pages hold the headline and AP photo captions only; the
    # other publishers' pages of the story carry its text (labelled by reading).
    arts = _helsinki("ap-trump-putin-summit-monday")
    assert len(arts) == 34
    store_articles(fresh_db, arts)
    cluster(fresh_db)
    rows = fresh_db.execute(
        "select a.url, m.relation, c.story_id from cluster_members m join clusters c on c.id = m.cluster_id "
        "join articles a on a.id = m.article_id").fetchall()
    herald = {u.rsplit("/", 1)[1]: (r, s) for u, r, s in rows if "bostonherald" in u}
    assert {k: r for k, (r, _) in herald.items()} == {"2930": "headline", "5082": "headline", "7250": "headline"}
    stories = {s for _, _, s in rows}
    assert len(stories) == 1  # one story: the versions and the headline pages


def test_a_related_headline_above_another_story_is_not_its_headline():
    # Click2Houston's Helsinki-bunkers page opened with the McCain headline of a sister
    # site's video; the body never mentions McCain, nor a move forward.
    related = "McCain: Trump's meeting with Putin 'should not move forward'"
    body = (related + "\n\nIn the event of a military attack, officials in Helsinki say the entire population "
            "could be sheltered in rock bunkers before the meeting of Trump and Putin.")
    assert not headlines.heads_its_text(related, body)
    own = "US official: Russia using social media to divide Americans"
    assert headlines.heads_its_text(own, own + "\n\nA U.S. official says Russia is using social media to sow "
                                    "division among American voters ahead of the midterms.")

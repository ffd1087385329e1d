"""Commentary quoting a news item is its own story, not the item's excerpt (dedupe.commentary;
issue 12, item 2: stories that share quotations).

The fixture is three real pages of the Helsinki news day (``../shared/data``): AP's brief
"The world wants to see us get along" as the Chicago Sun-Times (5779) and Syracuse.com
(11580) carried it, and Hot Air's commentary (7036) that quotes four of its five paragraphs
inside 5,000 characters of its own argument; and Michael McFaul's Washington Post op-ed
(5716) with Hot Air's post (8829) that carries it the next day.
"""

from __future__ import annotations

import json
from pathlib import Path

from dedupe.commentary import MIN_SENTENCES, first_person_sentences, is_commentary
from syndtrack.clustering import cluster
from syndtrack.store.articles import store_articles
from test_stories import story_of

FIXTURES = Path(__file__).parent / "dedupe_fixtures"
ROWS = {r["id"]: r for r in map(json.loads, (FIXTURES / "helsinki_commentary.jsonl").read_text("utf-8").splitlines())}
BRIEF, CARRIED, COMMENTARY = 5779, 11580, 7036
OP_ED, OP_ED_CARRIED = 5716, 8829


def article(row: dict, **changes) -> dict:
    """A news-day row as benchmarks/dedupe_quality.py stores it."""
    paras = [" ".join(p.split()) for p in row["text"].split(" ### ") if p.strip()]
    art = {"url": f"https://{row['publisher']}/helsinki/{row['id']}", "outlet": row["publisher"],
           "title": paras[0][:200], "text": "\n\n".join(paras), "published": row["scrape_time"], "language": "en"}
    return {**art, **changes}


def url(n: int) -> str:
    return f"https://{ROWS[n]['publisher']}/helsinki/{n}"


def test_a_commentary_argues_in_the_first_person_and_news_does_not():
    hot_air = article(ROWS[COMMENTARY])["text"]
    voiced, prose = first_person_sentences(hot_air)
    assert voiced >= MIN_SENTENCES and is_commentary(hot_air)
    assert not is_commentary(article(ROWS[BRIEF])["text"])
    assert not is_commentary(article(ROWS[CARRIED])["text"])


def test_quoted_speech_chrome_and_the_country_are_not_a_writers_voice():
    news = " ".join([
        '"We will talk about trade, the military and missiles," the president said on Monday.',
        "“Our relationship has never been worse,” he wrote in a post before the meeting.",
        "Help us deliver journalism that makes a difference in our community.",
        "Sign up for our newsletter to get the latest headlines every morning.",
        "The US and Russia have not held a summit of this kind since 2010.",
    ] * 3)
    assert first_person_sentences(news) == (0, 3)  # the US sentence; a sentence with a quotation is left out
    assert not is_commentary(news)


def test_reported_speech_and_text_carried_from_the_speaker_are_not_the_writers_voice():
    speech = " ".join([
        "We will keep our doors open to every partner who comes in good faith.",
        "Our two countries have always supported each other as good friends.",
        "We are ready to work with you to deepen our cooperation in every field.",
    ] * 3)
    page = ("The president spoke at the opening of the forum in the capital on Tuesday morning.\n"
            + speech + "\nThe forum runs until Friday and brings together delegates from forty countries.")
    assert is_commentary(page)  # read whole, the speaker's words are in the first person
    start = page.index(speech)
    assert not is_commentary(page, [(start, start + len(speech))])  # carried: not the page's own voice
    unmarked = " ".join(["Trump tweeted Monday morning that our relationship with Russia has never been worse.",
                         "He told the host of the evening news that I go in with very low expectations."] * 4)
    assert first_person_sentences(unmarked) == (0, 8)


def test_the_commentary_is_its_own_story_and_its_quotation_stays_in_matches(fresh_db):
    store_articles(fresh_db, [article(ROWS[n]) for n in (BRIEF, CARRIED)])
    cluster(fresh_db)
    store_articles(fresh_db, [article(ROWS[COMMENTARY])])
    cluster(fresh_db)  # incremental: the commentary arrives later
    stories = story_of(fresh_db)
    assert stories[url(BRIEF)] == stories[url(CARRIED)]
    assert url(COMMENTARY) not in stories
    (quoted,) = fresh_db.execute(
        "select count(*) from matches m join articles a on a.id = m.a_id join articles b on b.id = m.b_id "
        "where ? in (a.url, b.url) and ? in (a.url, b.url)", [url(BRIEF), url(COMMENTARY)]).fetchone()
    assert quoted == 1
    # A full run leaves it out as the incremental one did.
    cluster(fresh_db, full=True)
    assert story_of(fresh_db) == stories


def test_a_first_person_op_ed_is_the_story_of_the_later_page_carrying_it(fresh_db):
    # McFaul's op-ed is in the first person with under half of it shared with Hot Air's
    # post: it is the earlier page, and Hot Air's post carries it.
    op_ed = article(ROWS[OP_ED])
    assert is_commentary(op_ed["text"])
    store_articles(fresh_db, [op_ed, article(ROWS[OP_ED_CARRIED])])
    cluster(fresh_db)
    stories = story_of(fresh_db)
    assert stories[url(OP_ED)] == stories[url(OP_ED_CARRIED)]


def test_an_outlets_own_stub_and_full_commentary_are_one_story(fresh_db):
    # Hot Air's first posting of a piece (its opening) and the full post an hour later: the
    # full post is mostly text the stub lacks, in the first person, from the same outlet.
    full = article(ROWS[COMMENTARY])
    paras = full["text"].split("\n\n")
    stub = article(ROWS[COMMENTARY], url="https://hotair.com/helsinki/stub", text="\n\n".join(paras[:8]),
                   published="2018-07-16T08:41:00-04:00")
    assert is_commentary(full["text"])
    store_articles(fresh_db, [stub, full])
    cluster(fresh_db)
    stories = story_of(fresh_db)
    assert stories[stub["url"]] == stories[url(COMMENTARY)]


def test_article_shows_what_the_commentary_quotes(db_path):
    from click.testing import CliRunner

    from syndtrack.cli import cli
    from syndtrack.store.db import open_db

    db = open_db(db_path)
    store_articles(db, [article(ROWS[n]) for n in (BRIEF, CARRIED, COMMENTARY)])
    cluster(db)
    ids = dict(db.execute("select url, id from articles"))
    out = CliRunner().invoke(cli, ["--db", str(db_path), "article", str(ids[url(COMMENTARY)])]).output
    assert "cluster    none" in out
    assert f"of its text with #{ids[url(BRIEF)]} suntimes.com" in out and "outside its story" in out

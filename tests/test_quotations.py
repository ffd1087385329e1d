"""Different news: a follow-up that recycles an earlier piece's background is not a version
of it when the two quote different statements (dedupe.quotations; issue 12, item 2)."""

from __future__ import annotations

import random

from dedupe.quotations import MIN_OWN, OPENING, Quoting, different_news, opens_with_own_text, quotations, quote_apart
from syndtrack.clustering import cluster
from syndtrack.store.articles import store_articles
from test_stories import paragraphs, story_of

BACKGROUND = (
    "Earlier this month the streaming service introduced a policy on hateful conduct that let it drop "
    "artists from its curated playlists. Under the policy it stopped promoting two singers. "
    "The service has 71 million paying members and is the largest of its kind."
)
FIRST = BACKGROUND + (
    ' "We rolled this out wrong and could have explained it better," the chief executive said on Wednesday.'
    ' "The goal was never to punish one single artist," he told the audience.'
    ' "We are taking feedback from a lot of groups now," he added.'
)
FOLLOW_UP = BACKGROUND + (
    ' On Friday the company said it was "moving away from a policy around artist conduct" altogether.'
    ' "The language was too vague and we created confusion," the company said.'
    ' "We do not aim to play judge and jury," it added.'
)


def test_quotations_are_statements_of_five_words_or_more():
    assert quotations('He said it "screwed up" and "we will look at every playlist again" today.') == [
        ["we", "will", "look", "at", "every", "playlist", "again"]]
    assert quotations("«Nous allons examiner chaque liste de lecture» a-t-il dit.") == [
        ["nous", "allons", "examiner", "chaque", "liste", "de", "lecture"]]


def test_two_pieces_quoting_different_statements_report_different_news():
    assert len(Quoting(FIRST).quotes) == len(Quoting(FOLLOW_UP).quotes) == MIN_OWN
    assert quote_apart(FIRST, FOLLOW_UP)
    background_after_the_ledes = [[250, 400, 300, 450], [500, 600, 520, 620]]
    assert different_news(FIRST, FOLLOW_UP, background_after_the_ledes)


def test_a_text_whose_opening_is_shared_is_no_follow_up():
    # A copy, an excerpt or a write-through carries (or rewrites) its origin's opening.
    assert opens_with_own_text([[OPENING, 400, OPENING + 50, 450]])
    assert not opens_with_own_text([[OPENING - 1, 400, 300, 450], [500, 600, 520, 620]])
    assert not opens_with_own_text([[300, 400, 18, 230]])
    assert not opens_with_own_text([])
    assert not different_news(FIRST, FOLLOW_UP, [[0, 229, 18, 232], [1019, 1252, 1924, 2175]])


def test_one_shared_quotation_keeps_them_one_story_even_without_its_marks():
    # A write-through carries the earlier version's quotation, here re-punctuated and unquoted.
    kept = FOLLOW_UP + " He had said earlier that the goal was never to punish one single artist."
    assert not quote_apart(FIRST, kept)
    assert not quote_apart(kept, FIRST)


def test_texts_quoting_fewer_than_three_statements_tell_nothing():
    two = BACKGROUND + ' "We rolled this out wrong and could have explained it," he said. "We listen to every group now," he added.'
    assert not quote_apart(two, FOLLOW_UP)
    assert not quote_apart(FOLLOW_UP, BACKGROUND)
    assert not quote_apart("中国外交部发言人说“我们坚决反对任何形式的干涉”。", "“这是不可接受的做法”他说。")


# -- in the database --------------------------------------------------------------------------------


def _words(seed: int, n: int) -> str:
    rnd = random.Random(seed)
    return " ".join(rnd.choice([f"w{i}q" for i in range(3000)]) for _ in range(n))


def _piece(background: list[str], lede_seed: int, quote_seeds: list[int]) -> str:
    lede = paragraphs(1, seed=lede_seed)[0]
    quoted = [f'"{_words(s, 18).capitalize()}," the {_words(s + 1, 1)} said.' for s in quote_seeds]
    return "\n\n".join([lede, *background, *quoted])


def _follow_up_corpus(keep_a_quote: bool) -> list[dict]:
    """One outlet's piece and its next-day piece sharing four background paragraphs (about
    half of each text, as CNET's two Spotify pieces do), each carried by another site."""
    background = paragraphs(4, seed=100)
    first = _piece(background, 1, [10, 20, 30])
    follow = _piece(background, 2, [40, 50, 60] + ([10] if keep_a_quote else []))
    day1, day2 = "2024-05-30T15:00:00+00:00", "2024-06-01T09:00:00+00:00"
    return [
        {"url": "https://news.example/first", "text": first, "published": day1},
        {"url": "https://carrier.example/first", "text": first, "published": day1.replace("15:", "17:")},
        {"url": "https://news.example/follow-up", "text": follow, "published": day2},
        {"url": "https://carrier.example/follow-up", "text": follow, "published": day2.replace("09:", "11:")},
    ]


def test_a_follow_up_recycling_background_is_another_story(fresh_db):
    store_articles(fresh_db, _follow_up_corpus(keep_a_quote=False))
    cluster(fresh_db)
    stories = story_of(fresh_db)
    assert stories["https://news.example/first"] == stories["https://carrier.example/first"]
    assert stories["https://news.example/follow-up"] == stories["https://carrier.example/follow-up"]
    assert stories["https://news.example/first"] != stories["https://news.example/follow-up"]
    # The reuse itself stays recorded.
    (shared,) = fresh_db.execute(
        "select count(*) from matches m join articles a on a.id = m.a_id join articles b on b.id = m.b_id "
        "where (a.url like '%/first' and b.url like '%/follow-up') "
        "or (a.url like '%/follow-up' and b.url like '%/first')").fetchone()
    assert shared >= 1


def test_the_follow_up_arriving_in_a_later_run_is_apart_as_in_a_full_run(fresh_db):
    corpus = _follow_up_corpus(keep_a_quote=False)
    store_articles(fresh_db, corpus[:2])
    cluster(fresh_db)
    store_articles(fresh_db, corpus[2:])
    cluster(fresh_db)
    incremental = story_of(fresh_db)
    assert incremental["https://news.example/first"] != incremental["https://news.example/follow-up"]
    cluster(fresh_db, full=True)
    full = story_of(fresh_db)
    assert len(set(full.values())) == len(set(incremental.values())) == 2
    assert full["https://news.example/first"] == full["https://carrier.example/first"]


def test_article_shows_the_text_shared_outside_its_story(db_path):
    import json

    from click.testing import CliRunner

    from syndtrack.cli import cli
    from syndtrack.store.db import open_db

    db = open_db(db_path)
    store_articles(db, _follow_up_corpus(keep_a_quote=False))
    cluster(db)
    ids = dict(db.execute("select url, id from articles"))
    first, follow = ids["https://news.example/first"], ids["https://news.example/follow-up"]
    out = CliRunner().invoke(cli, ["--db", str(db_path), "article", str(follow)]).output
    assert f"of its text with #{first} news.example" in out and "outside its story" in out
    data = json.loads(CliRunner().invoke(cli, ["--db", str(db_path), "article", str(follow), "--format", "json"]).output)
    # Its carrier is in its own story: only the first piece and the first piece's carrier are outside.
    assert {m["article_id"] for m in data["shared_outside"]} <= {first, ids["https://carrier.example/first"]}
    assert first in {m["article_id"] for m in data["shared_outside"]}


def test_a_version_keeping_a_quotation_stays_in_the_story(fresh_db):
    store_articles(fresh_db, _follow_up_corpus(keep_a_quote=True))
    cluster(fresh_db)
    stories = story_of(fresh_db)
    assert stories["https://news.example/first"] == stories["https://news.example/follow-up"]

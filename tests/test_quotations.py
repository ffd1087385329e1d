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


# -- quotation of several sentences (dedupe.normalize._quoted_flags, dedupe.align.MIN_UNQUOTED) ----
# Written for these tests on the pattern of RIA's and Vedomosti's own items on one Peskov
# interview (web_copies_heldout8.csv): each has its own lede and background and carries the
# same two-sentence quotation word for word.
QUOTE = ('"There are companies that stayed here and that want to show the Russian side of events '
         'in their coverage of what is going on. Some of them manage it and some manage it timidly, '
         'but we still think it necessary to let them see and hear the president," the spokesman said.')
AGENCY = ("Kremlin wants foreign media to see the president\n\n"
          "MOSCOW, Dec 18 - The Kremlin thinks it necessary to give media from unfriendly countries the chance "
          "to see and hear the president, his spokesman said on Thursday in a television interview.\n\n" + QUOTE)
DAILY = ("Spokesman explains why foreign reporters may ask questions\n\n"
         "Foreign journalists accredited in Moscow will again be allowed to put questions at the year-end press "
         "conference, the presidential spokesman told a state television channel.\n\n" + QUOTE + "\n\n"
         "Two days earlier he had said that the list of participants was still being drawn up and that the date "
         "of the annual event had been set for the nineteenth of December.")


def test_each_sentence_of_a_quotation_of_several_is_quotation():
    from dedupe.normalize import clean

    flags = dict(zip(clean(QUOTE).units, clean(QUOTE).quoted))
    assert len(flags) == 2 and all(flags.values())
    # A quotation left open at the paragraph's end (a stray inch mark) is read sentence by sentence.
    c = clean('The new model has a 14" screen. It weighs less than the old one and costs the same as before.')
    assert c.quoted == [False, False]


def test_two_items_sharing_only_a_quotation_of_two_sentences_are_not_copies(monkeypatch):
    from dedupe import normalize
    from dedupe.align import judge
    from dedupe.normalize import clean

    v = judge(clean(AGENCY), clean(DAILY))
    assert v is None or not v.accepted
    # Read sentence by sentence, the quotation's second sentence counted as narration.
    monkeypatch.setattr(normalize, "_quoted_flags", lambda units: [normalize._quoted_share(u)[0] >= 0.5 for u in units])
    v = judge(clean(AGENCY), clean(DAILY))
    assert v is not None and v.accepted and v.mostly_unquoted


INTERVIEW = [
    '"I was surprised to see how many readers looked at the table of contents and decided what belonged in '
    'the genre before reading a single page of it. They have a very narrow idea of what the field is, '
    'and the best stories in the book are exactly the ones that do not fit it."',
    "He spoke about editors.",
    '"The most important thing an editor does is bring curation to the whole endeavour. If readers knew who '
    'picked a book they loved, they would find the next one much more easily."',
    "And about secret fans.",
    '"They built a literary career, and it turns out they always wanted to write about spaceships. I am glad '
    'the walls between the shelves are coming down at last."',
    "Asked about the new bookshops opened by an online retailer, he was cautious.",
    '"If they open hundreds of them, it will do real damage to the chains. I would be worried about the '
    'smaller shops in particular, which live on thin margins."',
]


def test_a_blog_carrying_paragraphs_of_an_interview_carries_them(monkeypatch):
    # Four consecutive paragraphs of an interview, in their order, inside a blog's own intro and
    # outro: mostly quotation, but the narration between the quotations comes with them
    # (dedupe.align.CARRIED_RUN); outlets quoting one speaker each write their own.
    import importlib

    from dedupe.align import judge
    from dedupe.normalize import clean

    align_module = importlib.import_module("dedupe.align")
    feature = "\n\n".join(["An editor on the state of the genre", *INTERVIEW])
    blog = "\n\n".join([
        "We have been reading a long conversation with a well-known anthology editor this week, and some of "
        "what he said about readers and shops stayed with us for days, so here are the parts we liked most.",
        *INTERVIEW[:5],
        "Read the whole interview at the link below, and tell us in the comments which books you would pick "
        "for next year's anthology if it were up to you to choose them.",
    ])
    v = judge(clean(feature), clean(blog))
    assert v.accepted and not v.unquoted_chars >= 0.3 * v.evidence_chars
    monkeypatch.setattr(align_module, "CARRIED_RUN", 10_000)
    v = judge(clean(feature), clean(blog))
    assert v is None or not v.accepted

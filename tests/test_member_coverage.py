"""cluster_members.member_coverage: how much of a member's own text comes from its origin.

A copy is its origin's text; a commentary that quotes a wire item's paragraphs inside its own
prose carries most of the item as a small part of itself (Hot Air's post around AP's "the world
wants to see us get along" item in the Helsinki news day: 66% of the item, 14% of the post).
``coverage`` alone (the share of the origin carried) cannot tell the two apart."""

from __future__ import annotations

from click.testing import CliRunner

from syndtrack.cli import cli
from syndtrack.clustering import cluster
from syndtrack.store.articles import store_articles
from syndtrack.store.db import open_db
from test_stories import paragraphs

ITEM = paragraphs(5, seed=71)
OWN = paragraphs(14, seed=72)


def _corpus() -> list[dict]:
    item = " ### ".join(ITEM)
    commentary = " ### ".join(OWN[:3] + ITEM[:3] + OWN[3:])
    return [
        {"url": "https://wire.example/item", "outlet": "wire.example", "title": "The world wants us to get along",
         "text": item, "published": "2024-05-01T08:00:00+00:00"},
        {"url": "https://paper.example/item", "outlet": "paper.example", "title": "The world wants us to get along",
         "text": item, "published": "2024-05-01T08:30:00+00:00"},
        {"url": "https://blog.example/post", "outlet": "blog.example", "title": "Summit opens",
         "text": commentary, "published": "2024-05-01T09:10:00+00:00"},
    ]


def _members(db) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in db.execute(
        "select copy_url, relation, coverage, member_coverage from republications")}


def test_a_copy_is_all_origin_and_a_quoting_commentary_mostly_its_own(fresh_db):
    store_articles(fresh_db, _corpus())
    cluster(fresh_db)
    members = _members(fresh_db)
    relation, coverage, share = members["https://paper.example/item"]
    assert relation == "copy" and coverage >= 0.98 and share >= 0.98
    relation, coverage, share = members["https://blog.example/post"]
    # Three of the item's five paragraphs, inside seventeen paragraphs of the post.
    assert relation == "excerpt" and 0.5 <= coverage < 0.75
    assert 0.1 <= share <= 0.25
    origin = fresh_db.execute("select member_coverage from cluster_members m join clusters c "
                              "on c.origin_id = m.article_id").fetchone()[0]
    assert origin == 1.0


def test_show_and_article_say_when_a_member_is_mostly_its_own_text(db_path):
    db = open_db(db_path)
    store_articles(db, _corpus())
    cluster(db)
    cluster_id = db.execute("select cluster_id from republications").fetchone()[0]
    db.close()
    out = CliRunner().invoke(cli, ["--db", str(db_path), "show", str(cluster_id)]).output
    blog = out.split("blog.example", 1)[1].split("\n", 1)[0]
    paper = out.split("paper.example", 1)[1].split("\n", 1)[0]
    assert "of its own text)" in blog and "of its own text" not in paper
    db = open_db(db_path)
    ids = dict(db.execute("select url, id from articles"))
    db.close()
    post = CliRunner().invoke(cli, ["--db", str(db_path), "article", str(ids["https://blog.example/post"])]).output
    assert "excerpt of" in post and "of its own text)" in post
    copy = CliRunner().invoke(cli, ["--db", str(db_path), "article", str(ids["https://paper.example/item"])]).output
    assert "copy of" in copy and "of its own text" not in copy


def test_the_migration_fills_it_from_the_stored_matches(db_path):
    db = open_db(db_path)
    store_articles(db, _corpus())
    cluster(db)
    written = _members(db)
    # The database as an older syndtrack left it: no column, the migration not applied.
    for view in db.view_names():  # the views read the column; opening the file makes them again
        db.execute(f"drop view {view}")
    db.execute("alter table cluster_members drop column member_coverage")
    db.execute("delete from _sqlite_migrations where name = 'm021_member_coverage'")
    db.conn.commit()
    db.close()
    db = open_db(db_path)
    assert _members(db) == written
    assert db.execute("select count(*) from cluster_members where member_coverage is null").fetchone()[0] == 0

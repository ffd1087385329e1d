import sqlite3

from syndtrack.store.db import open_db
from syndtrack.store.migrations import migrations

TABLES = {"outlets", "articles", "article_revisions", "pages", "crawl_runs", "crawl_errors",
          "clusters", "cluster_members", "matches", "articles_fts"}


def test_migrations_create_schema(fresh_db):
    assert TABLES <= set(fresh_db.table_names())
    assert fresh_db.journal_mode == "wal"
    assert fresh_db.execute("pragma busy_timeout").fetchone()[0] >= 10_000
    assert not migrations.pending(fresh_db)


def test_migrations_are_idempotent(db_path):
    db = open_db(db_path)
    db["articles"].insert({"url": "https://a.example/1", "text": "hello", "outlet": "a.example"})
    schema = db.schema
    db.close()
    db = open_db(db_path)
    assert db.schema == schema
    assert db["articles"].count == 1
    applied = [m.name for m in migrations.applied(db)]
    assert len(applied) == len(set(applied)) == len(migrations._migrations)


def test_url_is_unique_and_fts_stays_in_sync(fresh_db):
    fresh_db["articles"].insert({"url": "https://a.example/1", "title": "Japan's dangerous actions", "text": "alliance"})
    try:
        fresh_db["articles"].insert({"url": "https://a.example/1", "text": "again"})
    except sqlite3.IntegrityError:
        pass
    else:
        raise AssertionError("duplicate URL accepted")
    hits = list(fresh_db.query("select rowid from articles_fts where articles_fts match 'alliance'"))
    assert len(hits) == 1
    fresh_db["articles"].update(1, {"text": "treaty"})
    assert not list(fresh_db.query("select rowid from articles_fts where articles_fts match 'alliance'"))
    assert list(fresh_db.query("select rowid from articles_fts where articles_fts match 'treaty'"))

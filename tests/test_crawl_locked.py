"""A crawl while another connection holds SQLite's write lock, as `syndtrack cluster` does while it stores.

Real crawls of the fixture sites (Scrapy in a child process, the local site
server, a real SQLite file); the lock is held by a plain sqlite3 connection in
this process (``BEGIN IMMEDIATE``), taken as soon as the crawl asks for its
first robots.txt, i.e. before any article can have been stored.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time

from syndtrack.crawl import crawl
from syndtrack.store.db import open_db
from test_crawl import FAST, registry_toml

SLUGS = ["statemedia", "republisher"]


class LockHolder(threading.Thread):
    """Holds the database's write lock for ``seconds`` from the crawl's first request."""

    def __init__(self, db_path, sites, seconds: float):
        super().__init__(daemon=True)
        self.db_path, self.sites, self.seconds = db_path, sites, seconds
        self.held: tuple[float, float] | None = None
        self.error: BaseException | None = None

    def run(self):
        try:
            deadline = time.monotonic() + 60
            while not any(e["path"] == "/robots.txt" for site in SLUGS for e in self.sites.log(site)):
                if time.monotonic() > deadline:
                    raise AssertionError("the crawl never started")
                time.sleep(0.01)
            conn = sqlite3.connect(self.db_path, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            start = time.monotonic()
            time.sleep(self.seconds)
            conn.execute("COMMIT")
            conn.close()
            self.held = (start, time.monotonic())
        except BaseException as exc:  # reported by the test
            self.error = exc


def crawl_beside_lock(tmp_path, db_path, sites, hold: float, *, slow: float | None = None, **settings):
    text = registry_toml(sites.bases)
    slugs = list(SLUGS)
    if slow:
        # A page that keeps the crawl open until the lock is gone, so its end can be recorded.
        text += f'\n[outlets.example]\nname = "Slow"\nurl = "{sites.url("example", "/")}"\n' \
                f'start_urls = ["{sites.url("example", f"/_slow/{slow}")}"]\n'
        slugs.append("example")
    registry = tmp_path / "outlets.toml"
    registry.write_text(text, encoding="utf-8")
    open_db(db_path).close()  # migrated before the lock is taken, as a database in use is
    holder = LockHolder(db_path, sites, hold)
    holder.start()
    result = crawl(db_path, outlets_file=registry, outlet_slugs=slugs, use_default_outlets=False,
                   settings={**FAST, "SYNDTRACK_BATCH_SIZE": 1, **settings})
    holder.join(60)
    assert holder.error is None and holder.held, holder.error
    return result


def stored(db_path):
    conn = sqlite3.connect(db_path)
    try:
        return {u for (u,) in conn.execute("select url from articles")}
    finally:
        conn.close()


def test_articles_written_while_the_lock_is_held_wait_and_land(tmp_path, db_path, sites, capfd):
    # Each write gives up on SQLite's busy timeout after 0.2 s, far shorter than the
    # 2 s hold: only the retries (0.2 + 0.4 + 0.8 + 1 + 1 s of backoff) get it through.
    result = crawl_beside_lock(tmp_path, db_path, sites, 2.0, SYNDTRACK_DB_BUSY_TIMEOUT=0.2,
                               SYNDTRACK_DB_WRITE_RETRIES=5, SYNDTRACK_DB_RETRY_BACKOFF=0.2,
                               SYNDTRACK_DB_RETRY_BACKOFF_MAX=1.0)
    err = capfd.readouterr().err
    assert result.status == "finished" and result.errors == 0, (result, err[-2000:])
    assert result.articles_new == 5
    db = open_db(db_path)
    stats = json.loads(db["crawl_runs"].get(result.run_id)["stats"])
    assert stats.get("syndtrack/db/locked_retries", 0) >= 1, "no write met the lock: the test proved nothing"
    assert db["articles"].count == 5 and db["pages"].count == 5
    assert db["crawl_errors"].count == 0
    db.close()
    assert "Error processing" not in err and "database is locked" not in err


def test_articles_the_lock_outlasts_are_counted_one_line_each_and_fetched_again(tmp_path, db_path, sites, capfd):
    # 0.1 s busy timeout + one retry after 0.1 s: a write gives up after ~0.3 s of a 4 s hold.
    result = crawl_beside_lock(tmp_path, db_path, sites, 4.0, slow=8, SYNDTRACK_DB_BUSY_TIMEOUT=0.1,
                               SYNDTRACK_DB_WRITE_RETRIES=1, SYNDTRACK_DB_RETRY_BACKOFF=0.1)
    err = capfd.readouterr().err
    db = open_db(db_path)
    lost = [r for r in db.query("select * from crawl_errors where reason like 'not stored: database locked%'")]
    assert lost, "no article met the lock: the test proved nothing"
    landed = {r["url"] for r in db.query("select url from articles")}
    lost_urls = {r["url"] for r in lost}
    assert len(lost_urls) == len(lost) and not (landed & lost_urls)
    assert len(landed | lost_urls) == 5  # every article is either stored or listed as not stored
    run = db["crawl_runs"].get(result.run_id)
    assert run["errors"] == result.errors == db["crawl_errors"].count >= len(lost)
    assert json.loads(run["stats"])["syndtrack/articles/not_stored"] == len(lost)
    db.close()

    # One line per article not stored, no item dump, no page.
    lines = [line for line in err.splitlines() if "not stored" in line]
    assert len(lines) == len(lost), err[-3000:]
    assert "Error processing" not in err and "<html" not in err.lower() and "Traceback" not in err
    assert len(err) < 300 * (len(lost) + 5), f"{len(err)} bytes of stderr"

    # Nothing stored of them says "fetched": the next crawl asks for them again and stores them.
    again = crawl(db_path, outlets_file=tmp_path / "outlets.toml", outlet_slugs=SLUGS, use_default_outlets=False, settings=FAST)
    assert again.articles_new == len(lost) and again.errors == 0
    assert len(stored(db_path)) == 5

"""`syndtrack run` for real: two runs at once through subprocesses, the CLI's exit statuses.

The runs crawl the local fixture sites (tests/sites, served by the `sites`
fixture) with the real spider and cluster with the real clustering.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import filelock
import pytest
from click.testing import CliRunner

from syndtrack.store.articles import store_articles
from syndtrack.cli import cli
from syndtrack.store.db import open_db
from syndtrack.run import EXIT_LOCKED, EXIT_OK, lock_path, log_path, read_log



# Local fixture servers need no politeness (and all share the host 127.0.0.1).
FAST = ("-s", "AUTOTHROTTLE_ENABLED=false", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16")


def registry(tmp_path: Path, sites, *, slow: float | None = None) -> Path:
    start = f'start_urls = ["{sites.url("example", f"/_slow/{slow}")}"]\n' if slow else ""
    text = f"""
[outlets.statemedia]
name = "State Media Fixture"
url = "{sites.url('statemedia', '/')}"
state_media = true
owner = "China Media Group"
download_delay = 0

[outlets.republisher]
name = "Republisher Fixture"
url = "{sites.url('republisher', '/')}"
feeds = ["{sites.url('republisher', '/feed.rss')}"]
download_delay = 0

[outlets.example]
name = "Slow example"
url = "{sites.url('example', '/')}"
{start}download_delay = 0
"""
    path = tmp_path / "outlets.toml"
    path.write_text(text)
    return path


def syndtrack(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "syndtrack", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def snapshot(db_path: Path) -> list[str]:
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return list(conn.iterdump())
    finally:
        conn.close()


def wait_for_start(db_path: Path, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(e["event"] == "start" for e in read_log(db_path)):
            return
        if proc.poll() is not None:
            raise AssertionError(f"first run ended early: {proc.communicate()}")
        time.sleep(0.05)
    raise AssertionError("first run never started")


@pytest.mark.slow
def test_two_runs_at_once_second_exits_locked_and_db_stays_intact(tmp_path, sites):
    db = tmp_path / "news.db"
    outlets = registry(tmp_path, sites, slow=3)
    args = ("--db", str(db), "run", "--outlets", str(outlets), "--no-default-outlets", *FAST)
    first = syndtrack(*args)
    wait_for_start(db, first)
    t0 = time.monotonic()
    second = syndtrack(*args)
    out2, err2 = second.communicate(timeout=60)
    second_took = time.monotonic() - t0
    assert first.poll() is None, "the first run should still be crawling"
    out1, err1 = first.communicate(timeout=120)

    assert second.returncode == EXIT_LOCKED, (out2, err2)
    assert out2.count("\n") == 1 and out2.startswith("run locked:") and "did nothing" in out2
    assert f"pid {first.pid}" in out2  # it names the run holding the lock
    assert second_took < 15
    assert first.returncode == EXIT_OK, (out1, err1)
    assert out1.startswith("run ok") and "[exit 0]" in out1

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("select count(*) from crawl_runs").fetchone()[0] == 1  # the second never crawled
    assert conn.execute("select count(*) from articles").fetchone()[0] > 0
    conn.close()
    events = [(e["event"], e["pid"]) for e in read_log(db)]
    assert events == [("start", first.pid), ("locked", second.pid), ("finish", first.pid)]


@pytest.mark.slow
def test_sigterm_stops_the_crawl_logs_it_and_frees_the_lock(tmp_path, sites):
    psutil = pytest.importorskip("psutil")
    db = tmp_path / "news.db"
    outlets = registry(tmp_path, sites, slow=6)
    first = syndtrack("--db", str(db), "run", "--outlets", str(outlets), "--no-default-outlets", *FAST)
    wait_for_start(db, first)
    deadline = time.monotonic() + 20
    children = []
    while not children and time.monotonic() < deadline:  # the Scrapy child process
        children = psutil.Process(first.pid).children(recursive=True)
        time.sleep(0.1)
    assert children
    time.sleep(1.5)
    first.terminate()  # SIGTERM to the run only, as `kill PID` or a timeout would send it
    out, err = first.communicate(timeout=90)
    assert first.returncode == 143, (out, err)
    assert out.startswith("run interrupted")
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, "the crawl child outlived the run"
    finish = read_log(db)[-1]
    assert finish["event"] == "finish" and finish["status"] == "interrupted" and finish["exit_code"] == 143
    with filelock.FileLock(lock_path(db)).acquire(timeout=0):
        pass  # free at once
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The crawl was told to stop and its run closed: not left "running" forever.
    assert conn.execute("select status from crawl_runs").fetchall() == [("failed",)]
    conn.close()


@pytest.mark.slow
def test_locked_run_changes_no_row(tmp_path, sites):
    db = tmp_path / "news.db"
    outlets = registry(tmp_path, sites)
    done = subprocess.run(
        [sys.executable, "-m", "syndtrack", "--db", str(db), "run", "--outlets", str(outlets), "--no-default-outlets", "-q", *FAST],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == EXIT_OK, done
    before = snapshot(db)
    assert any("INSERT INTO \"articles\"" in line for line in before)

    holder = filelock.FileLock(lock_path(db))  # as if a run were in progress
    with holder:
        locked = subprocess.run(
            [sys.executable, "-m", "syndtrack", "--db", str(db), "run", "--outlets", str(outlets), "--no-default-outlets"],
            capture_output=True, text=True, timeout=60,
        )
        waited = subprocess.run(
            [sys.executable, "-m", "syndtrack", "--db", str(db), "run", "--no-crawl", "--wait", "--timeout", "1"],
            capture_output=True, text=True, timeout=60,
        )
    assert locked.returncode == EXIT_LOCKED == 75, locked
    assert waited.returncode == EXIT_LOCKED and "gave up waiting" in waited.stdout
    assert "waiting up to 1s" in waited.stderr
    assert snapshot(db) == before


def test_unknown_outlet_is_exit_1_and_runs_nothing(tmp_path, sites):
    db = tmp_path / "news.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "run", "--outlets", str(registry(tmp_path, sites)), "--outlet", "nope"])
    assert result.exit_code == 1
    assert "unknown outlet(s): nope" in result.output
    assert not log_path(db).exists()


def test_missing_outlets_file_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "run", "--outlets", str(tmp_path / "missing.toml")])
    assert result.exit_code == 2


def test_cluster_only_run_via_cli(tmp_path):
    db = tmp_path / "news.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "run", "--no-crawl", "--no-progress"])
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout.startswith("run ok") and "cluster:" in result.stdout
    (entry,) = [e for e in read_log(db) if e["event"] == "finish"]
    assert entry["crawl"] is None and entry["cluster"] is not None
    # Off a terminal, plain timestamped log lines go to stderr.
    assert "syndtrack run: cluster started" in result.stderr


def test_crawl_that_cannot_start_is_exit_3_and_clustering_still_runs(tmp_path, sites):
    db = tmp_path / "news.db"
    result = CliRunner().invoke(cli, [
        "--db", str(db), "run", "--outlets", str(registry(tmp_path, sites)), "--no-default-outlets",
        "-s", 'DOWNLOADER_MIDDLEWARES={"no.such.Middleware": 100}',  # Scrapy cannot load it: the crawl fails
    ])
    assert result.exit_code == 3, result.output
    assert result.stdout.startswith("run crawl_failed") and "cluster: " in result.stdout
    (finish,) = [e for e in read_log(db) if e["event"] == "finish"]
    assert finish["crawl"]["status"] == "failed" and finish["cluster"] is not None


def test_clustering_that_fails_is_exit_4_and_leaves_articles_alone(tmp_path):
    db_path = tmp_path / "news.db"
    text = " ".join(f"Sentence number {i} of a wire story that two outlets carried word for word." for i in range(40))
    db = open_db(db_path)
    store_articles(db, [
        {"url": "https://origin.example/a", "outlet": "origin.example", "text": text, "published": "2024-01-01T00:00:00Z"},
        {"url": "https://copy.example/b", "outlet": "copy.example", "text": text, "published": "2024-01-02T00:00:00Z"},
    ])
    # A database that refuses cluster rows (as a full disk or a broken file would).
    db.execute("CREATE TRIGGER no_clusters BEFORE INSERT ON clusters BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    db.close()
    before = snapshot(db_path)
    result = CliRunner().invoke(cli, ["--db", str(db_path), "run", "--no-crawl"])
    assert result.exit_code == 4, result.output
    assert "cluster failed" in result.stdout and "disk says no" in result.stdout
    after = snapshot(db_path)
    articles = [line for line in before if line.startswith('INSERT INTO "articles"')]
    assert articles and articles == [line for line in after if line.startswith('INSERT INTO "articles"')]

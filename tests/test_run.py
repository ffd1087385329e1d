"""syndtrack.run: lock, run log and exit statuses, through the Python API.

These use small stand-in crawl/cluster functions (passed in through run()'s
crawl_fn/cluster_fn parameters) to make each step succeed, fail or take time
on demand; tests/test_run_cli.py runs the real crawl and clustering.
"""

from __future__ import annotations

import os
import threading
import time
from types import SimpleNamespace

import filelock
import pytest

from syndtrack.store.dates import utcnow
from syndtrack.store.db import open_db
from syndtrack.run import (
    EXIT_CLUSTER_FAILED,
    EXIT_CRAWL_FAILED,
    EXIT_LOCKED,
    EXIT_OK,
    lock_path,
    log_path,
    read_log,
    run,
)


def stand_in_crawl(calls, *, status="finished", sleep=0.0, boom=None):
    def crawl(db_path, **kwargs):
        calls.append(("crawl", kwargs))
        if boom:
            raise boom
        time.sleep(sleep)
        db = open_db(db_path)
        run_id = db["crawl_runs"].insert({"started": utcnow(), "finished": utcnow(), "status": status, "pages_fetched": 2}).last_pk
        db.close()
        return SimpleNamespace(run_id=run_id, pages_fetched=2, articles_new=1, articles_updated=0,
                               articles_unchanged=1, errors=0, status=status)
    return crawl


def stand_in_cluster(calls, *, boom=None):
    def cluster(db_path, *, full=False, progress=None):
        calls.append(("cluster", {"full": full}))
        if boom:
            raise boom
        return SimpleNamespace(articles_processed=1, matches=0, clusters=0, members=0)
    return cluster


def test_run_crawls_then_clusters_and_logs(db_path):
    calls = []
    result = run(db_path, outlet_slugs=["a"], full=True, crawl_fn=stand_in_crawl(calls), cluster_fn=stand_in_cluster(calls))
    assert result.exit_code == EXIT_OK and result.status == "ok"
    assert [c[0] for c in calls] == ["crawl", "cluster"]
    assert calls[0][1]["outlet_slugs"] == ["a"] and calls[1][1]["full"] is True
    log = read_log(db_path)
    assert [e["event"] for e in log] == ["start", "finish"]
    assert log[1]["crawl"]["run_id"] == result.crawl["run_id"] == 1
    assert log[1]["exit_code"] == 0
    summary = result.summary()
    assert "\n" not in summary and "crawl #1 finished: 2 pages, 1 new" in summary and summary.endswith("[exit 0]")
    # The lock is released afterwards: a second run goes ahead.
    assert run(db_path, crawl_fn=stand_in_crawl(calls), cluster_fn=stand_in_cluster(calls)).exit_code == EXIT_OK


def test_crawl_exception_is_exit_3_and_cluster_still_runs(db_path):
    calls = []
    result = run(db_path, crawl_fn=stand_in_crawl(calls, boom=RuntimeError("spider exploded")), cluster_fn=stand_in_cluster(calls))
    assert result.exit_code == EXIT_CRAWL_FAILED == 3
    assert [c[0] for c in calls] == ["crawl", "cluster"]
    assert "spider exploded" in result.summary()
    assert read_log(db_path)[-1]["status"] == "crawl_failed"


def test_crawl_reporting_failed_status_is_exit_3(db_path):
    result = run(db_path, crawl_fn=stand_in_crawl([], status="failed"), cluster_fn=stand_in_cluster([]))
    assert result.exit_code == EXIT_CRAWL_FAILED


def test_cluster_failure_is_exit_4(db_path):
    result = run(db_path, crawl_fn=stand_in_crawl([]), cluster_fn=stand_in_cluster([], boom=ValueError("bad index")))
    assert result.exit_code == EXIT_CLUSTER_FAILED == 4
    assert "cluster failed: ValueError: bad index" in result.summary()


def test_second_run_while_locked_does_nothing(db_path):
    open_db(db_path).close()
    holder = filelock.FileLock(lock_path(db_path))
    holder.acquire()
    try:
        calls = []
        result = run(db_path, crawl_fn=stand_in_crawl(calls), cluster_fn=stand_in_cluster(calls))
    finally:
        holder.release()
    assert result.exit_code == EXIT_LOCKED == 75
    assert calls == []
    assert open_db(db_path)["crawl_runs"].count == 0
    assert read_log(db_path)[-1]["event"] == "locked"
    assert "did nothing" in result.summary()
    assert result.holder is None  # nobody in the run log is still running: no name is made up


def test_locked_message_names_the_run_holding_the_lock(db_path):
    seen = []

    def crawl_then_try_again(db_path, **kwargs):
        # While this run holds the lock, a second one finds it taken.
        seen.append(run(db_path, crawl_fn=stand_in_crawl([]), cluster_fn=stand_in_cluster([])))
        return SimpleNamespace(run_id=None, status="finished")

    first = run(db_path, crawl_fn=crawl_then_try_again, cluster_fn=stand_in_cluster([]))
    assert first.exit_code == EXIT_OK
    (second,) = seen
    assert second.exit_code == EXIT_LOCKED
    assert second.holder["pid"] == os.getpid()
    assert f"(pid {os.getpid()} on " in second.summary()
    (path_line,) = [line for line in log_path(db_path).read_text().splitlines() if '"locked"' in line]
    assert '"holder"' in path_line


def test_wait_gets_the_lock_when_the_holder_finishes(db_path):
    holder = filelock.FileLock(lock_path(db_path), thread_local=False)  # released by the timer thread
    holder.acquire()
    threading.Timer(0.5, holder.release).start()
    waited = []
    result = run(db_path, wait=True, timeout=10, crawl_fn=stand_in_crawl([]), cluster_fn=stand_in_cluster([]),
                 on_locked_wait=waited.append)
    assert result.exit_code == EXIT_OK
    assert waited == [None]  # it noticed the lock was taken, and waited
    assert result.seconds >= 0.4


def test_wait_gives_up_after_timeout(db_path):
    holder = filelock.FileLock(lock_path(db_path))
    holder.acquire()
    try:
        calls = []
        result = run(db_path, wait=True, timeout=0.3, crawl_fn=stand_in_crawl(calls), cluster_fn=stand_in_cluster(calls))
    finally:
        holder.release()
    assert result.exit_code == EXIT_LOCKED and calls == []
    assert "gave up waiting" in result.summary()


def test_overlapping_threads_never_run_together(db_path):
    open_db(db_path).close()
    active, overlaps, results = [], [], []

    def slow_crawl(db_path, **kwargs):
        active.append(1)
        if len(active) > 1:
            overlaps.append(1)
        time.sleep(0.5)
        active.pop()
        return SimpleNamespace(run_id=None, status="finished")

    def one():
        results.append(run(db_path, crawl_fn=slow_crawl, cluster_fn=stand_in_cluster([])).exit_code)

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == []
    assert sorted(results) == [EXIT_OK, EXIT_LOCKED, EXIT_LOCKED]


def test_no_crawl_only_clusters_under_the_lock(db_path):
    calls = []
    result = run(db_path, crawl=False, crawl_fn=stand_in_crawl(calls), cluster_fn=stand_in_cluster(calls))
    assert result.exit_code == EXIT_OK
    assert [c[0] for c in calls] == ["cluster"]
    assert result.crawl is None and "crawl" not in result.summary()


def test_crawl_progress_counts_what_the_running_crawl_has_stored(db_path):
    import io

    from syndtrack.run_display import CrawlProgress

    db = open_db(db_path)
    db["articles"].insert({"url": "https://a.example/old", "text": "old"})
    stream = io.StringIO()
    with CrawlProgress(str(db_path), stream=stream):
        run_id = db["crawl_runs"].insert({"started": utcnow(), "status": "running"}).last_pk
        db["crawl_urls"].insert_all([{"url": f"https://a.example/{i}", "run_id": run_id} for i in range(3)], pk="url")
        db["articles"].insert({"url": "https://a.example/new", "text": "new"})
        time.sleep(1.2)
    db.close()
    assert "crawling: 3 URLs checked, 1 new articles" in stream.getvalue()
    assert stream.getvalue().endswith("\r")  # the status line is wiped when the crawl ends


def test_missing_database_folder_is_a_config_error_and_creates_nothing(tmp_path):
    from syndtrack.run import RunConfigError

    with pytest.raises(RunConfigError, match="does not exist"):
        run(tmp_path / "missing" / "news.db", crawl_fn=stand_in_crawl([]), cluster_fn=stand_in_cluster([]))
    assert not (tmp_path / "missing").exists()

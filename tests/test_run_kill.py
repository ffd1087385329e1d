"""kill -9 of `syndtrack run`: its crawl process dies with it, and no later run overlaps it.

Real processes throughout: `python -m syndtrack run` crawling the fixture sites,
one of whose pages answers only after 20 s so the crawl is still going when
the run is killed.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import filelock
import pytest

from crawler.runner import ORPHAN_GRACE_SECONDS
from syndtrack.crawl import process_alive
from syndtrack.run import EXIT_LOCKED, EXIT_OK, lock_path
from test_run_cli import FAST, registry, wait_for_start

psutil = pytest.importorskip("psutil")


@pytest.fixture
def leftovers():
    """Processes to kill if a failing test leaves them running."""
    procs: list = []
    yield procs
    for proc in procs:
        try:
            proc.kill()
        except (ProcessLookupError, psutil.NoSuchProcess):
            pass


def crawl_child(db, run: subprocess.Popen) -> psutil.Process:
    """The run's crawl process, once it has taken its crawl_runs row over (its pid in the row)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for child in psutil.Process(run.pid).children(recursive=True):
            conn = sqlite3.connect(db)
            try:
                if conn.execute("select 1 from crawl_runs where pid = ? and status = 'running'", [child.pid]).fetchone():
                    return child
            except sqlite3.OperationalError:  # the column is not there yet: migrations still running
                pass
            finally:
                conn.close()
        time.sleep(0.1)
    raise AssertionError(f"no crawl process took the run over: {run.poll()}")


def wait_gone(pid: int, timeout: float) -> float:
    """Seconds until ``pid`` has exited (a zombie counts: only init's reaping is left)."""
    start = time.monotonic()
    while process_alive(pid):
        if time.monotonic() - start > timeout:
            raise AssertionError(f"process {pid} still alive after {timeout}s")
        time.sleep(0.05)
    return time.monotonic() - start


def wait_for_slow_page(sites, timeout: float = 30) -> None:
    """Until the crawl's download of the slow page is in flight: a graceful stop must wait for it."""
    deadline = time.monotonic() + timeout
    while not sites.waiting("example"):
        if time.monotonic() > deadline:
            raise AssertionError("the crawl never requested the slow page")
        time.sleep(0.05)


def crawl_runs(db) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("select * from crawl_runs order by id")]
    finally:
        conn.close()


def run_args(db, outlets):
    return [sys.executable, "-m", "syndtrack", "--db", str(db), "run", "--outlets", str(outlets), "--no-default-outlets",
            "-q", *FAST]


def start_run(tmp_path, db, outlets) -> subprocess.Popen:
    # Output to a file, not a pipe: the crawl process would keep a pipe open after the run is killed.
    with open(tmp_path / "first-run.log", "w") as out:
        return subprocess.Popen(run_args(db, outlets), stdout=out, stderr=subprocess.STDOUT, text=True)


@pytest.mark.slow
def test_kill_9_of_run_takes_its_crawl_with_it(tmp_path, sites, leftovers):
    db = tmp_path / "news.db"
    outlets = registry(tmp_path, sites, slow=20)
    first = start_run(tmp_path, db, outlets)
    leftovers.append(first)
    wait_for_start(db, first)
    child = crawl_child(db, first)
    leftovers.append(child)
    # Killed before its slow download starts, the crawl would stop gracefully at once
    # and close its row itself (seen under load).
    wait_for_slow_page(sites)

    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    # Its graceful stop would wait for the slow page; after ORPHAN_GRACE_SECONDS it stops at once.
    took = wait_gone(child.pid, timeout=ORPHAN_GRACE_SECONDS + 5)
    print(f"crawl gone {took:.2f}s after kill -9 of its run")
    # It held the lock to the end: free only now.
    with filelock.FileLock(lock_path(db)).acquire(timeout=0):
        pass
    (stale,) = crawl_runs(db)
    assert stale["status"] == "running" and stale["pid"] == child.pid  # stopped before it could close its row

    later = subprocess.run(run_args(db, registry(tmp_path, sites)), capture_output=True, text=True, timeout=120)
    assert later.returncode == EXIT_OK, later
    dead, new = crawl_runs(db)
    assert dead["status"] == "failed" and dead["finished"] >= dead["started"]
    assert dead["reason"] == f"process {child.pid} on {dead['host']} ended without closing the run (found by a later crawl)"
    assert new["status"] == "finished" and new["started"] >= dead["finished"]


@pytest.mark.slow
def test_crawl_outliving_its_run_keeps_the_lock_and_is_marked_failed_once_gone(tmp_path, sites, leftovers):
    db = tmp_path / "news.db"
    outlets = registry(tmp_path, sites, slow=20)
    first = start_run(tmp_path, db, outlets)
    leftovers.append(first)
    wait_for_start(db, first)
    child = crawl_child(db, first)
    leftovers.append(child)
    # Killed before its slow download starts, the crawl would stop gracefully at once
    # and close its row itself (seen under load).
    wait_for_slow_page(sites)

    # Frozen, the crawl cannot act on its parent's death: it stands for a crawl
    # still shutting down (or one on a platform without a parent-death signal).
    child.suspend()
    try:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        second = subprocess.run(run_args(db, registry(tmp_path, sites)), capture_output=True, text=True, timeout=60)
        assert second.returncode == EXIT_LOCKED, second  # the crawl still holds the run's lock
        assert [r["id"] for r in crawl_runs(db)] == [1]
        # Killed where it stands: its row stays 'running', naming its pid.
        child.kill()
    finally:
        child.resume()
    wait_gone(child.pid, timeout=10)
    (stale,) = crawl_runs(db)
    assert stale["status"] == "running" and stale["pid"] == child.pid

    third = subprocess.run(run_args(db, registry(tmp_path, sites)), capture_output=True, text=True, timeout=120)
    assert third.returncode == EXIT_OK, third
    dead, new = crawl_runs(db)
    assert dead["status"] == "failed" and dead["finished"]
    assert dead["reason"] == f"process {child.pid} on {dead['host']} ended without closing the run (found by a later crawl)"
    assert new["status"] == "finished" and new["pid"] != child.pid
